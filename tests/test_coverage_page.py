"""AppTest of the coverage page on tests/fixtures/coverage.sql, and the map helpers it relies on."""

import json
from datetime import date

import pytest

from gridwatch import maps, warehouse
from tests.conftest import build_fixture_db
from tests.test_app import start

PAGE = "pages/coverage.py"
# The fixture's period: June 2026 as of 06-30, set through the sidebar's custom period.
JUNE = dict(gf_preset="custom", gf_start=date(2026, 6, 1), gf_end=date(2026, 6, 30),
            gf_as_of_custom=date(2026, 6, 30))


@pytest.fixture
def cov_db(tmp_path):
    return build_fixture_db(tmp_path / "coverage.duckdb", "coverage.sql")


def open_page(db, monkeypatch, lang="zh"):
    at = start(db, monkeypatch, lang, **JUNE)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def deck(at) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


def layers(spec) -> dict:
    return {layer["id"]: layer for layer in spec["layers"]}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_renders_in_both_languages(cov_db, monkeypatch, lang):
    at = open_page(cov_db, monkeypatch, lang)
    assert at.title[0].value == {"zh": "网格覆盖", "en": "Grid coverage"}[lang]
    # 4 blind spots (C4 C5 C6 C8), 4 overdue (C2 C4 C6 C8), no town grid left uninspected,
    # the two staffing rules apart: one town below 1 per 10,000 (西镇 0.4; 东镇 2.5 meets it)
    # and two villages below 2 village inspectors (东镇二村 1, 西镇三村 0).
    assert [m.value for m in at.metric] == ["4", "4", "0", "1", "2"]
    assert [tab.label for tab in at.tabs][:2] == {"zh": ["盲区企业", "超期未检"],
                                                  "en": ["Blind spots", "Overdue for inspection"]}[lang]
    assert any("rgb(" in m.value and "coverage" not in m.value for m in at.markdown), "legend drawn"


def test_deck_carries_polygons_and_points(cov_db, monkeypatch):
    at = open_page(cov_db, monkeypatch)
    spec = deck(at)
    assert "mapStyle" not in spec or spec["mapStyle"] == "__MAP_STYLE__"  # no basemap fetched
    by_id = layers(spec)
    grids = by_id[maps.GRID_LAYER]["data"]
    # Town level: T-A's square and T-B's two MULTIPOLYGON parts.
    assert sorted(g["grid_id"] for g in grids) == ["T-A", "T-B", "T-B"]
    t_a = next(g for g in grids if g["grid_id"] == "T-A")
    assert t_a["polygon"] == [[120.0, 36.0], [120.2, 36.0], [120.2, 36.2], [120.0, 36.2], [120.0, 36.0]]
    # Coverage 25% (1 of 4) falls in the lowest class.
    assert t_a["fill"][:3] == list(maps.SCALES[("coverage_rate", "town")].colours[0])
    points = by_id[maps.POINT_LAYER]["data"]
    assert sorted(p["enterprise_id"] for p in points) == ["C1", "C2", "C3", "C4", "C5", "C6"]  # C8: no coordinates
    assert sorted(p["enterprise_id"] for p in by_id[maps.OVERDUE_LAYER]["data"]) == ["C2", "C4", "C6"]


def test_tooltip_escapes_names(cov_db, monkeypatch):
    at = open_page(cov_db, monkeypatch)
    raw = at.get("deck_gl_json_chart")[0].proto.json
    assert "<img" not in raw
    spec = deck(at)
    assert json.loads(at.get("deck_gl_json_chart")[0].proto.tooltip)["html"] == maps.TOOLTIP["html"]
    c2 = next(p for p in layers(spec)[maps.POINT_LAYER]["data"] if p["enterprise_id"] == "C2")
    assert c2["tip_title"] == "＜img src=x onerror=alert(1)＞"
    assert "2026-05-20" in c2["tip_body"]  # last inspection as a date, not {}
    assert c2["tip_body"].endswith("⚠: 超期未检")


def test_level_and_measure_switch_change_layers(cov_db, monkeypatch):
    at = open_page(cov_db, monkeypatch)
    at.segmented_control(key="coverage_level").set_value("village").run()
    assert not at.exception
    grids = layers(deck(at))[maps.GRID_LAYER]["data"]
    # V-B1 has no geometry; V-A2's is GeoJSON.
    assert sorted(g["grid_id"] for g in grids) == ["V-A1", "V-A2"]
    before = {g["grid_id"]: g["fill"] for g in grids}
    at.selectbox(key="coverage_measure").set_value("open_hazards_per_enterprise").run()
    after = {g["grid_id"]: g["fill"] for g in layers(deck(at))[maps.GRID_LAYER]["data"]}
    scale = maps.SCALES[("open_hazards_per_enterprise", "village")]
    assert after["V-A1"][:3] == list(scale.colour(1.0)) and after["V-A2"][:3] == list(scale.colour(0.0))
    assert before != after
    # V-A2 (C3, C4) had no inspection in June.
    assert at.metric[2].value == "1"


def test_risk_filter_and_grid_choice(cov_db, monkeypatch):
    at = open_page(cov_db, monkeypatch)
    at.pills(key="coverage_risks").set_value(["red"]).run()
    assert not at.exception
    assert at.metric[1].value == "1"  # C2 only
    overdue = next(df.value for df in at.dataframe if "距今天数" in df.value.columns)
    assert list(overdue["企业编号"]) == ["C2"] and list(overdue["距今天数"]) == [41]
    at.selectbox(key="coverage_grid").set_value("T-A").run()
    members = at.dataframe[0].value
    assert list(members["企业编号"]) == ["C1", "C2"]


def test_blind_spot_list_names_what_is_missing(cov_db, monkeypatch):
    at = open_page(cov_db, monkeypatch)
    blind = next(df.value for df in at.dataframe if "缺失项" in df.value.columns)
    assert dict(zip(blind["企业编号"], blind["缺失项"], strict=True)) == {
        "C8": "镇街、村居、监察中队、网格编号",
        "C4": "监察中队",
        "C6": "村居、主管部门、网格编号",
        "C5": "网格编号不存在",
    }


def test_fallback_without_geometry(cov_db, monkeypatch):
    with warehouse.rewrite(cov_db) as con:
        con.execute("update grids set geometry = null")
    at = open_page(cov_db, monkeypatch, "en")
    assert any("no boundaries" in i.value for i in at.info)
    ids = set(layers(deck(at)))
    assert maps.HEX_LAYER in ids and maps.POINT_LAYER in ids and maps.GRID_LAYER not in ids


def test_no_map_at_all_says_why(cov_db, monkeypatch):
    with warehouse.rewrite(cov_db) as con:
        con.execute("update grids set geometry = null")
        con.execute("update enterprises set lat = null, lon = null")
    at = open_page(cov_db, monkeypatch, "en")
    assert not at.get("deck_gl_json_chart")
    assert any("no map can be drawn" in i.value for i in at.info)


def test_parse_polygons_notations():
    square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    assert maps.parse_polygons("POLYGON((0 0, 1 0, 1 1, 0 0))") == [square]
    assert maps.parse_polygons("POLYGON ((0 0, 1 0, 1 1, 0 0), (0.2 0.2, 0.3 0.2, 0.3 0.3, 0.2 0.2))") == [square]
    assert len(maps.parse_polygons("MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((2 2, 3 2, 3 3, 2 2)))")) == 2
    assert maps.parse_polygons('{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}') == [square]
    feature = ('{"type": "Feature", "geometry": {"type": "MultiPolygon", '
               '"coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]]}}')
    assert maps.parse_polygons(feature) == [square]
    for bad in (None, "", "POINT(1 2)", "{not json", "POLYGON((1 2))", float("nan")):
        assert maps.parse_polygons(bad) == []


def test_scale_classes():
    scale = maps.SCALES[("overdue_for_inspection", "town")]
    assert scale.labels() == ["0", "1–9", "10–19", "20–39", "≥ 40"]
    assert scale.colour(0) == scale.colours[0] and scale.colour(15) == scale.colours[2]
    assert scale.colour(None) == maps.NO_DATA_COLOUR
    assert maps.SCALES[("coverage_rate", "town")].labels()[-1] == "≥ 95%"


def test_tooltip_fields_neutralise_every_value():
    fields = maps.tooltip_fields("<b>x</b> & 'y'", [("a", '<script src="z">'), ("b", None)])
    assert fields == {"tip_title": "＜b＞x＜/b＞ ＆ ＇y＇", "tip_body": "a: ＜script src=＂z＂＞\nb: —"}
    assert not any(ch in "".join(fields.values()) for ch in "<>&\"'")


def test_clicked_grid_reads_polygon_or_point():
    from types import SimpleNamespace

    from gridwatch import coverage

    def event(objects):
        return SimpleNamespace(selection={"objects": objects})

    assert coverage.clicked_grid(event({maps.GRID_LAYER: [{"grid_id": "T-A"}]})) == "T-A"
    assert coverage.clicked_grid(event({maps.POINT_LAYER: [{"enterprise_id": "C1", "grid_id": "V-A1"}]})) == "V-A1"
    assert coverage.clicked_grid(event({maps.POINT_LAYER: [{"enterprise_id": "C8", "grid_id": ""}]})) is None
    assert coverage.clicked_grid(event({})) is None
    assert coverage.clicked_grid(None) is None


def test_register_downloads_are_offered_and_build_on_click(cov_db, monkeypatch, deferred_downloads):
    open_page(cov_db, monkeypatch)
    offered = sorted(n for n in deferred_downloads if n.startswith(("一镇", "一村", "一部门", "一队")))
    assert offered == sorted([
        "一镇一册-2026-06-30.xlsx", "一镇一册-按单位分文件-2026-06-30.zip",
        "一村一册-每镇一本-2026-06-30.zip", "一村一册-按单位分文件-2026-06-30.zip",
        "一部门一册-2026-06-30.xlsx", "一部门一册-按单位分文件-2026-06-30.zip",
        "一队一册-2026-06-30.xlsx", "一队一册-按单位分文件-2026-06-30.zip",
    ])
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(deferred_downloads["一队一册-2026-06-30.xlsx"]()))
    assert book.sheetnames == ["第一中队", "第二中队", "未填监察中队"]
    # The page's filters head every sheet: status as of 06-30, data as of 07-05 (N4).
    assert book["第一中队"]["A2"].value == "状态截至 2026-06-30｜范围：全县｜风险等级：全部｜数据截至 2026-07-05"
