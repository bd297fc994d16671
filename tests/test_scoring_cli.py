"""``python -m gridwatch score`` on the demo agrees with an independent recomputation from the exported CSVs.

The recomputation reads the Chinese-headed CSVs with pandas, follows the issue's definitions
word by word and shares no code with gridwatch/scoring.py or the SQL.
"""

import json
import re
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("inspections_led", "inspections_joined", "enterprises_inspected", "hazards_found_weighted",
         "follow_through_rate", "cases_handled", "worklog_completeness")


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gridwatch", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    work = tmp_path_factory.mktemp("perf_demo")
    done = cli("demo", "--db", work / "demo.duckdb", "--export", work / "csv")
    assert done.returncode == 0, done.stderr
    return work / "demo.duckdb", work / "csv"


def read(csv_dir, name):
    return pd.read_csv(csv_dir / f"{name}.csv", encoding="utf-8-sig", dtype=str)


def recompute(csv_dir: Path, start: date, end: date, as_of: date) -> dict[str, dict]:
    rules = tomllib.loads((ROOT / "config" / "rules.toml").read_text(encoding="utf-8"))["scoring"]
    t = pd.Timestamp(min(end, as_of))
    s = pd.Timestamp(start)
    prev_s = pd.Timestamp(date(start.year - (start.month == 1), (start.month - 4) % 12 + 1, 1))
    staff = read(csv_dir, "staff")
    staff = staff[staff["在岗"] == "是"]
    ins = read(csv_dir, "inspections")
    ins["检查日期"] = pd.to_datetime(ins["检查日期"])
    haz = read(csv_dir, "hazards")
    for c in ("发现日期", "整改期限", "复查销号日期"):
        haz[c] = pd.to_datetime(haz[c])
    cases = read(csv_dir, "cases")
    cases["立案日期"] = pd.to_datetime(cases["立案日期"])
    logs = read(csv_dir, "worklogs")
    logs["日期"] = pd.to_datetime(logs["日期"])
    grace = pd.Timedelta(days=rules["follow_through_grace_days"])

    q_ins = ins[(ins["检查日期"] >= s) & (ins["检查日期"] <= t)]
    members = {row["检查编号"]: {m for m in re.split(r"[;,，；、\s]+", row["检查人员编号"] or "") if m}
               for _, row in q_ins.fillna({"检查人员编号": ""}).iterrows()}
    days = [d for d in pd.date_range(s, t) if d.weekday() < 5]
    complete = logs[(logs["早五问"] == "是") & (logs["晚五问"] == "是") & logs["日期"].isin(days)]
    out = {}
    for _, person in staff.iterrows():
        sid = person["人员编号"]
        led = q_ins[q_ins["带队人员编号"] == sid]
        joined = q_ins[(q_ins["带队人员编号"] != sid) & q_ins["检查编号"].map(lambda i, p=sid: p in members[i])]
        found = haz[haz["检查编号"].isin(led["检查编号"]) & (haz["发现日期"] <= t)]
        all_led = ins[ins["带队人员编号"] == sid]
        due = haz[haz["检查编号"].isin(all_led["检查编号"]) & (haz["整改期限"] >= s) & (haz["整改期限"] <= t)]
        ok = (due["复查销号日期"] <= due["整改期限"] + grace) & (due["复查销号日期"] <= t)
        pending = ~ok & (due["整改期限"] + grace > t)
        judged = len(due) - int(pending.sum())
        lead_ents = set(all_led[(all_led["检查日期"] >= prev_s) & (all_led["检查日期"] <= t)]["企业编号"])
        q_cases = cases[(cases["立案日期"] >= s) & (cases["立案日期"] <= t) & cases["企业编号"].isin(lead_ents)]
        out[sid] = {
            "role": person["职务"],
            "inspections_led": len(led),
            "inspections_joined": len(joined),
            "enterprises_inspected": len(set(led["企业编号"]) | set(joined["企业编号"])),
            "hazards_found_weighted": int(sum(rules["major_weight"] if lv == "重大隐患" else 1
                                              for lv in found["隐患等级"])),
            "follow_through_rate": int(ok.sum()) / judged if judged else None,
            "cases_handled": q_cases["案件编号"].nunique(),
            "worklog_completeness": complete[complete["人员编号"] == sid]["日期"].nunique() / len(days),
        }
    weights = rules["weights"]
    for role in {p["role"] for p in out.values()}:
        group = {k: v for k, v in out.items() if v["role"] == role}
        for name in NAMES:
            values = [v[name] for v in group.values() if v[name] is not None]
            lo, hi = (min(values), max(values)) if values else (0, 0)
            for v in group.values():
                v[f"{name}_scaled"] = None if v[name] is None or lo == hi else (v[name] - lo) / (hi - lo) * 100
        for v in group.values():
            used = {n: weights[n] for n in NAMES if v[f"{n}_scaled"] is not None}
            total = sum(used.values())
            v["score"] = round(sum(v[f"{n}_scaled"] * w for n, w in used.items()) / total, 2) if total else None
    return out


@pytest.mark.parametrize("quarter, start, end", [
    ("2026Q3", date(2026, 7, 1), date(2026, 9, 30)),
    ("2026Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ("2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
])
def test_cli_agrees_with_csv_recomputation(demo, quarter, start, end):
    db, csv_dir = demo
    done = cli("score", "--db", db, "--quarter", quarter, "--json")
    assert done.returncode == 0, done.stderr
    ours = {row["staff_id"]: row for row in json.loads(done.stdout)}
    theirs = recompute(csv_dir, start, end, date(2026, 11, 27))
    assert ours.keys() == theirs.keys()
    for sid, mine in ours.items():
        for name in NAMES:
            raw = mine["components"][name]["raw"]
            expected = theirs[sid][name]
            assert (raw is None) == (expected is None), (sid, name)
            if expected is not None:
                assert raw == pytest.approx(expected, abs=5e-5), (sid, name)
        assert mine["score"] == pytest.approx(theirs[sid]["score"], abs=0.011), sid
    assert len({row["score"] for row in ours.values()}) > 10, "the demo spreads the scores"


def test_cli_unit_on_demo(demo):
    db, _ = demo
    done = cli("score", "--db", db, "--quarter", "2026Q4", "--unit", "第四中队", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows and {r["unit"] for r in rows} == {"第四中队"}
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)


def test_quarter_after_data_is_refused(demo):
    db, _ = demo
    done = cli("score", "--db", db, "--quarter", "2027Q1", "--json")
    assert done.returncode == 2 and "starts after" in done.stderr and "Traceback" not in done.stderr
