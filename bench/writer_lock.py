"""Benchmark: what the writer lock adds to a write.

    .venv/bin/python bench/writer_lock.py [--imports 15] [--locks 2000]

1. The lock on its own: take and release ``warehouse.writer_lock`` and sweep the folder for
   stale copies, ``--locks`` times, beside a demo warehouse (nobody else writing).
2. A whole import: the demo county's 17,086 hazards (a 2.6 MB Chinese-headed CSV, ids
   renamed so every run adds rows) imported into a copy of the demo warehouse through
   ``ingest.import_files``, as the CLI and the page do, ``--imports`` times with the lock and as
   many times with ``writer_lock`` replaced by a no-op, alternating, in one process. Prints
   medians of wall time and of the process's CPU time (a shared machine's wall clock also
   counts other processes). Files go to bench/out/writer_lock/.
"""

import argparse
import contextlib
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gridwatch import exports, warehouse  # noqa: E402
from gridwatch.ingest import import_files  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "writer_lock"


def lock_alone(db: Path, times: int) -> list[float]:
    took = []
    for _ in range(times):
        started = time.perf_counter()
        with warehouse.writer_lock(db):
            warehouse._sweep(db)
        took.append(time.perf_counter() - started)
    return took


def one_import(base: Path, work: Path, csv: bytes, run: int) -> tuple[float, float]:
    shutil.copyfile(base, work)
    data = csv.replace(b"\nH", f"\nR{run:02d}".encode())
    wall, cpu = time.perf_counter(), time.process_time()
    report = import_files(work, [("hazards.csv", data)], raw_dir=OUT / "raw")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert report.loaded == csv.count(b"\nH"), report.loaded
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--imports", type=int, default=15)
    parser.add_argument("--locks", type=int, default=2000)
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    base = OUT / "demo.duckdb"
    warehouse.build_demo(base)
    con = warehouse.open_readonly(base)
    try:
        exports.export_tables_csv(con, OUT / "csv")
    finally:
        con.close()
    csv = (OUT / "csv" / "hazards.csv").read_bytes()

    alone = lock_alone(base, args.locks)
    print(f"lock + sweep alone, {args.locks} times: median {statistics.median(alone) * 1e6:.0f} µs, "
          f"max {max(alone) * 1e6:.0f} µs")

    one_import(base, OUT / "work.duckdb", csv, 99)  # warm-up, not counted
    real_lock = warehouse.writer_lock
    timings = {"with lock": [], "without lock": []}
    for run in range(args.imports * 2):
        locked = run % 2 == 0
        warehouse.writer_lock = real_lock if locked else (lambda path: contextlib.nullcontext())
        try:
            timings["with lock" if locked else "without lock"].append(one_import(base, OUT / "work.duckdb", csv, run))
        finally:
            warehouse.writer_lock = real_lock
    for name, runs in timings.items():
        wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
        print(f"import of the demo's hazards {name}, {len(runs)} runs: median wall {wall:.3f} s, "
              f"median CPU {cpu:.3f} s")
    for i, kind in enumerate(("wall", "CPU")):
        diff = (statistics.median(r[i] for r in timings["with lock"])
                - statistics.median(r[i] for r in timings["without lock"]))
        print(f"difference of medians ({kind}): {diff * 1000:+.1f} ms")


if __name__ == "__main__":
    main()
