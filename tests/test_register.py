"""The register of one enterprise (一企一册) on tests/fixtures/hazards.sql, as of 2026-06-30:
its data, its Excel workbook and its A4 PDF."""

import io
import subprocess
from datetime import date

import openpyxl
import pandas as pd
import pytest

from gridwatch import register, warehouse
from gridwatch.reader import Reader
from tests.conftest import build_fixture_db

AS_OF = date(2026, 6, 30)
DATA_AS_OF = date(2026, 7, 5)


@pytest.fixture
def run(tmp_path):
    con = warehouse.open_readonly(build_fixture_db(tmp_path / "register.duckdb", "hazards.sql"))
    yield Reader(con)
    con.close()


def test_header(run):
    reg = register.load(run, "A3", AS_OF)
    assert reg.header["name"] == "川河化工"
    # Listed since 2026-01-10: 21 days left in January + 28 + 31 + 30 + 31 + 30 = 171.
    assert reg.header["days_listed"] == 171
    rows = dict(register.header_rows(reg, "zh"))
    assert rows["挂牌督办"] == "自 2026-01-10 起挂牌督办，已 171 天"
    assert rows["风险等级"] == "一般风险（黄）"
    assert rows["重大危险源"] == "是"
    assert rows["网格"] == "G-X-1 西村网格"
    assert dict(register.header_rows(register.load(run, "A1", AS_OF), "en"))["Listed supervision"] == "Not listed"


def test_unknown_enterprise(run):
    assert register.load(run, "NOPE", AS_OF) is None


def test_another_towns_enterprise_reads_as_unknown(run):
    """A3 is of 西镇: a user scoped to 东镇 gets nothing of it, from any of the register's queries."""
    assert register.load(run, "A3", AS_OF, towns=("东镇",)) is None
    params = {"enterprise_id": "A3", "as_of": AS_OF, "towns": ["东镇"]}
    for name in ("register_header", "register_hazards", "register_inspections", "register_cases",
                 "register_tipoffs"):
        assert run(name, params).empty, name
    whole = register.load(run, "A3", AS_OF)
    scoped = register.load(run, "A3", AS_OF, towns=("西镇", "东镇"))
    assert scoped.header == whole.header
    for section in ("hazards", "inspections", "cases", "tipoffs"):
        assert not getattr(whole, section).empty, section
        pd.testing.assert_frame_equal(getattr(scoped, section), getattr(whole, section))


def test_hazards_as_of(run):
    hz = register.load(run, "A3", AS_OF).hazards
    # K11 is found on 07-02, after the as-of date: not there yet. K8 deadline 06-20 → 10 days;
    # K10 deadline 2025-11-30 → 1 + 31 + 28 + 31 + 30 + 31 + 30 = 212 days (Dec..Jun).
    # Most urgent first: K8 (major, overdue), K10 (general, overdue), K9 (general, open).
    assert hz[["hazard_id", "status"]].values.tolist() == [
        ["K8", "overdue"], ["K10", "overdue"], ["K9", "open"]]
    assert dict(zip(hz["hazard_id"], hz["days_overdue"].fillna(-1).astype(int), strict=True)) == {
        "K9": -1, "K8": 10, "K10": 212}
    a2 = register.load(run, "A2", AS_OF).hazards.set_index("hazard_id")
    # K7 was rectified on 07-05, after the as-of date: shown as not yet rectified.
    assert a2.loc["K7", "status"] == "overdue" and str(a2.loc["K7", "rectified_date"]) == "NaT"
    # K12 was rectified on the spot, the day it was found: verified, and not a repeat of itself.
    assert a2.loc["K12", "status"] == "verified" and not a2.loc["K12", "is_repeat"]


def test_inspections_cases_tipoffs(run):
    reg = register.load(run, "A3", AS_OF)
    assert [[i, list(s), n] for i, s, n in reg.inspections[["inspection_id", "staff", "hazards_found"]].values] == [
        ["N8", ["王五", "赵六"], 2], ["N9", ["赵六"], 1]]  # N10 is after the as-of date
    # The participants are joined in the reader's language.
    assert list(register.section(reg, "inspections", "zh")["检查人员"]) == ["王五、赵六", "赵六"]
    assert list(register.section(reg, "inspections", "en")["Staff"]) == ["王五, 赵六", "赵六"]
    assert reg.cases[["case_id", "measure"]].values.tolist() == [["CS1", "fine"]]
    assert list(reg.tipoffs["tipoff_id"]) == ["T1"]
    a1 = register.load(run, "A1", AS_OF)
    # CS2 is decided on 07-15, after the as-of date: filed and interviewed only.
    case = a1.cases.iloc[0]
    assert case["case_id"] == "CS2" and case["measure"] is None and str(case["decided_date"]) == "NaT"


def test_timeline(run):
    events = register.timeline(register.load(run, "A1", AS_OF), "en")
    # 4 inspections, 4 hazards found, K1 and K2 rectified and verified (4), K3 reminder and
    # order (2), CS2 filed and interviewed (2) = 16 events, newest first.
    assert len(events) == 16
    assert events.iloc[0][["Date", "Event", "Reference"]].tolist() == ["2026-06-20", "Interview", "CS2"]
    assert events.iloc[-1][["Date", "Event"]].tolist() == ["2025-01-10", "Inspection"]
    assert (events["Event"] == "Rectification order").sum() == 1


def test_search(run):
    assert list(register.search(run, "川河")["enterprise_id"]) == ["A3"]
    # Ordered by name in code-point order: 东 (U+4E1C) < 安 (U+5B89) < 川 (U+5DDD) < 百 (U+767E).
    assert list(register.search(run, "cc0000000000000a")["enterprise_id"]) == ["A4", "A1", "A3", "A2"]
    assert register.search(run, "").empty
    assert register.search(run, "%").empty
    assert len(register.search(run, "CC", limit=2)) == 2


def test_search_within_a_town_scope_fills_the_limit_from_that_scope(run):
    # All four match "CC"; the limit applies after the scope, so 西镇's two both come back.
    assert list(register.search(run, "CC", limit=2, towns=("西镇",))["enterprise_id"]) == ["A4", "A3"]


def test_workbook_contains_the_hazards(run):
    data = register.xlsx(register.load(run, "A1", AS_OF), "zh", DATA_AS_OF)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["当前待办", "基本信息", "隐患", "时间线", "检查", "案件", "举报"]
    sheet = book["隐患"]
    assert sheet["A1"].value == "一企一册：安康五金厂（A1）"
    assert sheet["A2"].value == "状态截至 2026-06-30；数据截至 2026-07-05"
    cells = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert cells[0][:3] == ["状态", "等级", "逾期天数"]
    # Most urgent first: K3 (major, 86 days overdue), K4 (major, open), then the verified K2, K1.
    assert [row[12] for row in cells[1:]] == ["K3", "K4", "K2", "K1"]
    assert cells[1][:3] == ["逾期未改", "重大隐患", 86]
    # K3 had a case (CS2) filed on 06-10: the last step taken; what follows is the case's decision.
    assert cells[1][7:11] == ["依案件决定", None, "立案", "2026-06-10"]
    assert cells[0][5] == "检查项" and cells[2][5] == "DQ-03"  # K4's checklist item


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode("utf-8")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_contains_the_hazards(run, lang):
    data = register.pdf(register.load(run, "A3", AS_OF), lang, DATA_AS_OF)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in ("川河化工", "CC0000000000000A3", "K8", "K9", "K10", "储罐区无围堰", "危化品储存", "CS1"):
        assert expected in text
    assert "K11" not in text  # found after the as-of date
    assert ("逾期未改" if lang == "zh" else "Overdue") in text


def test_timeline_of_yes_no_facts_not_recorded(tmp_path):
    """auth_scope.sql records T2 (about E4) without saying whether it was verified: the timeline says nothing of it."""
    db = build_fixture_db(tmp_path / "scope.duckdb", "tiny.sql", "auth_scope.sql")
    con = warehouse.open_readonly(db)
    try:
        events = register.timeline(register.load(Reader(con), "E4", AS_OF), "en")
    finally:
        con.close()
    assert events.values.tolist() == [["2026-03-01", "Tip-off received", "T2", ""]]
