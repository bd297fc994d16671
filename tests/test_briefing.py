"""The weekly brief on tests/fixtures/briefing.sql, against figures worked out by hand.

Weeks: 2026-W46 = 11-09..11-15 (status as of 11-15), 2026-W47 = 11-16..11-22 (as of 11-22).
The last activity is J6 on Wednesday 11-25, so the data is as of 11-25 and W47 is the last full week.
"""

import html
import re
import subprocess
from datetime import date

import openpyxl
import pandas as pd
import pytest

from gridwatch import brief_html, brief_pdf, brief_xlsx, briefing, i18n, metrics, warehouse
from gridwatch.briefing import Scope, Week
from gridwatch.filters import Filters
from tests.conftest import build_fixture_db

DATA_AS_OF = date(2026, 11, 25)
W46, W47 = Week(2026, 46), Week(2026, 47)


@pytest.fixture
def brief_db(tmp_path):
    return build_fixture_db(tmp_path / "brief.duckdb", "briefing.sql")


@pytest.fixture
def con(brief_db):
    c = warehouse.open_readonly(brief_db)
    yield c
    c.close()


WHOLE_COUNTY = Scope()


def brief_of(con, week=W47, scope=WHOLE_COUNTY, as_of=DATA_AS_OF):
    return briefing.compute(briefing.source_for(con), week, scope, as_of)


def test_week_parsing_and_boundaries():
    assert Week.parse("2026-W47") == W47
    assert (W47.monday, W47.sunday) == (date(2026, 11, 16), date(2026, 11, 22))
    # ISO 2026 has 53 weeks (1 January 2026 is a Thursday); its week 53 crosses the year end.
    w53 = Week.parse("2026-W53")
    assert (w53.monday, w53.sunday) == (date(2026, 12, 28), date(2027, 1, 3))
    assert Week.of(date(2027, 1, 3)) == w53 and Week.of(date(2027, 1, 4)) == Week(2027, 1)
    assert Week(2027, 1).previous() == w53 and w53.previous() == Week(2026, 52)
    # 2025-W01 starts in 2024.
    assert Week.parse("2025-W01").monday == date(2024, 12, 30)
    assert w53.label == "2026-W53" and Week(2027, 1).label == "2027-W01"
    for bad in ("2027-W53", "2026-W00", "2026-W54", "2026-47", "W47", ""):
        with pytest.raises(ValueError):
            Week.parse(bad)


def test_last_full_week():
    assert briefing.last_full_week(date(2026, 11, 25)) == W47  # Wednesday of W48
    assert briefing.last_full_week(date(2026, 11, 23)) == W47  # Monday of W48
    assert briefing.last_full_week(date(2026, 11, 22)) == W47  # the Sunday itself
    assert briefing.last_full_week(date(2027, 1, 3)) == Week(2026, 53)
    assert briefing.last_full_week(date(2027, 1, 6)) == Week(2026, 53)
    choices = briefing.week_choices(date(2026, 11, 25), count=3)
    assert [w.label for w in choices] == ["2026-W48", "2026-W47", "2026-W46"]


# key: (this week, last week, change shown, judgement), each worked out by hand; the brief
# leads with the rectification figures:
HAND = {
    # Rectified on a date in the week, whenever found: K2 (11-18), K7 (11-19); K4 (11-24) is
    # after the week | K5 (11-13).
    "rectified_in_period": (2, 1, "+1", "better"),
    # Due in W47: K1 (11-20, open), K4 (11-21, rectified late 11-24), K7 (11-20, rectified 11-19)
    # = 1/3 | due in W46: K5 (11-14, rectified 11-13), K6 (11-14, open) = 1/2.
    "on_time_rate": (pytest.approx(1 / 3), 0.5, "-16.7 个百分点", "worse"),
    "due_in_period": (3, 2, "+1", "neutral"),
    # At 11-22: K1 (deadline 11-20), K4 (11-21), K6 (11-14), K8 (10-15) | at 11-15: K6, K8.
    "overdue_open": (4, 2, "+2", "worse"),
    "overdue_major": (2, 1, "+1", "worse"),  # K1 K6 | K6
    "inspections": (3, 2, "+1", "better"),  # J1 J2 J3 | J4 J5
    "inspected_enterprises": (2, 2, "0", "neutral"),  # B1 B3 | B2 B4
    "hazards_found": (4, 3, "+1", "neutral"),  # K1 K2 K3 K4 | K5 K6 K7 (colour off)
    "major_hazards_found": (2, 1, "+1", "worse"),  # K1 K3 | K6
    "newly_listed": (1, 1, "0", "neutral"),  # B1 listed 11-17 | B2 11-10
    "cases_filed": (3, 1, "+2", "neutral"),  # C1 C2 C4 (B5 suspended still counts) | C3
    "penalties": (30000.0, 5000.0, "+25,000", "neutral"),  # C1 20,000 + C4 10,000 decided | C3 5,000
    # T1 T2 T3 received; only T1 closed and verified by 11-22 (T2 closes 11-25) | T4.
    "tipoffs_received": (3, 1, "+2", "worse"),
    "tipoffs_verified": (1, 1, "0", "neutral"),
    # Red/orange operating: B1 B2 B3 (B5 suspended). At 11-22: B1 (11-18), B2 (11-10, 12 days),
    # B3 (11-20) all within interval = 3/3. At 11-15: B1 never, B3 last 10-01 = 45 days > 30,
    # B2 fine = 1/3.
    "key_coverage_rate": (1.0, pytest.approx(1 / 3), "+66.7 个百分点", "better"),
}


def test_cards_against_hand_computed_figures(con):
    b = brief_of(con)
    assert (b.as_of, b.previous_as_of) == (date(2026, 11, 22), date(2026, 11, 15))
    assert [c.key for c in b.cards] == list(HAND)
    for card in b.cards:
        value, previous, delta, judgement = HAND[card.key]
        assert (card.value, card.previous, card.delta("zh"), card.judgement) == (value, previous, delta,
                                                                                judgement), card.key
    assert b.card("on_time_rate").shown("zh") == "33.3%"
    assert b.card("on_time_rate").delta("en") == "-16.7 pp"
    assert b.card("penalties").shown("zh") == "30,000"
    assert not b.unfinished and b.comparison.basis == "last_week"


def test_headline_cards_are_the_headline_metrics(con):
    b = brief_of(con)
    for week, as_of, attr in ((W47, date(2026, 11, 22), "value"), (W46, date(2026, 11, 15), "previous")):
        h = metrics.headline(con, Filters(start=week.monday, end=week.sunday, as_of=as_of))
        for card in b.cards:
            if card.key in metrics.KEYS:
                assert getattr(card, attr) == h[card.key], card.key


def test_partial_week_is_as_of_the_data_date(con):
    b = brief_of(con, week=Week(2026, 48))
    assert b.as_of == DATA_AS_OF and b.card("inspections").value == 1  # J6 on 11-25


def test_unfinished_week_is_compared_with_the_same_days_of_last_week(con):
    b = brief_of(con, week=Week(2026, 48))
    # W48 is over on 11-29 but the data ends on Wednesday 11-25: Monday to Wednesday of W48
    # against Monday to Wednesday of W47 (11-16..11-18), each as of its Wednesday.
    assert b.unfinished and b.comparison.basis == "same_days_last_week"
    assert (b.comparison.current.start, b.comparison.current.end) == (date(2026, 11, 23), date(2026, 11, 25))
    assert (b.comparison.baseline.start, b.comparison.baseline.end, b.previous_as_of) == (
        date(2026, 11, 16), date(2026, 11, 18), date(2026, 11, 18))
    # Inspections: J6 | J1 (11-16) and J2 (11-18), not J3 (11-20), which a whole W47 would count.
    assert (b.card("inspections").value, b.card("inspections").previous) == (1, 2)
    # Overdue at 11-25: K1, K6, K8 (K4 was rectified on 11-24) | at 11-18: K6 (11-14), K8.
    assert (b.card("overdue_open").value, b.card("overdue_open").previous) == (3, 2)
    lines = briefing.header_lines(b, "zh")
    assert "本周未完" in lines[0] and "对比上周同期 2026-11-16 至 2026-11-18" in lines[1]
    assert "较上周同期" in briefing.summary_text(b, "zh")
    assert list(briefing.cards_table(b, "en").columns)[2] == "Same days last week"


def test_town_scope(con):
    b = brief_of(con, scope=Scope(towns=("东镇",)))
    got = {c.key: c.value for c in b.cards}
    # 东镇 = B1, B2: J1 J2; found K1 K2, K1 major; K2 rectified 11-18; due K1 (open): 0 of 1 on
    # time; overdue K1; C1 20,000; T1 (and T4 in W46, a town-only tip-off of 东镇); B1 and B2
    # both inspected within interval.
    assert got == {
        "inspections": 2, "inspected_enterprises": 1, "hazards_found": 2, "major_hazards_found": 1,
        "rectified_in_period": 1, "due_in_period": 1, "on_time_rate": 0.0, "overdue_open": 1,
        "overdue_major": 1, "newly_listed": 1, "cases_filed": 1, "penalties": 20000.0, "tipoffs_received": 1,
        "tipoffs_verified": 1, "key_coverage_rate": 1.0,
    }
    assert b.card("tipoffs_received").previous == 1  # T4: no enterprise, town 东镇
    assert list(b.top_towns["town"]) == ["东镇"]
    # A department filter drops the town-only tip-offs T2 and T4, which have no department.
    d = brief_of(con, scope=Scope(departments=("交通局",)))
    assert (d.card("tipoffs_received").value, d.card("tipoffs_received").previous) == (1, 0)  # T3 (B4)


def test_where_to_act(con):
    b = brief_of(con)
    # Overdue at 11-22: 西镇 K4 K6 K8 (K6 major; K8 38 days past 10-15), 东镇 K1 (2 days).
    assert b.top_towns.to_dict("records") == [
        {"town": "西镇", "overdue_open": 3, "overdue_major": 1, "max_days_overdue": 38},
        {"town": "东镇", "overdue_open": 1, "overdue_major": 1, "max_days_overdue": 2},
    ]
    # Open majors: B1 K1 (overdue), B4 K6 (overdue), B3 K3 (not yet due); ties by name.
    assert list(b.top_enterprises["enterprise_id"]) == ["B1", "B4", "B3"]
    assert list(b.top_enterprises["overdue_major"]) == [1, 1, 0]
    assert list(b.majors["hazard_id"]) == ["K1", "K3"]
    assert list(b.majors["status"]) == ["overdue", "open"]
    tables = briefing.where_tables(b, "zh")
    assert list(tables["top_enterprises"]["一企一册"]) == [
        "/enterprise?enterprise=B1&lang=zh", "/enterprise?enterprise=B4&lang=zh", "/enterprise?enterprise=B3&lang=zh"]
    assert list(tables["majors_found"]["状态"]) == ["逾期未改", "整改中"]


def test_trends_equal_headline_every_week(con):
    b = brief_of(con)
    assert len(b.trends) == 12
    assert list(b.trends["week"])[0] == "2026-W36" and list(b.trends["week"])[-1] == "2026-W47"
    for row in b.trends.to_dict("records"):
        week = Week.of(row["week_start"].date())
        h = metrics.headline(con, Filters(start=week.monday, end=week.sunday, as_of=min(week.sunday, DATA_AS_OF)))
        for key in ("inspections", "hazards_found", "major_hazards_found", "rectified_in_period", "due_in_period",
                    "rectified_on_time", "overdue_open"):
            assert row[key] == h[key], (week, key)
        rate = None if pd.isna(row["on_time_rate"]) else row["on_time_rate"]
        assert rate == h["on_time_rate"], week
    last = b.trends.iloc[-1]
    assert (last["inspections"], last["hazards_found"], last["overdue_open"], last["overdue_major"]) == (3, 4, 4, 2)
    # W40 (09-28..10-04) holds J8 and K8; K8 is overdue from W42 (Sunday 10-18) on.
    by_week = b.trends.set_index("week")
    assert by_week.loc["2026-W40", "hazards_found"] == 1
    assert list(by_week.loc["2026-W41":"2026-W45", "overdue_open"]) == [0, 1, 1, 1, 1]


SUMMARY_ZH = [
    "本周整改完成隐患 2 项，较上周增加 1 项；",
    "本周到期隐患 3 项，按期整改率 33.3%，比上周下降 16.7 个百分点。",
    "本周开展检查 3 次，检查企业 2 家；发现隐患 4 项，其中重大隐患 2 项，较上周增加 1 项。",
    "周末逾期未整改隐患 4 项，较上周增加 2 项，其中重大隐患 2 项。",
    "逾期隐患最多的镇街是西镇（3 项）。",
    "未整改重大隐患最多的企业是东一化工厂（1 项）。",
    "新增挂牌督办企业 1 家，立案 3 起，收到举报 3 件。",
    "红橙企业按期检查率 100.0%，比上周提高 66.7 个百分点。",
]


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


def test_summary_text(con):
    b = brief_of(con)
    assert briefing.summary(b, "zh") == SUMMARY_ZH
    en = briefing.summary_text(b, "en")
    assert en.startswith("This week 2 hazards were rectified (1 more than last week); of the 3 hazards due this "
                         "week, 33.3% were rectified on time (down 16.7 pp on last week). This week 3 "
                         "inspections covered 2 enterprises and found 4 hazards, 2 of them major")
    assert "西镇 (3)" in en


@pytest.mark.parametrize("week", [W46, W47, Week(2026, 48)])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_summary_numbers_are_all_on_the_page(con, week, lang):
    b = brief_of(con, week=week)
    shown = set()
    for card in b.cards:
        shown |= _numbers(card.shown(lang)) | _numbers(card.delta(lang) or "")
    for frame in briefing.where_tables(b, lang, links=False).values():
        for value in frame.astype(str).to_numpy().ravel():
            shown |= _numbers(value)
    assert _numbers(briefing.summary_text(b, lang)) <= shown
    # A rate's change is in the language's unit, never the other's.
    other = {"zh": " pp", "en": "百分点"}[lang]
    assert other not in briefing.summary_text(b, lang)
    assert not any(other in (card.delta(lang) or "") for card in b.cards)


def test_summary_when_nothing_was_found(con):
    b = brief_of(con, week=Week(2026, 30))
    text = briefing.summary_text(b, "zh")
    assert "本周没有到期的隐患，无按期整改率。" in text
    assert "本周整改完成隐患 0 项，与上周持平" in text


def test_year_end_week_53(tmp_path):
    path = build_fixture_db(tmp_path / "ye.duckdb", "briefing_yearend.sql")
    con = warehouse.open_readonly(path)
    try:
        b = brief_of(con, week=Week(2026, 53), as_of=date(2027, 1, 4))
    finally:
        con.close()
    # 2026-W53 = 12-28..01-03: YI2 YI3, YH2 (major) YH3. 2026-W52 ends 12-27: YI1, YH1.
    assert b.as_of == date(2027, 1, 3)
    got = {c.key: (c.value, c.previous) for c in b.cards}
    assert got["inspections"] == (2, 1)
    assert got["hazards_found"] == (2, 1)
    assert got["major_hazards_found"] == (1, 0)
    assert list(b.trends["week"])[-2:] == ["2026-W52", "2026-W53"]
    assert list(b.trends["hazards_found"])[-2:] == [1, 2]


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "brief.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_pdf_carries_the_figures(con, tmp_path):
    b = brief_of(con)
    data = brief_pdf.to_pdf(b, "zh")
    assert data.startswith(b"%PDF")
    text = _pdf_text(data, tmp_path)
    flat = re.sub(r"\s+", "", text)
    for needle in ("安全生产监管领导周报2026-W47", "2026-11-16至2026-11-22", "状态截至2026-11-22",
                   "范围：全县", "数据截至2026-11-25", "对比上周2026-W46"):
        assert needle in flat, needle
    for line in SUMMARY_ZH:
        assert re.sub(r"\s+", "", line) in flat, line
    assert re.search(r"罚款金额（元）\s+30,000\s+5,000\s+\+25,000", text)
    assert re.search(r"按期整改率\s+33.3%\s+50.0%\s+-16.7 个百分点", text)
    assert re.search(r"期间整改完成\s+2\s+1\s+\+1", text)
    assert re.search(r"西镇\s+3\s+1\s+38", text)
    assert "东一化工厂" in text and "储罐泄漏" in text
    assert "近12周趋势" in flat and "逾期重大隐患" in flat


def test_pdf_per_town(con, tmp_path):
    b = brief_of(con, scope=Scope(towns=("西镇",)))
    text = re.sub(r"\s+", "", _pdf_text(brief_pdf.to_pdf(b, "en"), tmp_path))
    assert "Scope:towns西镇" in text
    assert "西一冶炼厂" in text and "东一化工厂" not in text
    assert briefing.file_name(b, "pdf") == "brief-2026-W47-西镇.pdf"


def test_xlsx_carries_the_figures(con, tmp_path):
    b = brief_of(con)
    path = tmp_path / "brief.xlsx"
    path.write_bytes(brief_xlsx.to_xlsx(b, "zh"))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["概况", "指标", "近12周趋势", "镇街逾期", "企业重大隐患", "本周重大隐患"]
    cards = wb["指标"]
    assert cards["A1"].value == "安全生产监管领导周报 2026-W47"
    assert "全县" in cards["A3"].value and "数据截至 2026-11-25" in cards["A4"].value
    rows = {r[0]: r[1:] for r in cards.iter_rows(min_row=7, values_only=True)}
    assert rows["罚款金额（元）"] == (30000, 5000, 25000)  # numbers, so Excel can add them up
    assert rows["逾期未整改"] == (4, 2, 2)
    # A rate is a number shown as a percentage; its change is in percentage points.
    assert rows["按期整改率"][0] == pytest.approx(1 / 3) and rows["按期整改率"][1:] == (0.5, -16.7)
    assert rows["期间整改完成"] == (2, 1, 1)
    trend = list(wb["近12周趋势"].iter_rows(min_row=7, values_only=True))
    assert len(trend) == 12 and trend[-1][0] == "2026-W47" and trend[-1][3] == 3
    majors = list(wb["本周重大隐患"].iter_rows(min_row=7, values_only=True))
    assert [m[1] for m in majors] == ["东一化工厂", "西一冶炼厂"]


def test_html_is_self_contained_and_escaped(con):
    b = brief_of(con, week=W46)
    page = brief_html.to_html(b, "zh", base_url="http://gridwatch.local")
    assert "&lt;b&gt;货架超载&lt;/b&gt;" in page and "<b>货架超载" not in page
    assert "<script" not in page and "src=" not in page and "<link" not in page
    assert 'href="http://gridwatch.local/enterprise?enterprise=B4&amp;lang=zh"' in page
    assert "2026-W46" in page and "数据截至 2026-11-25" in page and page.count("<svg") == 6
    assert '<td class="num worse">+1</td>' in page  # overdue majors 1 vs 0


def test_cli_writes_each_format(brief_db, tmp_path, capsys):
    from gridwatch import cli

    for fmt in ("pdf", "html", "xlsx"):
        out = tmp_path / f"b.{fmt}"
        assert cli.main(["brief", "--db", str(brief_db), "--week", "2026-W47", "--format", fmt,
                         "--out", str(out)]) == 0
        assert out.stat().st_size > 1000
    assert "2026-W47" in _pdf_text((tmp_path / "b.pdf").read_bytes(), tmp_path)
    # No --week: the last full week in the data; --town restricts.
    out = tmp_path / "town.pdf"
    assert cli.main(["brief", "--db", str(brief_db), "--town", "东镇", "--out", str(out)]) == 0
    text = _pdf_text(out.read_bytes(), tmp_path)
    assert "2026-W47" in text and "东镇" in text and "西一冶炼厂" not in text


@pytest.mark.parametrize("args, message", [
    (["--week", "2027-W53"], "2027 has no ISO week 53"),
    (["--week", "next week"], "not an ISO week"),
    (["--week", "2027-W10"], "starts after the data's last date"),
    (["--town", "某镇"], "no enterprise in town"),
])
def test_cli_bad_input(brief_db, tmp_path, capsys, args, message):
    from gridwatch import cli

    code = cli.main(["brief", "--db", str(brief_db), *args, "--format", "pdf", "--out", str(tmp_path / "x.pdf")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists()


def test_cli_format_from_extension(brief_db, tmp_path, capsys):
    from gridwatch import cli

    assert cli.main(["brief", "--db", str(brief_db), "--out", str(tmp_path / "b.xlsx")]) == 0
    assert cli.main(["brief", "--db", str(brief_db), "--out", str(tmp_path / "b.txt")]) == 2
    assert "--format" in capsys.readouterr().err


def test_cli_each_town(brief_db, tmp_path, capsys):
    from gridwatch import cli

    out = str(tmp_path / "{week}" / "brief-{week}-{town}.xlsx")
    assert cli.main(["brief", "--db", str(brief_db), "--each-town", "--out", out]) == 0
    written = sorted(p.name for p in (tmp_path / "2026-W47").iterdir())
    assert written == ["brief-2026-W47-东镇.xlsx", "brief-2026-W47-西镇.xlsx"]
    wb = openpyxl.load_workbook(tmp_path / "2026-W47" / "brief-2026-W47-西镇.xlsx")
    assert "西镇" in wb["指标"]["A3"].value
    assert cli.main(["brief", "--db", str(brief_db), "--each-town", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "{town}" in capsys.readouterr().err


def _pdf_words(data: bytes, tmp_path) -> list[tuple[str, float, float]]:
    """Each word of the PDF with its page and top edge (pdftotext -bbox), in reading order."""
    path = tmp_path / "brief.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True).stdout
    words, page = [], 0
    for line in out.splitlines():
        if "<page " in line:
            page += 1
        found = re.search(r'yMin="([\d.]+)".*>(.*)</word>', line)
        if found:
            words.append((html.unescape(found.group(2)), page, float(found.group(1))))
    return words


@pytest.mark.parametrize("keys, columns", [
    (("overdue_open",), 1),
    (briefing.TREND_KEYS[:4], 2),
    (briefing.TREND_KEYS + ("due_in_period",), 3),
])
def test_the_trend_grid_is_sized_from_its_keys(con, tmp_path, monkeypatch, keys, columns):
    """1, 4 and 7 trends: every panel drawn, in rows of at most three, the caption below the last row."""
    monkeypatch.setitem(i18n.catalogue(), "briefing.trend.due_in_period", {"zh": "到期隐患", "en": "Due"})
    monkeypatch.setattr(briefing, "TREND_KEYS", keys)
    b = brief_of(con)
    page = brief_html.to_html(b, "zh")
    assert page.count("<svg") == len(keys) and f"grid-template-columns:repeat({columns},1fr)" in page
    words = _pdf_words(brief_pdf.to_pdf(b, "zh"), tmp_path)
    heading = next(i for i, (w, _, _) in enumerate(words) if w == i18n.text("briefing.section.trends", "zh"))
    caption = next(i for i, (w, _, _) in enumerate(words) if w.startswith("每周数字与指标卡同一口径"))
    panels = [(page, top) for w, page, top in words[heading + 1:caption]
              if w in {i18n.text(f"briefing.trend.{key}", "zh") for key in keys}]
    assert len(panels) == len(keys)
    # Drawn above the caption, not under it.
    assert max(panels) < words[caption][1:]
