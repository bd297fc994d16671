"""labelling.for_people on a hand-written frame: codes, special labels, dates, yes/no, gaps and headers."""

import numpy as np
import pandas as pd
import pytest

from gridwatch import labelling

YES_NO = {"zh": ("是", "否", "未记录"), "en": ("yes", "no", "not recorded")}
NEVER = {"zh": "从未检查", "en": "never"}


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "name": ["甲厂", None, "丙厂"],
        "risk_level": ["red", "blue", None],
        "last_inspection": pd.to_datetime(["2026-03-05", None, "2026-11-27"]),
        "overdue_for_inspection": pd.array([True, False, None], dtype="boolean"),
        "open_hazards": [2, 0, 5],
        "ids": [np.array(["a", "b"]), None, np.array(["a", "b"])],
    }, index=[10, 11, 12])


EXPECTED = {
    "zh": {"名称": ["甲厂", "", "丙厂"],
           "风险等级": ["重大风险（红）", "低风险（蓝）", ""],
           "最近检查日期": ["2026-03-05", "从未检查", "2026-11-27"],
           "超期未检": ["是", "否", "未记录"],
           "未整改隐患": [2, 0, 5],
           "ids": ["a+b", "", "a+b"]},
    "en": {"Name": ["甲厂", "", "丙厂"],
           "Risk level": ["Major risk (red)", "Low risk (blue)", ""],
           "Last inspection": ["2026-03-05", "never", "2026-11-27"],
           "Overdue for inspection": ["yes", "no", "not recorded"],
           "Open hazards": [2, 0, 5],
           "ids": ["a+b", "", "a+b"]},
}


def headers(lang):
    prefixed = {"name", "risk_level", "last_inspection", "overdue_for_inspection", "open_hazards"}
    return lambda c: labelling.header(c, "coverage.col." if c in prefixed else None, lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_rule_in_both_languages(lang):
    out = labelling.for_people(frame(), lang, headers=headers(lang), codes={"risk_level": "risk_level"},
                               special={"ids": "+".join}, yes_no=YES_NO[lang],
                               missing={"last_inspection": NEVER[lang]})
    assert list(out.columns) == list(EXPECTED[lang])
    assert {c: out[c].tolist() for c in out.columns} == EXPECTED[lang]
    assert list(out.index) == [10, 11, 12]


def test_blank_none_leaves_text_gaps_and_a_workbook_keeps_real_dates():
    out = labelling.for_people(frame()[["name", "last_inspection"]], "zh", blank=None, date_format=None)
    assert out["name"].isna().tolist() == [False, True, False]
    assert out["last_inspection"].tolist()[0] == pd.Timestamp("2026-03-05")
    assert pd.isna(out["last_inspection"].tolist()[1])


def test_rates_numbers_and_a_named_gap_in_a_count():
    rows = pd.DataFrame({"share": [0.8321, None], "amount": [12.0, None], "count": [3.0, None]})
    out = labelling.for_people(rows, "en", rates=("share",), numbers=lambda s: s * 10,
                               missing={"count": "not recorded"})
    assert out["share"].tolist() == ["83.2%", "—"]
    assert out["amount"].tolist()[0] == 120.0 and pd.isna(out["amount"].tolist()[1])
    assert out["count"].tolist() == [30.0, "not recorded"]


def test_each_label_is_worked_out_once_per_distinct_value():
    calls = []
    series = pd.Series(["a", "b", "a", None, "a"] * 1000)
    out = labelling.each_once(series, lambda v: calls.append(v) or v.upper())
    assert sorted(calls) == ["a", "b"]
    assert out.tolist()[:5] == ["A", "B", "A", None, "A"]
