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
RISK_ZH = {"重大风险(红)": "red", "较大风险(橙)": "orange", "一般风险(黄)": "yellow", "低风险(蓝)": "blue"}


def _ratio(a, b):
    return None if b == 0 else a / b


def headline_from_csv(csv_dir: Path, f: gf.Filters) -> dict:
    """Headline figures from the exported CSVs with pandas, as an analyst without gridwatch would."""
    intervals = tomllib.loads(RULES.read_text(encoding="utf-8"))["inspection_interval_days"]
    ent = pd.read_csv(csv_dir / "enterprises.csv", encoding="utf-8-sig", dtype=str)
    grids = pd.read_csv(csv_dir / "grids.csv", encoding="utf-8-sig", dtype=str, usecols=["网格编号"])
    ins = pd.read_csv(csv_dir / "inspections.csv", encoding="utf-8-sig", dtype=str, usecols=["企业编号", "检查日期"])
    haz = pd.read_csv(csv_dir / "hazards.csv", encoding="utf-8-sig", dtype=str,
                      usecols=["企业编号", "发现日期", "隐患等级", "整改期限", "整改完成日期", "复查销号日期"])
    if f.towns:
        ent = ent[ent["所属镇街"].isin(f.towns)]
        ins = ins[ins["企业编号"].isin(ent["企业编号"])]
        haz = haz[haz["企业编号"].isin(ent["企业编号"])]
    ins["检查日期"] = pd.to_datetime(ins["检查日期"])
    for c in ("发现日期", "整改期限", "整改完成日期", "复查销号日期"):
        haz[c] = pd.to_datetime(haz[c])
    s, e, t = (pd.Timestamp(x) for x in (f.start, f.end, f.as_of))
    # A deadline before the finding is a data error, reported elsewhere and never counted.
    haz = haz[~(haz["整改期限"] < haz["发现日期"])]

    scope = ent[ent["经营状态"] == "正常生产"]
    period = ins[(ins["检查日期"] >= s) & (ins["检查日期"] <= e)]
    inspected = int(scope["企业编号"].isin(period["企业编号"]).sum())
    last = ins[ins["检查日期"] <= t].groupby("企业编号")["检查日期"].max()
    interval = scope["风险等级"].map(RISK_ZH).map(intervals)
    age = (t - scope["企业编号"].map(last)).dt.days
    missing = scope[["所属镇街", "所属村居", "行业主管部门", "监察中队", "网格编号"]].isna().any(axis=1)

    found = haz[(haz["发现日期"] >= s) & (haz["发现日期"] <= e)]
    rect = found[found["整改完成日期"] <= t]
    due = haz[(haz["整改期限"] >= s) & (haz["整改期限"] <= e) & (haz["整改期限"] <= t)]
    on_time = int((due["整改完成日期"] <= due["整改期限"]).sum())
    overdue_open = haz[(haz["发现日期"] <= t) & (haz["整改期限"] < t) & ~(haz["整改完成日期"] <= t)]
    verified = int((rect["复查销号日期"] <= t).sum())
    days = (rect["整改完成日期"] - rect["发现日期"]).dt.days
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
        "due_in_period": len(due),
        "rectified_on_time": on_time,
        "on_time_rate": _ratio(on_time, len(due)),
        "overdue_open": len(overdue_open),
        "verification_rate": _ratio(verified, len(rect)),
        "median_days_to_rectify": float(days.median()) if len(days) else None,
    }
