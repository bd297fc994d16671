"""The registers handed to towns (一镇一册 / 一村一册 / 一部门一册 / 一队一册) on tests/fixtures/coverage.sql.

Opened with openpyxl as Excel would: title rows, frozen and filtered header, column widths,
A4 landscape fitted to one page wide with the header row repeated, page numbers, real
dates; the zip's files, and ``python -m gridwatch registers``.

The county (as of 2026-06-30): 东镇 一村 C1 C2 C7 (suspended), 东镇 二村 C3 C4 (no
squadron), 西镇 三村 C5 (grid V-ZZ unknown, placed in V-B1), 西镇 without village C6, and
C8 without town, village, squadron or grid.
"""

import io
import json
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from gridwatch import cli, queries, registers, warehouse, workbook
from tests.conftest import build_fixture_db

AS_OF = date(2026, 6, 30)
CONTEXT = registers.Context(as_of=AS_OF, data_as_of=AS_OF)
HEADERS_BY_TOWN = ["企业编号", "名称", "统一社会信用代码", "行业类别", "村居", "行业主管部门", "监察中队", "网格编号",
                   "所在网格", "网格巡查员（人）", "风险等级", "经营状态", "最近检查日期", "最近检查带队人", "距今天数",
                   "超期未检", "未整改隐患", "逾期隐患"]


@pytest.fixture
def cov_db(tmp_path):
    return build_fixture_db(tmp_path / "coverage.duckdb", "coverage.sql")


@pytest.fixture
def enterprises(cov_db):
    con = warehouse.open_readonly(cov_db)
    try:
        return queries.run(con, "coverage_enterprises", {
            "start": date(2026, 6, 1), "end": AS_OF, "as_of": AS_OF, "towns": [], "departments": [],
            "industries": [], "risk_levels": []})
    finally:
        con.close()


def book(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def values(ws, row: int) -> list:
    return [c.value for c in ws[row]]


def test_town_register_sheet_by_hand(enterprises):
    wb = book(registers.workbook_bytes(enterprises, "town", "zh", CONTEXT))
    assert wb.sheetnames == ["东镇", "西镇", "未填镇街"]
    ws = wb["东镇"]
    assert ws["A1"].value == "一镇一册 · 东镇"
    assert ws["A2"].value == "状态截至 2026-06-30｜范围：全县｜风险等级：全部｜数据截至 2026-06-30"
    # C1 C2 C3 C4 operate, C7 is suspended; C2 (41 days, red) and C4 (never) are overdue;
    # open hazards Z1 Z2 (C1) and Z5 (C7), of which Z1 is past its deadline.
    assert ws["A3"].value == "共 5 家企业（在营 4 家）｜超期未检 2 家｜未整改隐患 3 条，其中逾期 1 条"
    assert values(ws, 4) == HEADERS_BY_TOWN  # the town column is left out of its own sheet
    rows = [values(ws, r) for r in range(5, ws.max_row + 1)]
    assert rows == [
        ["C1", "东一厂", "91370000000000011A", "机械制造", "一村", "应急局", "第一中队", "V-A1", "东镇一村", 2,
         "重大风险（红）", "正常生产", datetime(2026, 6, 10), "赵一", 20, "否", 2, 1],
        ["C2", "<img src=x onerror=alert(1)>", "91370000000000012B", "危险化学品", "一村", "应急局", "第一中队",
         "V-A1", "东镇一村", 2, "重大风险（红）", "正常生产", datetime(2026, 5, 20), "钱二", 41, "是", 0, 0],
        ["C7", "东五厂", "91370000000000017G", "冶金", "一村", "应急局", "第一中队", "V-A1", "东镇一村", 2,
         "重大风险（红）", "停产", datetime(2026, 6, 20), "钱二", 10, "否", 1, 0],
        # N4 of 07-05 is after the as-of date: the last inspection is N3.
        ["C3", "东三厂", "91370000000000013C", "建材", "二村", "住建局", "第一中队", "V-A2", "东镇二村", 1,
         "较大风险（橙）", "正常生产", datetime(2026, 4, 15), "赵一", 76, "否", 0, 0],
        ["C4", "东四厂", "91370000000000014D", "建材", "二村", "住建局", None, "V-A2", "东镇二村", 1,
         "一般风险（黄）", "正常生产", "从未检查", None, None, "是", 0, 0],
    ]
    west = [values(wb["西镇"], r) for r in range(5, wb["西镇"].max_row + 1)]
    # C5's grid id is unknown: it sits in 西镇三村 by name (0 village inspectors); C6 has no
    # village: only the town grid, whose village inspectors are not a village's.
    assert [(r[0], r[7], r[8], r[9]) for r in west] == [("C5", "V-ZZ", "西镇三村", 0), ("C6", None, "西镇网格", None)]
    assert values(wb["未填镇街"], 5)[:2] == ["C8", "无名加工点"]


def test_sheet_is_a_printable_document(enterprises):
    wb = book(registers.workbook_bytes(enterprises, "town", "zh", CONTEXT))
    ws = wb["东镇"]
    assert ws.freeze_panes == "C5"  # the header row and the id and name columns stay in view
    assert ws.auto_filter.ref == "A4:R9"
    assert ws.print_title_rows == "$4:$4"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:R1", "A2:R2", "A3:R3"}
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_options.gridLines is True
    assert ws.oddHeader.center.text == "一镇一册 · 东镇"
    assert ws.oddFooter.left.text == "数据截至 2026-06-30"
    assert ws.oddFooter.right.text == "第 &P 页 / 共 &N 页"
    widths = {letter: dim.width for letter, dim in ws.column_dimensions.items()}
    assert sorted(widths) == sorted("ABCDEFGHIJKLMNOPQR")
    # Sized to the longest value + 3: the name column to '<img src=x onerror=alert(1)>' (28),
    # the credit code to its 18 characters, dates to 10; short columns to their header.
    assert (widths["B"], widths["C"], widths["M"]) == (31, 21, 13)
    assert widths["A"] == 10  # "企业编号" is 8 wide + 2
    dated = ws["M5"]
    assert dated.is_date and dated.number_format == "yyyy-mm-dd" and dated.value == datetime(2026, 6, 10)
    assert ws["M9"].value == "从未检查" and ws["M9"].data_type == "s"
    assert ws["A1"].font.bold and ws["A4"].font.bold


def test_english_register(enterprises):
    wb = book(registers.workbook_bytes(enterprises, "squadron", "en", CONTEXT))
    assert wb.sheetnames == ["第一中队", "第二中队", "No squadron"]
    ws = wb["第二中队"]
    assert ws["A1"].value == "Register per squadron · 第二中队"
    assert ws["A2"].value.startswith("Status as of 2026-06-30 | scope: whole county | risk levels: all")
    assert "Town" in values(ws, 4) and "Squadron" not in values(ws, 4)
    assert ws.oddFooter.right.text == "Page &P of &N"
    assert [values(wb["No squadron"], r)[0] for r in (5, 6)] == ["C4", "C8"]


def test_units_of_each_register(enterprises):
    frame = registers._ordered(enterprises)
    names = {by: [(u.town, u.name, [frame.enterprise_id[i] for i in u.rows]) for u in registers.units(frame, by)]
             for by in registers.BY}
    assert names["town"] == [(None, "东镇", ["C1", "C2", "C7", "C3", "C4"]), (None, "西镇", ["C5", "C6"]),
                             (None, None, ["C8"])]
    assert names["village"] == [("东镇", "一村", ["C1", "C2", "C7"]), ("东镇", "二村", ["C3", "C4"]),
                                ("西镇", "三村", ["C5"]), ("西镇", None, ["C6"]), (None, None, ["C8"])]
    assert names["department"] == [(None, "住建局", ["C3", "C4"]), (None, "应急局", ["C1", "C2", "C7", "C5", "C8"]),
                                   (None, None, ["C6"])]
    assert names["squadron"] == [(None, "第一中队", ["C1", "C2", "C7", "C3"]), (None, "第二中队", ["C5", "C6"]),
                                 (None, None, ["C4", "C8"])]
    assert {by: registers.unit_count(enterprises, by) for by in registers.BY} == {
        "town": 3, "village": 5, "department": 3, "squadron": 3}


def test_village_register_is_one_file_per_village_in_town_folders(enterprises):
    first, per_unit = registers.downloads(enterprises, "village", "zh", CONTEXT)
    assert per_unit.file_name == "一村一册-按单位分文件-2026-06-30.zip" and per_unit.mime == registers.ZIP
    archive = zipfile.ZipFile(io.BytesIO(per_unit.build()))
    assert archive.namelist() == [
        "东镇/一村一册-东镇-一村.xlsx", "东镇/一村一册-东镇-二村.xlsx", "西镇/一村一册-西镇-三村.xlsx",
        "西镇/一村一册-西镇-未填村居.xlsx", "未填镇街/一村一册-未填镇街-未填村居.xlsx",
    ]
    one = book(archive.read("东镇/一村一册-东镇-二村.xlsx"))
    assert one.sheetnames == ["东镇 二村"]
    ws = one.active
    assert ws["A1"].value == "一村一册 · 东镇 二村"
    assert "镇街" not in values(ws, 4) and "村居" not in values(ws, 4)
    assert [values(ws, r)[0] for r in (5, 6)] == ["C3", "C4"] and ws.max_row == 6
    # Several towns: "the workbook" is one workbook per town, a sheet per village, zipped.
    assert first.file_name == "一村一册-每镇一本-2026-06-30.zip"
    books = zipfile.ZipFile(io.BytesIO(first.build()))
    assert books.namelist() == ["一村一册-东镇.xlsx", "一村一册-西镇.xlsx", "一村一册-未填镇街.xlsx"]
    assert book(books.read("一村一册-西镇.xlsx")).sheetnames == ["三村", "未填村居"]


def test_village_register_of_one_town_is_one_workbook(enterprises):
    east = enterprises[enterprises.town == "东镇"]
    first, _ = registers.downloads(east, "village", "zh", CONTEXT)
    assert first.file_name == "一村一册-2026-06-30.xlsx" and first.mime == registers.XLSX
    wb = book(first.build())
    assert wb.sheetnames == ["一村", "二村"]
    assert wb["一村"]["A1"].value == "一村一册 · 东镇 一村"


@pytest.mark.parametrize(("by", "names"), [
    ("town", ["一镇一册-东镇.xlsx", "一镇一册-西镇.xlsx", "一镇一册-未填镇街.xlsx"]),
    ("department", ["一部门一册-住建局.xlsx", "一部门一册-应急局.xlsx", "一部门一册-未填主管部门.xlsx"]),
    ("squadron", ["一队一册-第一中队.xlsx", "一队一册-第二中队.xlsx", "一队一册-未填监察中队.xlsx"]),
])
def test_zip_holds_one_file_per_unit(enterprises, by, names):
    first, per_unit = registers.downloads(enterprises, by, "zh", CONTEXT)
    archive = zipfile.ZipFile(io.BytesIO(per_unit.build()))
    assert archive.namelist() == names
    whole = book(first.build())
    for name, sheet in zip(names, whole.sheetnames, strict=True):
        single = book(archive.read(name))
        assert single.sheetnames == [sheet]
        assert single.active["A1"].value == whole[sheet]["A1"].value
        assert single.active.max_row == whole[sheet].max_row


def test_filters_and_risks_are_stated(enterprises):
    red = enterprises[enterprises.risk_level == "red"]
    context = registers.Context(as_of=AS_OF, data_as_of=date(2026, 7, 1), towns=("东镇",),
                                departments=("应急局",), risks=("red",))
    ws = book(registers.workbook_bytes(red, "town", "zh", context))["东镇"]
    assert ws["A2"].value == ("状态截至 2026-06-30｜范围：东镇; 部门：应急局｜风险等级：重大风险（红）｜"
                              "数据截至 2026-07-01")


def test_cells_are_neutralised_and_control_characters_stripped(enterprises):
    frame = enterprises.copy()
    frame.loc[frame.enterprise_id == "C1", "name"] = '=HYPERLINK("http://x")'
    frame.loc[frame.enterprise_id == "C3", "name"] = "东\x01三\x07厂\x00"
    frame.loc[frame.enterprise_id == "C5", "town"] = "=西镇\x0b"
    wb = book(registers.workbook_bytes(frame, "town", "zh", CONTEXT))
    ws = wb["东镇"]
    assert ws["B5"].value == "'=HYPERLINK(\"http://x\")" and ws["B5"].data_type == "s"
    assert ws["B8"].value == "东三厂"
    # A sheet name is never run; the title does not start with the unit's name.
    assert wb.sheetnames == ["=西镇", "东镇", "西镇", "未填镇街"]
    assert wb["=西镇"]["A1"].value == "一镇一册 · =西镇"


def test_optional_columns_are_left_out_when_not_recorded(enterprises):
    bare = enterprises.assign(credit_code=None, grid_inspectors=None, last_inspector=None)
    ws = book(registers.workbook_bytes(bare, "town", "zh", CONTEXT))["东镇"]
    headers = values(ws, 4)
    assert "统一社会信用代码" not in headers and "网格巡查员（人）" not in headers and "最近检查带队人" not in headers
    assert "所在网格" in headers and ws.auto_filter.ref == "A4:O9"


def test_sheet_and_file_names_are_legal_and_distinct():
    names = workbook.sheet_names(["a/b", "a_b", "x" * 40, "x" * 35, "c\x01d"])
    assert names["a/b"] == "a_b" and names["a_b"] == "a_b~2" and names["c\x01d"] == "cd"
    assert all(len(n) <= 31 for n in names.values()) and len(set(names.values())) == 5
    assert registers.file_name('a<b>:c"d/e\\f|g?h*\x01.') == "a_b__c_d_e_f_g_h__"
    assert registers._distinct(["a.xlsx", "A.xlsx", "b.xlsx"]) == ["a.xlsx", "A~2.xlsx", "b.xlsx"]


def test_empty_register_still_opens(enterprises):
    none = enterprises.iloc[:0]
    wb = book(registers.workbook_bytes(none, "town", "zh", CONTEXT))
    assert wb.sheetnames == ["Sheet"]
    archive = registers.zip_bytes(registers.files(none, "town", "zh", CONTEXT))
    assert zipfile.ZipFile(io.BytesIO(archive)).namelist() == []


def audit_lines(tmp_path):
    return [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()]


def test_cli_writes_one_workbook_per_unit(cov_db, tmp_path, capsys):
    out = tmp_path / "registers"
    assert cli.main(["registers", "--by", "village", "--db", str(cov_db), "--out", str(out)]) == 0
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.xlsx"))
    assert written == sorted(["东镇/一村一册-东镇-一村.xlsx", "东镇/一村一册-东镇-二村.xlsx",
                              "西镇/一村一册-西镇-三村.xlsx", "西镇/一村一册-西镇-未填村居.xlsx",
                              "未填镇街/一村一册-未填镇街-未填村居.xlsx"])
    assert capsys.readouterr().out.count("wrote ") == 5
    ws = book((out / "东镇" / "一村一册-东镇-一村.xlsx").read_bytes()).active
    # The data's as-of date is the last day with activity: N4 on 07-05.
    assert ws["A2"].value == "状态截至 2026-07-05｜范围：全县｜风险等级：全部｜数据截至 2026-07-05"
    record = audit_lines(tmp_path)[-1]
    assert (record["event"], record["via"], record["kind"], record["files"]) == ("export", "cli", "register", 5)
    assert record["file"] == str(out) and "registers by village" in record["what"]


def test_cli_town_and_language(cov_db, tmp_path):
    out = tmp_path / "en"
    assert cli.main(["registers", "--by", "squadron", "--db", str(cov_db), "--out", str(out),
                     "--town", "西镇", "--lang", "en"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["squadron-register-第二中队.xlsx"]
    ws = book((out / "squadron-register-第二中队.xlsx").read_bytes()).active
    assert "scope: 西镇" in ws["A2"].value
    assert "towns 西镇" in audit_lines(tmp_path)[-1]["what"]


def test_cli_errors_are_one_line(cov_db, tmp_path, capsys):
    assert cli.main(["registers", "--by", "town", "--db", str(cov_db), "--out", str(tmp_path / "x"),
                     "--town", "北镇"]) == 2
    assert capsys.readouterr().err == "error: --town: no enterprise in town '北镇'\n"
    assert cli.main(["registers", "--by", "town", "--db", str(tmp_path / "none.duckdb"),
                     "--out", str(tmp_path / "x")]) == 2
    assert capsys.readouterr().err.startswith("error: no warehouse at ")
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert cli.main(["registers", "--by", "town", "--db", str(cov_db), "--out", str(blocked)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write ") and err.count("\n") == 1
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["registers", "--by", "county", "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    assert not (tmp_path / "x").exists()
