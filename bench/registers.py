"""Benchmark: how long each register download takes to build (what a click on the coverage page waits for).

    .venv/bin/python bench/registers.py [--scale 1] [--repeat 3]

Builds a demo warehouse of ``--scale`` under bench/out/registers/ (once), runs
``coverage_enterprises`` for the whole county as of the data's last day, then builds each
register's two downloads (``registers.downloads``: the workbook, or for villages the
workbook per town; the zip of one file per unit) ``--repeat`` times. Prints the medians of
wall time and of the process's CPU time (a shared machine's wall clock also counts other
processes), the size and the number of files or sheets.
"""

import argparse
import io
import statistics
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gridwatch import queries, registers, warehouse  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "registers"


def timed(build, repeat: int) -> tuple[float, float, bytes]:
    walls, cpus, data = [], [], b""
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        data = build()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), data


def parts(data: bytes) -> int:
    if data[:2] == b"PK" and any(n.endswith(".xlsx") for n in zipfile.ZipFile(io.BytesIO(data)).namelist()):
        return len(zipfile.ZipFile(io.BytesIO(data)).namelist())
    import openpyxl

    return len(openpyxl.load_workbook(io.BytesIO(data), read_only=True).sheetnames)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / f"demo_x{args.scale}.duckdb"
    if not db.exists():
        warehouse.build_demo(db, scale=args.scale)
    con = warehouse.open_readonly(db)
    try:
        as_of = warehouse.data_as_of(warehouse.meta(con))
        started = time.perf_counter()
        enterprises = queries.run(con, "coverage_enterprises", {
            "start": as_of, "end": as_of, "as_of": as_of, "towns": [], "departments": [], "industries": [],
            "risk_levels": []})
        print(f"scale {args.scale}: {len(enterprises):,} enterprises, query {time.perf_counter() - started:.2f} s")
    finally:
        con.close()
    context = registers.Context(as_of=as_of, data_as_of=as_of)
    print("| register | download | files or sheets | MB | wall s (median) | CPU s (median) |")
    print("|---|---|---:|---:|---:|---:|")
    for by in registers.BY:
        for label, download in zip(("workbook", "file per unit"), registers.downloads(enterprises, by, "zh", context),
                                   strict=True):
            wall, cpu, data = timed(download.build, args.repeat)
            print(f"| {by} | {label} | {parts(data)} | {len(data) / 1e6:.2f} | {wall:.2f} | {cpu:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
