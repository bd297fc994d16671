"""AppTest of the plan page (下周检查计划) on tests/fixtures/plan.sql, and the files it offers."""

import io
import json
import time

import openpyxl
import pytest

from gridwatch import plan, warehouse
from gridwatch.paths import RULES_FILE
from gridwatch.reader import Reader
from tests.conftest import build_fixture_db
from tests.test_app import start

PAGE = "pages/plan.py"


@pytest.fixture
def plan_db(tmp_path, monkeypatch):
    # Two visits a week per squadron, so each plan holds its required visit and one chosen by the model.
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES_FILE.read_text(encoding="utf-8").replace("capacity_per_week = 0", "capacity_per_week = 2"),
                     encoding="utf-8")
    monkeypatch.setenv("GRIDWATCH_RULES", str(rules))
    return build_fixture_db(tmp_path / "plan.duckdb", "plan.sql")


def open_page(db, monkeypatch, lang="zh", **state):
    at = start(db, monkeypatch, lang, **state)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def with_hindsight(at):
    """Rerun until the hindsight job (a background thread) has drawn its charts; a minute at most."""
    deadline = time.monotonic() + 60
    while not at.get("plotly_chart") and time.monotonic() < deadline:
        time.sleep(0.2)
        at.run()
    assert not at.exception, at.exception
    return at


def names(at) -> list[str]:
    frame = at.dataframe[0].value
    return list(frame[frame.columns[1]])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_plan_shows_required_first_then_the_model(plan_db, monkeypatch, lang):
    at = open_page(plan_db, monkeypatch, lang)
    assert at.title[0].value == {"zh": "下周检查计划", "en": "Next week's plan"}[lang]
    assert at.selectbox(key="plan_squadron").value == "第一中队"
    # Data as of 2026-06-30: the week 07-06 to 07-12. P4 is required (overdue), then P1 (most majors).
    assert at.selectbox(key="plan_week").value == "2026-06-30"
    assert [m.value for m in at.metric][:3] == ["2", "1", "2"]
    assert names(at) == ["东四机械厂", "东一机械厂"]
    table = at.dataframe[0].value
    why = table[table.columns[2]].tolist()
    assert why[0].startswith({"zh": "按风险等级须检查：到周日距上次检查 240 天",
                              "en": "required by its risk level: 240 days"}[lang])
    assert {"zh": "近一年发现重大隐患 6 项", "en": "major hazards in the last year: 6"}[lang] in why[1]
    assert table[table.columns[-1]].tolist() == ["/enterprise?enterprise=P4", "/enterprise?enterprise=P1"]


def test_squadron_change_changes_list_map_and_chart(plan_db, monkeypatch):
    at = open_page(plan_db, monkeypatch)
    at.selectbox(key="plan_squadron").set_value("第二中队").run()
    assert not at.exception
    assert names(at) == ["西四机械厂", "西一机械厂"]  # P8 (listed supervision due), then P5
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    layers = {layer["id"]: layer for layer in spec["layers"]}
    assert [p["enterprise_id"] for p in layers["plan"]["data"]] == ["P8", "P5"]
    assert [p["enterprise_id"] for p in layers["required"]["data"]] == ["P8"]
    assert len(layers["towns"]["data"]) == 1  # 西镇's outline
    assert "mapStyle" not in spec or spec["mapStyle"] == "__MAP_STYLE__"
    charts = with_hindsight(at).get("plotly_chart")
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in charts]
    assert titles == ["全县：重大隐患落在前一半的占比", "第二中队：重大隐患落在前一半的占比"]


def test_plan_is_drawn_before_the_hindsight_is_ready(plan_db, monkeypatch):
    at = open_page(plan_db, monkeypatch)
    # The first run starts the hindsight job and does not wait for it: the plan is there already.
    assert names(at) == ["东四机械厂", "东一机械厂"]
    with_hindsight(at)
    assert not any("正在回算" in i.value for i in at.info)


def test_past_week_shows_the_plan_made_then(plan_db, monkeypatch):
    at = open_page(plan_db, monkeypatch)
    options = at.selectbox(key="plan_week").options
    assert options[0].endswith("（下周）")
    at.selectbox(key="plan_week").set_value("2026-06-28").run()  # the week of 06-29 to 07-05
    assert not at.exception
    assert "2026-06-29 至 2026-07-05" in at.caption[0].value


def test_all_tab_and_model_expander(plan_db, monkeypatch):
    at = open_page(plan_db, monkeypatch, "en")
    everyone = at.dataframe[1].value
    assert list(everyone[everyone.columns[1]]) == ["东一机械厂", "东二机械厂", "东三机械厂", "东四机械厂"]
    text = " ".join(m.value for m in at.markdown)
    assert "Not recorded in the data, so not used: cases, tip-offs" in text


def test_town_scope_limits_what_is_shown(plan_db, monkeypatch):
    at = open_page(plan_db, monkeypatch, gf_towns=["西镇"])
    assert at.selectbox(key="plan_squadron").options == ["第二中队"]
    assert names(at) == ["西四机械厂", "西一机械厂"]


def test_task_sheet_and_pdf(plan_db):
    con = warehouse.open_readonly(plan_db)
    try:
        made = plan.make(Reader(con), warehouse.data_as_of(warehouse.meta(con)))
    finally:
        con.close()
    rows = plan.plan_rows(made.rows, "第二中队", squadron_given=True)
    header = plan.export_header(made, "第二中队", 2, made.as_of, "zh")
    book = openpyxl.load_workbook(io.BytesIO(plan.task_sheet_xlsx(rows, header, "zh", 30)))
    sheet = book["任务单"]
    assert sheet["A1"].value.startswith("第二中队｜计划周 2026-07-06 至 2026-07-12")
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert values[0][:3] == ["顺序", "企业名称", "统一社会信用代码"] and values[0][-2:] == ["检查日期", "检查结果"]
    assert [v[1] for v in values[1:]] == ["西四机械厂", "西一机械厂"]
    assert values[1][10].startswith("挂牌督办须检查：到周日距上次检查 58 天")
    document = plan.task_sheet_pdf(rows, "下周检查计划 · 第二中队", header, "zh", 30)
    assert document.startswith(b"%PDF") and len(document) > 5000


def test_tooltips_and_sheet_neutralise_data(plan_db):
    con = warehouse.open_readonly(plan_db)
    try:
        made = plan.make(Reader(con), warehouse.data_as_of(warehouse.meta(con)))
    finally:
        con.close()
    rows = plan.plan_rows(made.rows, everyone=True)
    rows.loc[rows["enterprise_id"] == "P3", "name"] = "=HYPERLINK(\"http://x\")"
    deck, located = plan.deck(rows, rows.iloc[:0].assign(geometry=[], name=[]), "zh", 30)
    raw = deck.to_json()
    assert located == 8 and "<img" not in raw and "＜img" in raw
    book = openpyxl.load_workbook(io.BytesIO(plan.task_sheet_xlsx(rows, ["h"], "zh", 30)))
    cells = [c.value for row in book.active.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://x\")" in cells


@pytest.mark.parametrize(("broken", "zh", "en"), [
    (lambda text: text.replace("[plan", "[old_plan"), "规则文件缺少 [plan] 一节",
     "the rules file has no [plan] section"),
    (lambda text: text.replace("training_days =", "training_dayz ="), "缺少某项或格式有误：'training_days'",
     "lacks or mangles 'training_days'"),
    (lambda text: text.replace("hindsight_windows = ", "hindsight_windows = -"), "须为正数：hindsight_windows",
     "must be positive: hindsight_windows"),
])
def test_a_broken_plan_section_is_said_in_the_users_language(plan_db, tmp_path, monkeypatch, broken, zh, en):
    rules = tmp_path / "broken.toml"
    rules.write_text(broken(RULES_FILE.read_text(encoding="utf-8")), encoding="utf-8")
    monkeypatch.setenv("GRIDWATCH_RULES", str(rules))
    for lang, words in (("zh", zh), ("en", en)):
        at = start(plan_db, monkeypatch, lang)
        at.switch_page(PAGE).run()
        assert not at.exception
        shown = [e.value.replace("\\", "") for e in at.error]  # as rendered: Markdown escapes dropped
        assert shown and words in shown[0], shown
        assert not at.dataframe  # the page stops: no plan from broken rules
