"""``python -m gridwatch import`` as a clerk runs it: exit codes, clear messages, no tracebacks,
all-or-nothing under a kill, and a 200,000-row file (generated here, never committed)."""

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from gridwatch import cli, warehouse
from gridwatch.columns import HEADERS
from gridwatch.ingest.loading import PAUSE_ENV
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parent.parent
BAD = FIXTURES / "bad"
GOOD = FIXTURES / "import"


def run_cli(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gridwatch", "import", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})


def table_contents(db: Path) -> dict:
    con = warehouse.open_readonly(db)
    try:
        tables = {t: con.execute(f"select * from {t} order by all").fetchall() for t in HEADERS}
        return {**tables, "version": warehouse.meta(con)["data_version"]}
    finally:
        con.close()


def test_exit_0_when_everything_loads(tiny_db, tmp_path):
    done = run_cli(GOOD / "hazards_gbk.csv", "--db", tiny_db, "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "hazards_gbk.csv: hazards (gbk) read 3, loaded 3, rejected 0" in done.stdout
    assert "Traceback" not in done.stderr


def test_exit_1_when_rows_are_rejected_and_report_is_written(tiny_db, tmp_path):
    report = tmp_path / "report.csv"
    done = run_cli(BAD / "orphans.csv", "--db", tiny_db, "--report", report)
    assert done.returncode == 1
    assert "orphans.csv 第 3 行，列“检查编号”: “I99”在" in done.stderr
    assert "Traceback" not in done.stderr
    text = report.read_text(encoding="utf-8-sig")
    assert "I99" in text and "E99" in text


@pytest.mark.parametrize("name", ["empty.csv", "binary_junk.csv", "truncated.xlsx", "header_only.csv",
                                  "unknown_table.csv", "wrong_encoding.csv"])
def test_exit_2_with_one_line_when_nothing_loads(tiny_db, name):
    before = hashlib.sha256(tiny_db.read_bytes()).hexdigest()
    done = run_cli(BAD / name, "--db", tiny_db, "--lang", "en")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(name), done.stderr
    assert hashlib.sha256(tiny_db.read_bytes()).hexdigest() == before


def test_bad_arguments_are_one_line(tmp_path):
    done = run_cli(tmp_path / "nowhere.csv", "--db", tmp_path / "x.duckdb")
    assert done.returncode == 2 and done.stderr.startswith("error: ") and "nowhere.csv" in done.stderr
    bad = tmp_path / "m.yaml"
    bad.write_text("tables: [1, 2", encoding="utf-8")
    done = run_cli(GOOD / "values.csv", "--mapping", bad, "--db", tmp_path / "x.duckdb")
    assert done.returncode == 2 and "m.yaml" in done.stderr and "Traceback" not in done.stderr


def test_dry_run_writes_nothing(tiny_db):
    before = hashlib.sha256(tiny_db.read_bytes()).hexdigest()
    done = run_cli(GOOD / "hazards_gbk.csv", "--db", tiny_db, "--dry-run", "--lang", "en")
    assert done.returncode == 0 and "dry run" in done.stdout
    assert hashlib.sha256(tiny_db.read_bytes()).hexdigest() == before


def test_subcommand_is_registered():
    args = cli.build_parser().parse_args(["import", "a.csv", "--replace", "--dry-run"])
    assert args.command == "import" and args.replace and args.dry_run


def test_process_killed_inside_the_transaction_leaves_the_warehouse_unchanged(tiny_db, tmp_path):
    before_bytes = tiny_db.read_bytes()
    before = table_contents(tiny_db)
    proc = subprocess.Popen([sys.executable, "-m", "gridwatch", "import", str(GOOD / "hazards_gbk.csv"),
                             "--db", str(tiny_db)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, PAUSE_ENV: "60"}, text=True)
    try:
        # The hook announces itself once every row is written into the copy, before the swap.
        line = proc.stderr.readline()
        assert "paused inside the import transaction" in line, line
        assert list(tiny_db.parent.glob(f".{tiny_db.name}.*.tmp")), "the import works on a copy"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert tiny_db.read_bytes() == before_bytes
    assert table_contents(tiny_db) == before


def big_hazards_csv(path: Path, rows: int) -> None:
    """``rows`` hazards of the tiny county's E1/I1, with one impossible date at the last row."""
    header = ",".join(HEADERS["hazards"].values())
    line = "B{:06d},I1,E1,2026-03-10,一般隐患,消防安全,灭火器过期,2026-03-25,2026-03-20,,,,是,否,否,否,否,100,,\n"
    with open(path, "w", encoding="gbk", newline="") as f:
        f.write(header + "\n")
        f.writelines(line.format(i) for i in range(rows - 1))
        f.write(line.format(rows - 1).replace("2026-03-10", "2026-02-30"))


def test_200000_row_gbk_file_loads_and_a_kill_midway_changes_nothing(tiny_db, tmp_path):
    big = tmp_path / "hazards_big.csv"
    big_hazards_csv(big, 200_000)
    before_bytes = tiny_db.read_bytes()
    proc = subprocess.Popen([sys.executable, "-m", "gridwatch", "import", str(big), "--db", str(tiny_db)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert tiny_db.read_bytes() == before_bytes

    done = run_cli(big, "--db", tiny_db, "--lang", "en")
    assert done.returncode == 1, done.stderr
    # 200,000 rows read; the last (file row 200,001) has 2026-02-30 and is quarantined.
    assert "read 200,000, loaded 199,999, rejected 1" in done.stdout
    assert "hazards_big.csv row 200001, column '发现日期'" in done.stderr
    con = duckdb.connect(str(tiny_db), read_only=True)
    assert con.execute("select count(*) from hazards where hazard_id like 'B%'").fetchone()[0] == 199_999
    con.close()
