"""The one CSV writer of every download: context lines, an empty line, the table; BOM; formulas neutralised."""

import io

import openpyxl
import pandas as pd

from gridwatch import exports


def test_a_csv_without_context_is_the_table_alone():
    frame = pd.DataFrame({"名称": ["东一厂", "=cmd()"], "隐患": [3, 0], "备注": [None, "-1"]})
    assert exports.csv_bytes(frame) == "\ufeff名称,隐患,备注\n东一厂,3,\n'=cmd(),0,'-1\n".encode()


def test_context_lines_come_first_one_cell_each_then_an_empty_line():
    frame = pd.DataFrame({"名称": ["东一厂"], "备注": ["a,b"]})
    lines = ["网格覆盖｜数据截至 2026-06-30", "镇街：东镇, 西镇", "@SUM(A1)", "控制\x01符"]
    assert exports.csv_bytes(frame, lines) == (
        "\ufeff网格覆盖｜数据截至 2026-06-30\n"
        '"镇街：东镇, 西镇"\n'
        "'@SUM(A1)\n"
        "控制\x01符\n"
        "\n"
        "名称,备注\n"
        '东一厂,"a,b"\n').encode()


def test_the_csv_and_the_xlsx_have_one_layout():
    frame = pd.DataFrame({"名称": ["东一厂", "西二厂"]})
    lines = ["标题", "数据截至 2026-06-30"]
    csv_rows = exports.csv_bytes(frame, lines).decode("utf-8-sig").splitlines()
    sheet = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes({"表": frame}, header_lines=lines))).active
    xlsx_rows = [row[0] or "" for row in sheet.iter_rows(values_only=True)]
    assert csv_rows == xlsx_rows == ["标题", "数据截至 2026-06-30", "", "名称", "东一厂", "西二厂"]
