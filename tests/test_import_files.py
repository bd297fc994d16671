"""Files as they arrive from the field and from an adversary: encodings (BOM then GBK, UTF-16/32 with
and without a mark, a named encoding), delimiters, over-long fields, control characters, 100,000
columns, an XLSX zip bomb, the quarantine workbook's round trip, and the field-level rules of
DESIGN.md (negative amounts, future dates, identical duplicates). Each gets one clear message or
loads what can be loaded; nothing raises."""

import codecs
import io
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from gridwatch import exports, warehouse
from gridwatch.columns import HEADERS
from gridwatch.ingest import import_files, issue_message, quarantine_download
from gridwatch.ingest import preview as ip
from gridwatch.ingest.loading import group_message
from gridwatch.ingest.mapping import HEADERS_TYPES
from gridwatch.ingest.reading import MAX_CELL_CHARS, MAX_COLUMNS, Unreadable, read
from gridwatch.ingest.validation import columns_of_type

HAZARD_HEADER = "隐患编号,检查编号,企业编号,发现日期,隐患等级,隐患类别,隐患描述,整改期限,整改完成日期,整改资金(元)\n"
# The tiny county's E1 and inspection I1 (2026-03-10) exist, so only the row's own values matter.
ROW = "{id},I1,E1,2026-03-10,一般隐患,消防安全,{text},2026-03-25,{done},{funds}\n"
IMPORT_DAY = date(2026, 11, 29)


def hazard_rows(*rows: dict) -> str:
    defaults = {"text": "灭火器过期", "done": "", "funds": ""}
    return HAZARD_HEADER + "".join(ROW.format(**{**defaults, **r}) for r in rows)


def run(db: Path, name: str, content: bytes, tmp_path: Path, **kwargs):
    return import_files(db, [(name, content)], raw_dir=tmp_path / "raw", today=IMPORT_DAY, **kwargs)


def table(db: Path, sql: str) -> list[tuple]:
    con = warehouse.open_readonly(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def codes(report) -> set[tuple]:
    return {(None if pd.isna(r.row_number) else int(r.row_number), r.column_name if isinstance(r.column_name, str)
             else None, r.code, r.severity) for r in report.issues.itertuples() if r.code != "missing_column"}


# --- encodings -------------------------------------------------------------------------------------

def test_utf8_mark_then_gbk_bytes_is_one_message(tiny_db, tmp_path):
    # A UTF-8 byte-order mark, a UTF-8 header and first row, then a row saved as GBK (two files pasted together).
    content = codecs.BOM_UTF8 + hazard_rows({"id": "H51"}).encode("utf-8") + ROW.format(
        id="H52", text="配电箱", done="", funds="").encode("gbk")
    report = run(tiny_db, "mixed.csv", content, tmp_path)
    assert [p.code for p in report.problems] == ["bom_mismatch"]
    message = report.problems[0].message("en")
    assert message.startswith("mixed.csv: the file starts with a UTF-8 marker but from line 3 (byte ")
    assert "\n" not in message and report.exit_code == 2


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-be", "utf-16-le", "utf-16-be", "utf-16"])
def test_wide_unicode_with_or_without_a_mark_loads(tiny_db, tmp_path, encoding):
    content = hazard_rows({"id": "H53"}).encode(encoding)
    if encoding == "utf-32-be":
        content = codecs.BOM_UTF32_BE + content
    report = run(tiny_db, "wide.csv", content, tmp_path)
    assert (report.loaded, report.rejected, report.problems) == (1, 0, [])
    # No NUL noise anywhere: the description is what was written.
    assert table(tiny_db, "select description from hazards where hazard_id = 'H53'") == [("灭火器过期",)]


def test_a_named_encoding_is_used_and_a_wrong_one_is_one_message(tiny_db, tmp_path):
    content = ("hazard_id,enterprise_id,found_date,level,category,description\n"
               "H54,E1,2026-03-10,general,Fire,Café crème\n")
    report = run(tiny_db, "latin.csv", content.encode("cp1252"), tmp_path, encoding="cp1252")
    assert report.loaded == 1 and report.sheets[0].encoding == "cp1252"
    assert table(tiny_db, "select description from hazards where hazard_id = 'H54'") == [("Café crème",)]
    report = run(tiny_db, "latin.csv", content.encode("cp1252"), tmp_path, encoding="utf-8")
    byte = content.encode("cp1252").index("é".encode("cp1252"))
    assert [p.message("en") for p in report.problems] == [
        f"latin.csv: cannot be read as utf-8, the encoding named: line 2 (byte {byte}) is not utf-8. Name the right "
        "encoding, or let it be detected."]


# --- delimiters, width, length ---------------------------------------------------------------------

@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters_are_detected(tiny_db, tmp_path, delimiter):
    content = hazard_rows({"id": "H55", "text": "a,b"}).replace(",", delimiter).replace(f"a{delimiter}b", "a,b")
    report = run(tiny_db, "semi.csv", content.encode("utf-8"), tmp_path)
    assert report.loaded == 1 and report.rejected == 0
    assert table(tiny_db, "select description from hazards where hazard_id = 'H55'") == [("a,b",)]


def test_wrong_delimiter_with_unknown_headers_names_the_delimiter(tiny_db, tmp_path):
    report = run(tiny_db, "x.csv", "编号;名称;日期\n1;2;3\n".encode(), tmp_path)
    assert [p.message("zh") for p in report.problems] == [
        "x.csv：各列似乎以“;”分隔，但表头（编号、名称、日期）仍无法识别是哪张表。"
        "请确认是系统导出文件，或上传映射文件（配方）说明各列含义。"]


def test_a_100000_column_csv_is_refused_before_parsing(tiny_db, tmp_path):
    content = (",".join(f"c{i}" for i in range(100_000)) + "\n" + ",".join("1" * 100_000) + "\n").encode()
    report = run(tiny_db, "wide.csv", content, tmp_path)
    assert [p.message("en") for p in report.problems] == [
        f"wide.csv: has 100,000 columns, more than the {MAX_COLUMNS:,} an export can have: this is not a system "
        "export. Check the file, or export only the columns needed."]
    sheets, problems = ip.preview("wide.csv", content)
    assert sheets == [] and [p.code for p in problems] == ["too_many_columns"]


def test_a_field_over_the_csv_limit_is_emptied_not_a_traceback(tiny_db, tmp_path):
    long = "x" * 140_000  # above csv's 131,072 and Excel's 32,767
    content = hazard_rows({"id": "H56", "text": long}, {"id": long}).encode()
    report = run(tiny_db, "long.csv", content, tmp_path)
    # H56's description is emptied (a warning); the row whose id is too long has no id: rejected.
    assert codes(report) == {(2, "description", "too_long", "warning"), (3, "hazard_id", "too_long", "warning"),
                             (3, "hazard_id", "required", "error")}
    assert table(tiny_db, "select description from hazards where hazard_id = 'H56'") == [(None,)]
    assert issue_message(report.issues[report.issues["row_number"] == 2].iloc[0], "en").endswith(
        f"longer than {MAX_CELL_CHARS:,} characters ({'x' * 60}… (140,000)), more than Excel can hold: left empty")


def test_a_file_whose_rows_are_all_short_quarantines_every_row(tiny_db, tmp_path):
    # 5,000 rows with one field fewer than the header (a trailing column dropped), then one good row.
    short = "".join(f"S{i:05d},I1,E1,2026-03-10,一般隐患,消防安全,缺一列,2026-03-25,\n" for i in range(5000))
    content = (HAZARD_HEADER + short + ROW.format(id="S99999", text="完整", done="", funds="")).encode()
    report = run(tiny_db, "short.csv", content, tmp_path)
    assert (report.loaded, report.rejected) == (1, 5000)
    assert table(tiny_db, "select count(*), min(row_number), max(row_number), any_value(detail) from quarantine "
                          "where code = 'field_count'") == [(5000, 2, 5001, "9/10")]


# --- control characters ----------------------------------------------------------------------------

def test_control_characters_are_stripped_with_a_warning_and_exports_work(tiny_db, tmp_path):
    padding = "x" * 9000  # a NUL after the first 8 KiB: not taken for a binary file
    content = hazard_rows({"id": "H57", "text": padding}, {"id": "H58", "text": "配电\x01箱\x0b接线"},
                          {"id": "H59", "text": "无\x00防护"}).encode()
    report = run(tiny_db, "ctrl.csv", content, tmp_path)
    assert report.loaded == 3 and report.rejected == 0
    assert codes(report) == {(3, "description", "control_chars", "warning"),
                             (4, "description", "control_chars", "warning")}
    # The warning shows the original value with visible pictures of the characters removed.
    assert set(report.issues.loc[report.issues["code"] == "control_chars", "value"]) == {"配电␁箱␋接线", "无␀防护"}
    assert table(tiny_db, "select hazard_id, description from hazards where hazard_id in ('H58', 'H59') "
                          "order by 1") == [("H58", "配电箱接线"), ("H59", "无防护")]
    con = warehouse.open_readonly(tiny_db)
    try:
        frame = exports.chinese_export(con, "hazards")
    finally:
        con.close()
    workbook = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes({"隐患": frame})))
    assert workbook.active.max_row == len(frame) + 1


def test_a_rejected_row_with_control_characters_downloads_and_reimports(tiny_db, tmp_path):
    # H60 names enterprise E99 (none such): rejected; H61 loads, so the import (and its quarantine) is kept.
    content = hazard_rows({"id": "H60", "text": "a\x01b"}, {"id": "H61"}).replace("H60,I1,E1,", "H60,I1,E99,").encode()
    report = run(tiny_db, "ctrl.csv", content, tmp_path)
    assert report.rejected == 1
    con = warehouse.open_readonly(tiny_db)
    try:
        sheets = quarantine_download(con, report.import_id, "zh")
    finally:
        con.close()
    assert sheets["ctrl.csv"]["隐患描述"].tolist() == ["ab"]
    assert openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(sheets))).active.max_row == 2


# --- XLSX expansion --------------------------------------------------------------------------------

def bomb(dimension: str | None, rows: int) -> bytes:
    """A minimal XLSX whose one sheet repeats a tiny row ``rows`` times (deflate makes it small)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        head = f'<dimension ref="{dimension}"/>' if dimension else ""
        z.writestr("xl/worksheets/sheet1.xml", b"<worksheet>" + head.encode() + b"<sheetData>"
                   + b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * rows + b"</sheetData></worksheet>")
    return buffer.getvalue()


def test_an_xlsx_declaring_too_many_cells_is_refused_unparsed(tiny_db, tmp_path):
    content = bomb("A1:Z2000000", 10)
    report = run(tiny_db, "bomb.xlsx", content, tmp_path)
    assert [p.code for p in report.problems] == ["too_many_cells"]
    assert "52,000,000" in report.problems[0].message("en")


def test_an_xlsx_expanding_past_the_limit_is_refused_unparsed(tiny_db, tmp_path, monkeypatch):
    from gridwatch.ingest import reading

    monkeypatch.setattr(reading, "XLSX_MAX_SHEET_BYTES", 10 << 20)
    content = bomb(None, 300_000)  # about 15 MB of sheet XML in a zip of well under 1 MB
    assert len(content) < 1 << 20
    report = run(tiny_db, "bomb.xlsx", content, tmp_path)
    assert [p.code for p in report.problems] == ["too_large"]
    sheets, problems = ip.preview("bomb.xlsx", content)
    assert sheets == [] and [p.code for p in problems] == ["too_large"]


def test_preview_reads_the_start_of_a_big_csv_only(tmp_path):
    content = hazard_rows(*({"id": f"P{i:06d}"} for i in range(40_000))).encode()
    assert len(content) > 2 << 20
    sheets, problems = ip.preview("big.csv", content)
    assert problems == [] and sheets[0].estimated
    # The row count is estimated from line ends: exact for a file without line breaks inside cells.
    assert sheets[0].rows == 40_000
    assert len(sheets[0].sample) == ip.SAMPLE_ROWS


# --- the quarantine workbook's round trip ----------------------------------------------------------

def test_quarantine_workbook_round_trip_with_negative_numbers(tiny_db, tmp_path):
    # A western longitude (-72.59) is negative: the workbook writes it as '-72.59 so Excel shows it as
    # text; the row is rejected for its unknown risk colour. Fixed in the workbook, it must load.
    csv = ("企业编号,企业名称,风险等级,经营状态,纬度,经度\n"
           "E31,西部工厂,紫色,正常生产,42.10,-72.59\nE32,东部工厂,红,正常生产,36.0,119.5\n")
    report = run(tiny_db, "west.csv", csv.encode(), tmp_path)
    assert report.rejected == 1
    con = warehouse.open_readonly(tiny_db)
    try:
        sheets = quarantine_download(con, report.import_id, "zh")
    finally:
        con.close()
    workbook = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(sheets, header_lines=["隔离区", "数据截至"])))
    sheet = workbook.active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = values[3]
    assert header == ["行号", "企业编号", "企业名称", "风险等级", "经营状态", "纬度", "经度", "列", "问题"]
    assert values[4][header.index("经度")] == "'-72.59"
    sheet.cell(row=5, column=header.index("风险等级") + 1, value="蓝")
    fixed = io.BytesIO()
    workbook.save(fixed)
    again = run(tiny_db, "west_fixed.xlsx", fixed.getvalue(), tmp_path)
    assert (again.loaded, again.rejected) == (1, 0)
    assert table(tiny_db, "select risk_level, lat, lon from enterprises where enterprise_id = 'E31'") == [
        ("blue", 42.10, -72.59)]


# --- field-level rules -----------------------------------------------------------------------------

def test_negative_amounts_are_emptied_with_a_warning(tiny_db, tmp_path):
    content = hazard_rows({"id": "H61", "funds": "-5000"}, {"id": "H62", "funds": "'-5000"},
                          {"id": "H63", "funds": "5000"}).encode()
    report = run(tiny_db, "neg.csv", content, tmp_path)
    assert report.loaded == 3
    # The apostrophe a spreadsheet export put in front is undone: '-5000 is the number -5000, not text.
    assert codes(report) == {(2, "funds_amount", "negative", "warning"), (3, "funds_amount", "negative", "warning")}
    assert table(tiny_db, "select hazard_id, funds_amount from hazards where hazard_id like 'H6_' order by 1") == [
        ("H61", None), ("H62", None), ("H63", 5000.0)]
    cases = "案件编号,企业编号,立案日期,罚款金额(元)\nC9,E1,2026-03-12,-5000\n"
    report = run(tiny_db, "cases.csv", cases.encode(), tmp_path)
    assert codes(report) == {(2, "penalty_amount", "negative", "warning")}
    assert issue_message(report.issues[report.issues["code"] == "negative"].iloc[0], "zh") == (
        "cases.csv 第 2 行，列“罚款金额(元)”：“-5000”是负数，金额或人数不能为负，请核对"
        "（该字段已留空，其余内容已导入）")


def test_future_dates_are_flagged_against_the_import_day(tiny_db, tmp_path):
    content = (HAZARD_HEADER
               + "H64,I1,E1,2027-06-26,一般隐患,消防安全,发现日期录错,2027-07-01,,\n"
               + "H65,I1,E1,2026-03-10,一般隐患,消防安全,整改日期录错,2026-12-25,2027-06-26,\n"
               + "H66,I1,E1,2026-11-20,一般隐患,消防安全,期限在将来,2026-12-25,2026-11-29,\n").encode()
    report = run(tiny_db, "future.csv", content, tmp_path)
    # A found date after the import day is a required field gone wrong: the row is rejected. A
    # rectification date after it is emptied. A deadline ahead is normal; the import day itself is fine.
    assert codes(report) == {(2, "found_date", "future_date", "error"), (3, "rectified_date", "future_date", "warning")}
    assert table(tiny_db, "select hazard_id, deadline, rectified_date from hazards where hazard_id like 'H6_' "
                          "order by 1") == [("H65", date(2026, 12, 25), None), ("H66", date(2026, 12, 25),
                                                                               date(2026, 11, 29))]
    con = warehouse.open_readonly(tiny_db)
    try:
        # The data's as-of date comes from inspections and findings (docs/metrics.md): H66's.
        assert warehouse.meta(con)["data_as_of"] == "2026-11-20"
    finally:
        con.close()


def test_identical_duplicates_load_once_and_differing_ones_are_held_back(tiny_db, tmp_path):
    content = hazard_rows({"id": "H67"}, {"id": "H67"}, {"id": "H67"}, {"id": "H68"}, {"id": "H68", "text": "别的"}
                          ).encode()
    report = run(tiny_db, "dups.csv", content, tmp_path)
    assert codes(report) == {(3, "hazard_id", "identical_duplicate", "warning"),
                             (4, "hazard_id", "identical_duplicate", "warning"),
                             (5, "hazard_id", "duplicate", "error"), (6, "hazard_id", "duplicate", "error")}
    assert (report.loaded, report.rejected) == (1, 2)
    assert table(tiny_db, "select hazard_id from hazards where hazard_id in ('H67', 'H68')") == [("H67",)]
    assert issue_message(report.issues[report.issues["code"] == "identical_duplicate"].iloc[0], "en") == (
        "dups.csv row 3, column '隐患编号': identical to row 2: loaded once")
    # Grouped, a message says nothing that holds for one row only (each copy has its own partner).
    assert [group_message(g, "zh") for _, g in report.groups.iterrows() if g["code"] != "missing_column"] == [
        "dups.csv，列“隐患编号”：编号在文件中重复出现且内容不同，请只保留正确的一行后重新导入（共 2 行：第 5、6 行）",
        "dups.csv，列“隐患编号”：与文件中前面的一行完全相同，只导入了一份（共 2 行：第 3、4 行）"]


def test_an_inspections_file_without_its_id_says_so(tiny_db, tmp_path):
    content = "企业编号,检查日期,检查类型,带队人员编号,检查结论,检查得分\nE1,2026-03-11,全面监察,S1,合格,95\n"
    report = run(tiny_db, "检查记录.csv", content.encode(), tmp_path)
    assert [p.message("zh") for p in report.problems] == [
        "检查记录.csv：识别为“检查记录”，但缺少必填列：检查编号。"
        "请补上这些列后重新导入，或在配方中说明如何生成（如几列拼接）。"]
    assert [p.message("en") for p in report.problems] == [
        "检查记录.csv: looks like 'Inspections' but lacks required columns: inspection_id (检查编号). Add them and "
        "import again, or say in a recipe how to build them (columns joined, say)."]


def test_outcome_and_score_of_inspections_are_stored(tiny_db, tmp_path):
    content = ("检查编号,企业编号,检查日期,检查类型,带队人员编号,检查结论,检查得分\n"
               "I9,E1,2026-03-11,全面监察,S1,责令限期整改,72.5\n")
    report = run(tiny_db, "insp.csv", content.encode(), tmp_path)
    assert report.loaded == 1
    assert table(tiny_db, "select outcome, score from inspections where inspection_id = 'I9'") == [
        ("责令限期整改", 72.5)]


# --- grouped problems ------------------------------------------------------------------------------

def test_repeated_warnings_are_one_group_with_a_count_and_the_first_rows(tiny_db, tmp_path):
    lines = "".join(f"E{40 + i},企业{i},蓝,正常生产,{'外星采矿' if i % 2 else '月球采矿'}\n" for i in range(12))
    report = run(tiny_db, "ents.csv", ("企业编号,企业名称,风险等级,经营状态,行业类别\n" + lines).encode(), tmp_path)
    groups = report.groups[report.groups["code"] == "unknown_industry"]
    assert len(groups) == 1
    group = groups.iloc[0]
    assert (int(group["count"]), list(group["rows"]), int(group["values"])) == (12, [2, 3, 4, 5, 6], 2)
    assert group_message(group, "zh") == (
        "ents.csv，列“行业类别”：行业“月球采矿 等 2 种”不在行业目录中（已导入，仅提示）"
        "（共 12 行：第 2、3、4、5、6 行…）")
    assert group_message(group, "en") == (
        "ents.csv, column '行业类别': the industry '月球采矿 and others, 2 in all' is not in the list of industries "
        "(loaded; for your information) (12 rows: 2, 3, 4, 5, 6…)")
    table_ = ip.group_table(report.groups, "en")
    assert table_.loc[table_["column"] == "行业类别", ["count", "rows"]].values.tolist() == [["12", "2, 3, 4, 5, 6…"]]


def test_dates_and_types_match_the_schema():
    """mapping.HEADERS_TYPES (used to check a recipe's ``format`` without a database) follows the schema."""
    declared = columns_of_type("DATE")
    assert {(t, c) for t, cols in declared.items() for c in cols} == set(HEADERS_TYPES)
    assert set(declared) == set(HEADERS)


def test_unreadable_reasons_are_never_tracebacks():
    for content in (b"\xef\xbb\xbf\xff\xfe", b"\x00" * 20, b"PK\x03\x04garbage"):
        with pytest.raises(Unreadable):
            read("x.csv", content)


def test_import_writes_no_control_character_into_the_warehouse(tiny_db, tmp_path):
    content = hazard_rows({"id": "H6\x019", "text": "\x02"}).encode()
    run(tiny_db, "ctrl.csv", content, tmp_path)
    con = duckdb.connect(str(tiny_db), read_only=True)
    try:
        assert con.execute("select hazard_id, description from hazards where hazard_id like 'H6%9'").fetchall() == [
            ("H69", None)]
        assert con.execute("select count(*) from quarantine where regexp_matches(coalesce(value, '') || "
                           "coalesce(record, '') || coalesce(header, ''), '[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]')"
                           ).fetchone()[0] == 0
    finally:
        con.close()
