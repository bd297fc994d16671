"""Benchmark: import one million hazard rows from a Chinese-headed CSV into a fresh warehouse.

    .venv/bin/python bench/import_bench.py [--rows 1000000] [--encoding utf-8-sig|gbk]

Builds a warehouse holding the enterprises and inspections the hazards refer to, writes the
CSV (as the enforcement system exports it: Chinese headers and labels, 是/否), imports it
through the same path as the CLI and page, and prints rows per second. Files go to bench/out/.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gridwatch import warehouse  # noqa: E402
from gridwatch.columns import HEADERS  # noqa: E402
from gridwatch.ingest import import_files  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
ENTERPRISES = 3000
INSPECTIONS = 50_000


def references(path: Path) -> None:
    """A warehouse with the enterprises, staff and inspections the hazards name."""
    ent = pd.DataFrame({
        "enterprise_id": [f"E{i:05d}" for i in range(ENTERPRISES)], "name": [f"企业{i}" for i in range(ENTERPRISES)],
        "credit_code": None, "industry": "机械", "town": "甲镇", "village": None, "department": "应急局",
        "squadron": "第一中队", "grid_id": None, "risk_level": "blue", "status": "operating", "lat": 36.0,
        "lon": 119.5, "employees": 10, "major_hazard_source": False, "listed_since": pd.NaT})
    staff = pd.DataFrame({"staff_id": ["S1"], "name": ["张三"], "unit": ["第一中队"], "role": ["执法人员"],
                          "certified": [True], "active": [True]})
    rng = np.random.default_rng(1)
    insp = pd.DataFrame({
        "inspection_id": [f"I{i:06d}" for i in range(INSPECTIONS)],
        "enterprise_id": [f"E{i:05d}" for i in rng.integers(0, ENTERPRISES, INSPECTIONS)],
        "date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 600, INSPECTIONS), unit="D"),
        "type": "routine", "lead_staff_id": "S1", "staff_ids": "S1", "campaign": None, "checklist": None,
        "outcome": None, "score": None})
    with warehouse.rewrite(path, fresh=True) as con:
        warehouse.load_tables(con, {"enterprises": ent, "staff": staff, "inspections": insp})


def hazards_csv(path: Path, rows: int, encoding: str) -> None:
    """``rows`` hazards as an export: Chinese headers, labels and 是/否."""
    rng = np.random.default_rng(2)
    insp = rng.integers(0, INSPECTIONS, rows)
    found = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 600, rows), unit="D")
    rectified = found + pd.to_timedelta(rng.integers(1, 40, rows), unit="D")
    frame = pd.DataFrame({
        "hazard_id": [f"H{i:07d}" for i in range(rows)],
        "inspection_id": [f"I{i:06d}" for i in insp],
        "enterprise_id": [f"E{i:05d}" for i in rng.integers(0, ENTERPRISES, rows)],
        "found_date": found.strftime("%Y-%m-%d"),
        "level": np.where(rng.random(rows) < 0.05, "重大隐患", "一般隐患"),
        "category": rng.choice(["电气安全", "消防安全", "粉尘防爆", "机械防护"], rows),
        "description": "现场发现的隐患",
        "deadline": (found + pd.Timedelta(days=15)).strftime("%Y-%m-%d"),
        "rectified_date": np.where(rng.random(rows) < 0.8, rectified.strftime("%Y-%m-%d"), ""),
        "verified_date": "", "reminder_date": "", "order_date": "",
        "responsibility": np.where(rng.random(rows) < 0.5, "是", "否"), "measures": "是", "funds": "否",
        "time_limit": "是", "plan": "否", "funds_amount": rng.integers(0, 5000, rows).astype(str),
    })
    frame.rename(columns=HEADERS["hazards"]).to_csv(path, index=False, encoding=encoding)


def main() -> None:
    """Build inputs, import, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--encoding", default="utf-8-sig")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db, csv = OUT / "bench.duckdb", OUT / f"hazards_{args.rows}.csv"
    references(db)
    hazards_csv(csv, args.rows, args.encoding)
    content = csv.read_bytes()
    started, cpu = time.perf_counter(), time.process_time()
    report = import_files(db, [(csv.name, content)], raw_dir=OUT / "raw")
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    # CPU time (all threads of this process) next to wall time: on a shared machine the wall clock
    # also counts time other processes held the cores.
    print(f"{args.rows:,} rows ({len(content) / 1e6:.0f} MB, {args.encoding}): loaded {report.loaded:,}, "
          f"rejected {report.rejected:,} in {took:.1f} s wall = {report.loaded / took:,.0f} rows/s "
          f"({cpu:.1f} s CPU, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
