"""Trials: two real writer processes started together, as issue 15 tried them; did any write get lost?

    .venv/bin/python bench/overlapping_writes.py [--trials 10] [--checkout DIR]

Each trial copies a demo warehouse and starts, at the same moment, two ``python -m gridwatch``
processes of ``--checkout`` (default: this one; point it at an older tree to compare):

- import + import: the demo's 17,086 hazards renamed ``A…`` and ``B…``. No loss means both exit
  0, both files' rows are in the warehouse and ``import_log`` holds both imports.
- import + demo: the ``A`` file and ``demo --seed 7``. Either order is a serial history: the demo
  last (a fresh demo of seed 7, no ``A`` rows, no import) or the import last (the ``A`` rows on the
  seed-7 demo). The import's rows on the original warehouse, with the seed-7 build gone, is a loss.

Prints one line per trial and the counts. Files go to bench/out/overlapping_writes/.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gridwatch import exports, warehouse  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out" / "overlapping_writes"


def start(checkout: Path, scratch: Path, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gridwatch", *map(str, args)], cwd=checkout, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "GRIDWATCH_AUDIT": str(scratch / "audit.jsonl")})


def state(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        return {"A": one("select count(*) from hazards where hazard_id like 'A%'"),
                "B": one("select count(*) from hazards where hazard_id like 'B%'"),
                "imports": one("select count(distinct import_id) from import_log"),
                "is_demo": one("select value from meta where key = 'is_demo'"),
                "seed": one("select value from meta where key = 'demo_seed'")}
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--checkout", type=Path, default=ROOT)
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    base = OUT / "base.duckdb"
    warehouse.build_demo(base)
    con = warehouse.open_readonly(base)
    try:
        exports.export_tables_csv(con, OUT / "csv")
    finally:
        con.close()
    hazards = (OUT / "csv" / "hazards.csv").read_bytes()
    rows = hazards.count(b"\nH")
    files = {}
    for prefix in "AB":
        files[prefix] = OUT / f"hazards_{prefix}.csv"
        files[prefix].write_bytes(hazards.replace(b"\nH", b"\n" + prefix.encode()))

    lossless = {"import+import": 0, "import+demo": 0}
    for trial in range(1, args.trials + 1):
        for kind in lossless:
            scratch = OUT / "trial"
            shutil.rmtree(scratch, ignore_errors=True)
            scratch.mkdir()
            db = scratch / "w.duckdb"
            shutil.copyfile(base, db)
            first = start(args.checkout, scratch, "import", files["A"], "--db", db, "--lang", "en")
            second = (start(args.checkout, scratch, "import", files["B"], "--db", db, "--lang", "en")
                      if kind == "import+import" else
                      start(args.checkout, scratch, "demo", "--db", db, "--seed", "7"))
            errs = [p.communicate(timeout=600)[1] for p in (first, second)]
            codes = (first.returncode, second.returncode)
            s = state(db)
            if kind == "import+import":
                ok = codes == (0, 0) and s["A"] == s["B"] == rows and s["imports"] == 2
            else:
                demo_last = s["is_demo"] == "true" and s["seed"] == "7" and s["A"] == 0 and s["imports"] == 0
                import_last = s["is_demo"] == "false" and s["seed"] == "7" and s["A"] == rows and s["imports"] == 1
                ok = codes == (0, 0) and (demo_last or import_last)
            lossless[kind] += ok
            waited = any("aiting for another" in e or "等待" in e for e in errs)
            print(f"trial {trial} {kind}: exit {codes} {s} waited={waited} -> {'no loss' if ok else 'LOST'}",
                  flush=True)
    for kind, n in lossless.items():
        print(f"{kind}: {n} of {args.trials} trials without loss")


if __name__ == "__main__":
    main()
