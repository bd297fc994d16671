"""An independent recomputation of the headline metrics from the exported CSVs, with pandas.

It is written the way an analyst would without gridwatch, straight from DESIGN.md
and the Chinese export headers, sharing no code with the SQL; the tests compare it
with ``python -m gridwatch metrics`` and the benchmark times it against the query.
"""

import tomllib
from pathlib import Path

import pandas as pd

from gridwatch import filters as gf

RULES = Path(__file__).resolve().parent.parent / "config" / "rules.toml"
RISK_ZH = {"重大风险（红）": "red", "较大风险（橙）": "orange", "一般风险（黄）": "yellow", "低风险（蓝）": "blue"}


def _ratio(a, b):
    return None if b == 0 else a / b


def headline_from_csv(csv_dir: Path, f: gf.Filters) -> dict:
    """Headline figures from the exported CSVs with pandas, as an analyst without gridwatch would."""
    intervals = tomllib.loads(RULES.read_text(encoding="utf-8"))["inspection_interval_days"]
    ent = pd.read_csv(csv_dir / "enterprises.csv", encoding="utf-8-sig", dtype=str)
    grids = pd.read_csv(csv_dir / "grids.csv", encoding="utf-8-sig", dtype=str, usecols=["网格编号"])
    ins = pd.read_csv(csv_dir / "inspections.csv", encoding="utf-8-sig", dtype=str, usecols=["企业编号", "检查日期"])
    haz = pd.read_csv(csv_dir / "hazards.csv", encoding="utf-8-sig", dtype=str,
                      usecols=["企业编号", "发现日期", "隐患等级", "整改期限", "整改完成日期", "复查销号日期",
                               "是否已整改"])
    if f.towns:
        ent = ent[ent["所属镇街"].isin(f.towns)]
        ins = ins[ins["企业编号"].isin(ent["企业编号"])]
        haz = haz[haz["企业编号"].isin(ent["企业编号"])]
    ins["检查日期"] = pd.to_datetime(ins["检查日期"])
    for c in ("发现日期", "整改期限", "整改完成日期", "复查销号日期"):
        haz[c] = pd.to_datetime(haz[c])
    s, e, t = (pd.Timestamp(x) for x in (f.start, f.end, f.as_of))
    # A date before the finding is a data error: that date is treated as not recorded.
    for c in ("整改期限", "整改完成日期", "复查销号日期"):
        haz.loc[haz[c] < haz["发现日期"], c] = pd.NaT
    flagged = haz["是否已整改"].isin(["是", "true", "True"])
    # Rectified by t: dated on or before t; without a date, marked rectified or verified by t.
    undated = haz["整改完成日期"].isna() & (flagged | (haz["复查销号日期"] <= t))
    haz["rectified_by_t"] = (haz["整改完成日期"] <= t) | undated
    haz["undated"] = undated

    scope = ent[ent["经营状态"] == "正常生产"]
    period = ins[(ins["检查日期"] >= s) & (ins["检查日期"] <= e)]
    inspected = int(scope["企业编号"].isin(period["企业编号"]).sum())
    last = ins[ins["检查日期"] <= t].groupby("企业编号")["检查日期"].max()
    interval = scope["风险等级"].map(RISK_ZH).map(intervals)
    age = (t - scope["企业编号"].map(last)).dt.days
    missing = scope[["所属镇街", "所属村居", "行业主管部门", "监察中队", "网格编号"]].isna().any(axis=1)

    haz = haz[haz["发现日期"] <= t]
    found = haz[(haz["发现日期"] >= s) & (haz["发现日期"] <= e)]
    rect = found[found["rectified_by_t"]]
    flow = haz[(haz["整改完成日期"] >= s) & (haz["整改完成日期"] <= min(e, t))]
    due = haz[(haz["整改期限"] >= s) & (haz["整改期限"] <= e) & (haz["整改期限"] <= t)]
    judged = due[~due["undated"]]
    on_time = int((judged["整改完成日期"] <= judged["整改期限"]).sum())
    overdue_open = haz[(haz["整改期限"] < t) & ~haz["rectified_by_t"]]
    verified = int((rect["复查销号日期"] <= t).sum())
    dated = rect[rect["整改完成日期"] <= t]
    days = (dated["整改完成日期"] - dated["发现日期"]).dt.days
    left_out = haz[haz["undated"] & (haz.index.isin(found.index) | haz.index.isin(due.index))]
    return {
        "enterprises_in_scope": len(scope),
        "inspected_enterprises": inspected,
        "coverage_rate": _ratio(inspected, len(scope)),
        "overdue_for_inspection": int((age.isna() | (age > interval)).sum()),
        "blind_spots": int((missing | ~scope["网格编号"].isin(grids["网格编号"])).sum()),
        "inspections": len(period),
        "hazards_found": len(found),
        "major_hazards_found": int((found["隐患等级"] == "重大隐患").sum()),
        "rectified": len(rect),
        "rectification_rate": _ratio(len(rect), len(found)),
        "rectified_in_period": len(flow),
        "due_in_period": len(due),
        "rectified_on_time": on_time,
        "on_time_rate": _ratio(on_time, len(judged)),
        "overdue_open": len(overdue_open),
        "verification_rate": _ratio(verified, len(rect)),
        "median_days_to_rectify": float(days.median()) if len(days) else None,
        "rectified_date_unknown": len(left_out),
        "not_recorded": [],
    }
