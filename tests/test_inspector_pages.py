"""What an inspector sees first (issue 18): the register's open-now block, the map's names and its
link to registers, and the rectification lists, drawn by AppTest on hand-made fixtures.

The register figures are those of tests/test_register_open.py; the coverage ones those of
tests/test_coverage_page.py; the rectification ones those of tests/test_rectification.py.
"""

import json
from datetime import date

import pytest

from gridwatch import maps
from tests.conftest import build_fixture_db
from tests.test_app import start


def as_of(day: date) -> dict:
    """The sidebar preset to a custom period ending on ``day`` (set before the first run)."""
    return dict(gf_preset="custom", gf_start=date(2026, 1, 1), gf_end=day, gf_as_of_custom=day)


@pytest.fixture
def open_db(tmp_path):
    return build_fixture_db(tmp_path / "open.duckdb", "register_open.sql")


def register_page(db, monkeypatch, day: date, lang="zh"):
    at = start(db, monkeypatch, lang, **as_of(day))
    at.query_params["enterprise"] = "R1"
    at.switch_page("pages/enterprise.py").run()
    assert not at.exception, at.exception
    return at


def block_text(at) -> str:
    return "\n".join(m.value for m in at.markdown).replace("\\", "")


def test_register_opens_on_the_open_now_block(open_db, monkeypatch):
    at = register_page(open_db, monkeypatch, date(2026, 6, 30))
    assert at.title[0].value == "青山化工"
    assert at.subheader[0].value == "当前待办（截至 2026-06-30）"
    text = block_text(at)
    assert "未整改隐患 8 项（重大隐患 4 项），其中逾期 6 项，最长已逾期 545 天。" in text
    assert "⚠ 2 项隐患" in text and "检查结论：责令限期整改" in text and "已 121 天" in text
    first = at.dataframe[0].value
    assert list(first.columns[:3]) == ["状态", "等级", "逾期天数"]
    assert list(first["编号"]) == ["H4", "H2", "H11", "H3", "H1", "H5", "H10", "H6"]
    # Open hazards not yet overdue have no days overdue: "—", never "None".
    assert first["逾期天数"].tolist() == ["60", "5", "1", "—", "545", "20", "10", "—"]
    hazards = [d.value for d in at.dataframe if "隐患描述" in d.value.columns][0]
    assert hazards.columns[0] == "状态"
    assert list(hazards["隐患编号"])[-2:] == ["H7", "H8"]  # awaiting re-check, then verified, last


def test_a_later_as_of_date_changes_the_block(open_db, monkeypatch):
    # On 07-05: H11 was rectified on 07-03; C2 was filed on H5 that day; H2's order came due on 07-02.
    # Open: H4 (65 days), H2 (10), H3 (open), H1 (550), H5 (25), H10 (15), H6 → 7, of which 3 major, 5 overdue;
    # steps due and not taken: H1 (case), H2 (order), H10 (order) → 3.
    at = register_page(open_db, monkeypatch, date(2026, 7, 5), "en")
    text = block_text(at)
    assert "7 hazards not rectified (3 major); 5 overdue, the longest by 550 days." in text
    assert "⚠ 3 hazards" in text and "(20 d ago)" in text
    first = at.dataframe[0].value
    assert list(first["ID"]) == ["H4", "H2", "H3", "H1", "H5", "H10", "H6"]
    h5 = first[first["ID"] == "H5"].iloc[0]
    assert (h5["Last step"], h5["Next step"]) == ("Case 2026-07-05", "As the case decides")


@pytest.fixture
def cov_db(tmp_path):
    return build_fixture_db(tmp_path / "coverage.duckdb", "coverage.sql")


def coverage_page(db, monkeypatch, lang="zh"):
    at = start(db, monkeypatch, lang, gf_preset="custom", gf_start=date(2026, 6, 1), gf_end=date(2026, 6, 30),
               gf_as_of_custom=date(2026, 6, 30))
    at.switch_page("pages/coverage.py").run()
    assert not at.exception, at.exception
    return at


def test_map_names_the_grids_and_fits_them(cov_db, monkeypatch):
    at = coverage_page(cov_db, monkeypatch)
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    labels = next(layer for layer in spec["layers"] if layer["id"] == maps.LABEL_LAYER)
    assert labels["@@type"] == "TextLayer"
    # T-A's square centre; T-B's first of its two equal parts (120.2–120.3 × 36.0–36.1).
    assert [(d["text"], [round(c, 6) for c in d["position"]]) for d in labels["data"]] == [
        ("东镇", [120.1, 36.1]), ("西镇", [120.25, 36.05])]
    assert sorted(labels["characterSet"]) == sorted("东西镇")
    assert "Noto Sans CJK SC" in labels["fontFamily"]
    # The county spans 120.0–120.3 × 36.0–36.2: Mercator y span 0.24753°, so the height binds:
    # zoom = log2(0.92 × 560 / 0.24753 × 360 / 512) = 10.515; centre 120.15, 36.100064.
    view = spec["initialViewState"]
    assert (view["zoom"], view["longitude"], view["latitude"]) == (10.52, 120.15, 36.100064)


def test_grid_list_links_to_each_register(cov_db, monkeypatch):
    at = coverage_page(cov_db, monkeypatch)
    at.selectbox(key="coverage_grid").set_value("T-A").run()
    assert not at.exception, at.exception
    members = at.dataframe[0].value
    assert list(members.columns[1:3]) == ["名称", "一企一册"]
    assert list(members["企业编号"]) == ["C1", "C2", "C3", "C4"]
    assert list(members["一企一册"]) == [f"/enterprise?enterprise=C{i}" for i in range(1, 5)]
    assert any("一企一册" in c.value for c in at.caption)


@pytest.fixture
def rect_db(tmp_path):
    return build_fixture_db(tmp_path / "rect.duckdb", "rectification.sql")


def rectification_page(db, monkeypatch, lang="zh"):
    at = start(db, monkeypatch, lang, **as_of(date(2026, 6, 30)))
    at.switch_page("pages/rectification.py").run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rectification_ladder_has_no_none_and_no_developer_command(rect_db, monkeypatch, lang):
    at = rectification_page(rect_db, monkeypatch, lang)
    step = {"zh": "环节", "en": "Step"}[lang]
    ladder = next(d.value for d in at.dataframe if step in d.value.columns)
    days = ladder.iloc[:, 2].tolist()
    assert days[0] == "—" and "None" not in map(str, days)
    for frame in (d.value for d in at.dataframe):
        assert not frame.astype(str).isin(["None", "nan", "NaT", "<NA>"]).any().any()
    assert not any("python -m" in c.value for c in at.caption)


def test_overdue_list_puts_what_to_do_first_and_links_registers(rect_db, monkeypatch):
    at = rectification_page(rect_db, monkeypatch)
    overdue = next(d.value for d in at.dataframe if "应启动" in d.value.columns)
    assert list(overdue.columns[:7]) == ["逾期天数", "隐患等级", "企业名称", "一企一册", "最近措施", "最近措施日期",
                                         "应启动"]
    assert all(url.startswith("/enterprise?enterprise=") for url in overdue["一企一册"])
    at.multiselect(key="rect_levels").set_value(["major"]).run()
    majors = next(d.value for d in at.dataframe if "应启动" in d.value.columns)
    assert set(majors["隐患等级"]) == {"重大隐患"} and len(majors) < len(overdue)


def test_many_villages_are_named_by_their_towns():
    import pandas as pd

    def square(x: float) -> str:
        return f"POLYGON(({x} 36.0, {x + 0.01} 36.0, {x + 0.01} 36.01, {x} 36.01, {x} 36.0))"

    # 61 village grids, one more than VILLAGE_LABEL_LIMIT: 31 in 东镇 at x = 0..30, 30 in 西镇 at x = 31..60.
    n = maps.VILLAGE_LABEL_LIMIT + 1
    grids = pd.DataFrame({"town": ["东镇"] * 31 + ["西镇"] * 30, "village": [f"村{i}" for i in range(n)],
                          "name": [f"G{i}" for i in range(n)], "geometry": [square(i / 100) for i in range(n)]})
    named = maps.label_rows(grids, "village")
    # Each town at the mean of its squares' centres: x̄ = (0.15 + 0.005) for 东镇, (0.455 + 0.005) for 西镇.
    assert [(d["text"], round(d["position"][0], 6), round(d["position"][1], 6)) for d in named] == [
        ("东镇", 0.155, 36.005), ("西镇", 0.46, 36.005)]
    assert [d["text"] for d in maps.label_rows(grids.iloc[:3], "village")] == ["村0", "村1", "村2"]
    assert maps.character_set(["东镇", "西镇"]) == "东西镇"
