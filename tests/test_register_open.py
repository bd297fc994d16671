"""The register's open-now block and urgency order on tests/fixtures/register_open.sql, as of
2026-06-30, with the rules file's ladder (an order 7 days and a case 30 days past the deadline).

Worked out by hand from the fixture:

| hazard | level   | deadline   | days overdue | steps taken by 06-30        | next step, due          |
|--------|---------|------------|--------------|-----------------------------|-------------------------|
| H4     | major   | 2026-05-01 | 60           | reminder, order, case 06-01 | — (a case is filed)     |
| H2     | major   | 2026-06-25 | 5            | reminder 06-20              | order, 07-02            |
| H11    | major   | 2026-06-29 | 1            | — (rectified 07-03, later)  | order, 07-06            |
| H3     | major   | 2026-07-15 | open         | —                           | order, 07-22            |
| H1     | general | 2025-01-01 | 545          | —                           | case, 2025-01-31 (⚠)    |
| H5     | general | 2026-06-10 | 20           | order 06-12 (C2 is 07-05)   | case, 07-10             |
| H10    | general | 2026-06-20 | 10           | —                           | order, 06-27 (⚠)        |
| H6     | general | none       | open         | —                           | — (no deadline)         |
| H7     | general | rectified 06-01, not re-checked                                          |
| H8     | major   | rectified and verified                                                   |

H1: 2025-01-01 → 2026-01-01 is 365 days, → 2026-06-30 another 31+28+31+30+31+29 = 180: 545.
Urgency: unrectified first, major first, overdue before open, most days overdue first:
H4, H2, H11, H3 (majors), H1, H5, H10, H6 (generals); then H7 (awaiting re-check), H8 (verified).
H9 is found on 07-10, after the as-of date: not there.
"""

import re
import subprocess
from datetime import date

import pandas as pd
import pytest

from gridwatch import queries, register, warehouse
from gridwatch.reader import Reader
from tests.conftest import build_fixture_db

AS_OF = date(2026, 6, 30)
DATA_AS_OF = date(2026, 7, 10)


@pytest.fixture
def con(tmp_path):
    connection = warehouse.open_readonly(build_fixture_db(tmp_path / "open.duckdb", "register_open.sql"))
    yield connection
    connection.close()


@pytest.fixture
def run(con):
    return Reader(con)


def dates(values):
    return [None if pd.isna(v) else pd.Timestamp(v).date().isoformat() for v in values]


def test_urgency_order(run):
    hz = register.load(run, "R1", AS_OF).hazards
    assert list(hz["hazard_id"]) == ["H4", "H2", "H11", "H3", "H1", "H5", "H10", "H6", "H7", "H8"]
    assert list(hz["urgency"]) == list(range(1, 11))
    assert list(hz["status"]) == ["overdue"] * 3 + ["open"] + ["overdue"] * 3 + ["open", "rectified", "verified"]


def test_open_now_rows(run):
    rows = register.open_now(register.load(run, "R1", AS_OF))
    got = list(zip(rows["hazard_id"], rows["level"], rows["days_overdue"].astype("Int64").tolist(),
                   rows["last_step"], rows["next_step"].tolist(), dates(rows["next_step_due"]), strict=True))
    assert [tuple(None if pd.isna(v) else v for v in row) for row in got] == [
        ("H4", "major", 60, "case", None, None),
        ("H2", "major", 5, "reminder", "order", "2026-07-02"),
        ("H11", "major", 1, "none", "order", "2026-07-06"),
        ("H3", "major", None, "none", "order", "2026-07-22"),
        ("H1", "general", 545, "none", "case", "2025-01-31"),
        ("H5", "general", 20, "order", "case", "2026-07-10"),
        ("H10", "general", 10, "none", "order", "2026-06-27"),
        ("H6", "general", None, "none", None, None),
    ]
    assert dates(rows["last_step_date"])[:3] == ["2026-06-01", "2026-06-20", None]


def test_open_summary_and_lines(run):
    reg = register.load(run, "R1", AS_OF)
    summary = register.open_summary(reg)
    # 8 open, of which H4 H2 H11 H3 major; 6 overdue, the longest H1 at 545 days;
    # steps due and not taken by 06-30: H1 (case, 2025-01-31) and H10 (order, 06-27).
    assert (summary.open, summary.major, summary.overdue, summary.most_days_overdue, summary.steps_due) == (
        8, 4, 6, 545, 2)
    assert summary.last_inspection["inspection_id"] == "P1"  # P3 (07-10) is after the as-of date
    assert register.open_lines(reg, "zh") == [
        "未整改隐患 8 项（重大隐患 4 项），其中逾期 6 项，最长已逾期 545 天。",
        "⚠ 2 项隐患已到规定的升级时限（下表“应办日期”带 ⚠），尚未采取相应措施。",
        "最近检查：2026-06-15（15 天前），全面监察，带队 孙明，检查结论：责令限期整改。"
        "挂牌督办：自 2026-03-01 起挂牌督办，已 121 天。",
    ]


def test_not_recorded_outcome_and_never_inspected(run):
    r2 = register.load(run, "R2", AS_OF)
    assert register.open_lines(r2, "en") == [
        "No hazard was unrectified on 2026-06-30.",
        "Last inspection: 2026-04-02 (89 d ago), Routine, led by 周亮; outcome: not recorded. "
        "Listed supervision: Not listed.",
    ]
    assert register.open_table(r2, "en").empty
    r3 = register.load(run, "R3", AS_OF)
    assert register.open_lines(r3, "zh")[-1] == "最近检查：截至 2026-06-30 没有检查记录。挂牌督办：未挂牌。"


def test_open_table_for_people(run):
    table = register.open_table(register.load(run, "R1", AS_OF), "zh")
    assert list(table.columns) == ["状态", "等级", "逾期天数", "整改期限", "隐患", "已采取", "下一步", "应办日期",
                                   "编号"]
    first, h1, h6 = table.iloc[0], table.iloc[4], table.iloc[7]
    assert first.tolist() == ["逾期未改", "重大隐患", 60, "2026-05-01", "危化品储存：可燃气体报警器失效",
                              "立案 2026-06-01", "依案件决定", "", "H4"]
    assert h1[["已采取", "下一步", "应办日期"]].tolist() == ["尚未采取", "立案", "⚠ 2025-01-31"]
    assert table.iloc[1]["应办日期"] == "2026-07-02"  # not yet due: no mark
    assert h6[["整改期限", "下一步"]].tolist() == ["未定期限", ""]


def test_next_step_due_equals_the_overdue_lists_step_due(con):
    """One ladder: where the register's next step is already due, it is the overdue list's "step due"."""
    reg = register.load(Reader(con), "R1", AS_OF)
    overdue = queries.run(con, "rectification_overdue", {
        "as_of": AS_OF, "towns": [], "departments": [], "industries": [], "squadrons": [], "levels": []})
    missing = dict(zip(overdue["hazard_id"], overdue["missing_step"], strict=True))
    assert {k: v for k, v in missing.items() if isinstance(v, str)} == {"H1": "case", "H10": "order"}
    hz = reg.hazards[reg.hazards["status"] == "overdue"]
    for row in hz.itertuples(index=False):
        due = not pd.isna(row.next_step_due) and pd.Timestamp(row.next_step_due).date() <= AS_OF
        assert (row.next_step if due else None) == (missing[row.hazard_id] if isinstance(
            missing[row.hazard_id], str) else None), row.hazard_id


def test_workbook_opens_on_the_block(run):
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(register.xlsx(register.load(run, "R1", AS_OF), "zh", DATA_AS_OF)))
    assert book.sheetnames[:2] == ["当前待办", "基本信息"]
    cells = [[c.value for c in row] for row in book["当前待办"].iter_rows(min_row=4)]
    assert cells[0][:3] == ["状态", "等级", "逾期天数"]
    assert [row[-1] for row in cells[1:]] == ["H4", "H2", "H11", "H3", "H1", "H5", "H10", "H6"]


def pdf_pages(data: bytes) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode("utf-8")
    return text.split("\f")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_page_one_is_the_open_now_block(run, lang):
    reg = register.load(run, "R1", AS_OF)
    pages = pdf_pages(register.pdf(reg, lang, DATA_AS_OF))
    first = pages[0]
    header = "当前待办（截至 2026-06-30）" if lang == "zh" else "Open now (as of 2026-06-30)"
    assert header in first
    for line in register.open_lines(reg, lang):
        # pdftotext may wrap a long sentence: compare without line breaks and layout spaces.
        assert "".join(line.split())[:30] in "".join(first.split())
    # The hazard ids, in the order the page prints them: the urgency order, open hazards only.
    assert re.findall(r"\bH\d+\b", first) == ["H4", "H2", "H11", "H3", "H1", "H5", "H10", "H6"]
    profile = "基本信息" if lang == "zh" else "Profile"
    assert profile not in first and profile in pages[1]


def test_a_filed_case_is_named_as_what_comes_next(run):
    """Once a case is filed the ladder has no next rung: the register says the case decides, never a blank."""
    reg = register.load(run, "R1", AS_OF)
    for table, id_column in ((register.open_table(reg, "en"), "ID"),
                             (register.section(reg, "hazards", "en"), "Hazard ID")):
        steps = dict(zip(table[id_column], table["Next step"], strict=True))
        assert steps["H4"] == "As the case decides"  # open, case filed 2026-06-01
        assert steps["H1"] == "Case" and steps["H6"] == ""  # a rung still due; no deadline, no rung
