"""Chart figures: built from their input alone, and built once per distinct input (``ui.figure``)."""

import tomllib
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st

from gridwatch import figures, ui

ROOT = Path(__file__).resolve().parent.parent
COLOURS = {"重大": "#d62728", "一般": "#ff9f0e"}
LEVELS = ["重大", "一般"]


@pytest.fixture(autouse=True)
def fresh_cache():
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def bars(general_a: int = 3) -> pd.DataFrame:
    return pd.DataFrame({"enterprise_id": ["E1", "E1", "E2", "E2"], "name": ["甲厂", "甲厂", "乙厂", "乙厂"],
                         "level": ["重大", "一般", "重大", "一般"], "hazards": [1, general_a, 0, 2]})


LABELS = {"title": "隐患最多的企业", "hazards": "隐患数（项）", "name": "企业", "level": "隐患级别"}


def test_the_same_input_gives_the_same_figure_object():
    first = ui.figure(figures.top_enterprises, bars(), ["甲厂", "乙厂"], COLOURS, LEVELS, LABELS)
    again = ui.figure(figures.top_enterprises, bars(), ["甲厂", "乙厂"], COLOURS, LEVELS, dict(LABELS))
    assert again is first


def test_a_changed_value_label_or_builder_gives_a_new_figure():
    first = ui.figure(figures.top_enterprises, bars(), ["甲厂", "乙厂"], COLOURS, LEVELS, LABELS)
    changed = ui.figure(figures.top_enterprises, bars(general_a=4), ["甲厂", "乙厂"], COLOURS, LEVELS, LABELS)
    english = ui.figure(figures.top_enterprises, bars(), ["甲厂", "乙厂"], COLOURS, LEVELS,
                        {**LABELS, "title": "Most hazards"})
    assert changed is not first and english is not first
    assert sorted(changed.data[1].x) == [2, 4]
    assert english.layout.title.text == "Most hazards"
    monthly = ui.figure(figures.monthly_levels, bars().rename(columns={"name": "month"}), COLOURS, LEVELS,
                        {**LABELS, "month": "月份"})
    assert monthly is not first


def test_a_frame_too_long_to_hash_whole_is_never_shared(monkeypatch):
    # Streamlit hashes long frames by a sample of rows; such input is built every time instead.
    monkeypatch.setattr(ui.charts, "FIGURE_CACHE_MAX_ROWS", 4)
    first = ui.figure(figures.top_enterprises, bars(), ["甲厂", "乙厂"], COLOURS, LEVELS, LABELS)
    again = ui.figure(figures.top_enterprises, bars(), ["甲厂", "乙厂"], COLOURS, LEVELS, LABELS)
    assert again is not first
    assert sorted(again.data[1].x) == [2, 3]


def test_top_enterprises_puts_the_first_at_the_top_and_carries_the_id_for_clicks():
    fig = figures.top_enterprises(bars(), ["甲厂", "乙厂"], COLOURS, LEVELS, LABELS)
    assert list(fig.layout.yaxis.categoryarray) == ["乙厂", "甲厂"]
    assert [t.name for t in fig.data] == ["重大", "一般"]
    assert [t.marker.color for t in fig.data] == ["#d62728", "#ff9f0e"]
    assert fig.data[0].customdata.tolist() == [["E1"], ["E2"]]
    assert fig.layout.xaxis.title.text == "隐患数（项）" and fig.layout.barmode == "stack"


def test_small_multiples_draws_one_panel_per_measure():
    weeks = pd.DataFrame({"week_start": pd.to_datetime(["2026-11-09", "2026-11-16"]), "week": ["W46", "W47"],
                          **{k: [i, i + 1] for i, k in enumerate("abcdef")}})
    fig = figures.small_multiples(weeks, list("abcdef"), [f"图{k}" for k in "abcdef"], "week",
                                  {"y_axis": "数量", "x_axis": "周", "title": "十二周趋势"})
    assert [list(t.y) for t in fig.data] == [[i, i + 1] for i in range(6)]
    assert [a.text for a in fig.layout.annotations] == [f"图{k}" for k in "abcdef"]
    assert fig.layout.title.text == "十二周趋势"


# Keys → the grid's (rows, columns) and each panel's (row, column): rows as even as three a row allow.
GRIDS = {
    1: ((1, 1), [(1, 1)]),
    4: ((2, 2), [(1, 1), (1, 2), (2, 1), (2, 2)]),
    7: ((3, 3), [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3), (3, 1)]),
}


@pytest.mark.parametrize("n", sorted(GRIDS))
def test_the_grid_of_small_multiples_is_sized_from_its_keys(n):
    keys = [f"k{i}" for i in range(n)]
    weeks = pd.DataFrame({"week_start": pd.to_datetime(["2026-11-09", "2026-11-16"]), "week": ["W46", "W47"],
                          **{k: [i, 10 * i] for i, k in enumerate(keys)}})
    fig = figures.small_multiples(weeks, keys, [f"图{k}" for k in keys], "week",
                                  {"y_axis": "数量", "x_axis": "周", "title": "趋势"})
    (rows, cols), places = GRIDS[n]
    assert (len(fig._grid_ref), len(fig._grid_ref[0])) == (rows, cols)
    assert [list(t.y) for t in fig.data] == [[i, 10 * i] for i in range(n)]
    assert [a.text for a in fig.layout.annotations] == [f"图{k}" for k in keys]
    for trace, (row, col) in zip(fig.data, places, strict=True):
        assert trace.xaxis == fig.get_subplot(row, col).xaxis.anchor.replace("y", "x")
    # Cells past the last key get no empty axes.
    empty = [(r, c) for r in range(1, rows + 1) for c in range(1, cols + 1) if (r, c) not in places]
    assert all(fig.get_subplot(r, c) is None for r, c in empty)
    assert fig.layout.height == 110 + 205 * rows


def test_from_spec_keeps_the_traces_and_layout_given():
    fig = figures.from_spec([{"type": "bar", "x": ["甲", "乙"], "y": [0.5, 1.0], "name": "整改率"}],
                            {"title": {"text": "整改率"}, "yaxis": {"tickformat": ".0%"}})
    assert list(fig.data[0].x) == ["甲", "乙"] and fig.data[0].name == "整改率"
    assert fig.layout.yaxis.tickformat == ".0%"


def test_streamlit_does_not_collect_garbage_after_every_run():
    # A full gc.collect(2) after each run was half of each page run's CPU under load (bench/LOAD.md).
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["postScriptGC"] is False
