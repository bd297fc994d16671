"""Unit tests of gridwatch.chart_top: the first N categories of a frame for a chart."""

import math

import pandas as pd

from gridwatch import chart_top


def towns_by_level():
    # Totals by hand: 甲 3+1 = 4, 乙 0+5 = 5, 丙 2 = 2, 丁 1+1 = 2, 戊 7 = 7.
    return pd.DataFrame({
        "town": ["甲", "甲", "乙", "乙", "丙", "丁", "丁", "戊"],
        "level": ["major", "general", "major", "general", "general", "major", "general", "general"],
        "hazards": [3, 1, 0, 5, 2, 1, 1, 7],
    })


def test_long_frame_keeps_every_row_of_the_top_categories_in_ranking_order():
    top = chart_top.top_categories(towns_by_level(), "town", "hazards", n=3)
    assert (top.shown, top.total, top.cut) == (3, 5, True)
    assert list(pd.unique(top.frame["town"])) == ["戊", "乙", "甲"]
    assert len(top.frame) == 1 + 2 + 2


def test_ties_keep_the_frame_order():
    # 丙 and 丁 both total 2: 丙 comes first in the frame, so it ranks first.
    assert chart_top.ranked(towns_by_level(), "town", "hazards") == ["戊", "乙", "甲", "丙", "丁"]


def test_n_or_fewer_categories_come_back_unchanged():
    frame = towns_by_level()
    top = chart_top.top_categories(frame, "town", "hazards", n=5)
    assert (top.shown, top.total, top.cut) == (5, 5, False)
    assert top.frame is frame


def test_ascending_puts_the_lowest_first_and_missing_last():
    rates = pd.DataFrame({"value": ["一中队", "二中队", "三中队", "四中队"],
                          "rectification_rate": [0.9, math.nan, 0.5, 0.7]})
    top = chart_top.top_categories(rates, "value", "rectification_rate", n=2, ascending=True)
    assert list(top.frame["value"]) == ["三中队", "四中队"]
    assert chart_top.ranked(rates, "value", "rectification_rate", ascending=True) == ["三中队", "四中队", "一中队",
                                                                                       "二中队"]


def test_no_measure_keeps_the_frames_own_ranking():
    frame = pd.DataFrame({"staff_id": ["S3", "S1", "S2"], "score": [10.0, 90.0, 50.0]})
    assert list(chart_top.top_categories(frame, "staff_id", n=2).frame["staff_id"]) == ["S3", "S1"]


def test_default_n_is_the_module_constant(monkeypatch):
    monkeypatch.setattr(chart_top, "CHART_TOP_N", 2)
    assert chart_top.top_categories(towns_by_level(), "town", "hazards").shown == 2


def test_caption_says_n_of_m_in_both_languages():
    top = chart_top.top_categories(pd.DataFrame({"town": [f"t{i}" for i in range(1200)], "hazards": range(1200)}),
                                   "town", "hazards", n=25)
    assert "前 25 个（共 1,200 个）" in chart_top.caption(top, "隐患数", "zh")
    assert "top 25 of 1,200 by hazards" in chart_top.caption(top, "hazards", "en")
    lowest = chart_top.top_categories(pd.DataFrame({"v": list("abc"), "r": [0.1, 0.2, 0.3]}), "v", "r", n=2,
                                      ascending=True)
    assert "lowest 2 of 3" in chart_top.caption(lowest, "rate", "en")
