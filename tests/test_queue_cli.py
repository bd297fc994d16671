"""``python -m gridwatch queue``: the JSON shape, --all, --squadron, --backtest, errors, and a warehouse
holding only imported data (no demo, no employees, no cases or tip-offs)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from gridwatch import cli, exports, warehouse
from gridwatch.columns import HEADERS
from gridwatch.reader import Reader
from tests.conftest import build_fixture_db

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ["enterprise_id", "name", "town", "squadron", "risk_level", "required", "p_major", "p_any", "rank", "reasons"]


@pytest.fixture
def plan_db(tmp_path):
    return build_fixture_db(tmp_path / "plan.duckdb", "plan.sql")


def queue(capsys, db, *args) -> tuple[int, str, str]:
    code = cli.main(["queue", "--db", str(db), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_plan_json_shape(plan_db, capsys):
    code, out, err = queue(capsys, plan_db, "--as-of", "2026-06-30", "--json")
    assert code == 0, err
    rows = json.loads(out)
    # Measured capacity is 1 a week per squadron: the two required visits.
    shown = [(r["squadron"], r["enterprise_id"], r["rank"]) for r in rows]
    assert shown == [("第一中队", "P4", 1), ("第二中队", "P8", 1)]
    for row in rows:
        assert list(row) == FIELDS
        assert isinstance(row["required"], bool) and row["required"]
        assert 0 < row["p_major"] < 1 and 0 < row["p_any"] < 1
        assert isinstance(row["reasons"], list) and all(isinstance(r, str) and r for r in row["reasons"])
    assert rows[0]["town"] == "东镇" and rows[0]["risk_level"] == "yellow"
    assert rows[0]["reasons"][0] == "按风险等级须检查：到周日距上次检查 240 天，超过 180 天的检查周期"


def test_all_ranks_every_operating_enterprise_by_p_major(plan_db, capsys):
    code, out, _ = queue(capsys, plan_db, "--as-of", "2026-06-30", "--all", "--json", "--lang", "en")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 8 and "P9" not in {r["enterprise_id"] for r in rows}  # P9 is suspended
    assert [r["rank"] for r in rows] == list(range(1, 9))
    assert [r["p_major"] for r in rows] == sorted((r["p_major"] for r in rows), reverse=True)
    assert rows[0]["enterprise_id"] == "P1" and rows[0]["reasons"][0] == "major hazards in the last year: 6"
    code, out, _ = queue(capsys, plan_db, "--as-of", "2026-06-30", "--all", "--squadron", "第二中队", "--json")
    west = json.loads(out)
    assert [r["enterprise_id"] for r in west][:2] == ["P5", "P6"] and [r["rank"] for r in west] == [1, 2, 3, 4]


def test_default_as_of_is_the_data_as_of_date(plan_db, capsys):
    _, with_date, _ = queue(capsys, plan_db, "--as-of", "2026-06-30", "--json")
    _, without, _ = queue(capsys, plan_db, "--json")
    assert json.loads(with_date) == json.loads(without)


def test_backtest_json_and_table(plan_db, capsys):
    code, out, err = queue(capsys, plan_db, "--backtest", "--start", "2026-01-12", "--end", "2026-01-18", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert list(result) == ["start", "end", "as_of", "enterprises", "with_major", "model_share", "actual_share",
                            "random_share", "mean_p_major", "by_squadron"]
    assert (result["enterprises"], result["with_major"]) == (7, 3)
    assert (result["model_share"], result["actual_share"], result["random_share"]) == (0.7667, 0.75, 0.5)
    assert [s["squadron"] for s in result["by_squadron"]] == ["第一中队", "第二中队"]
    assert result["by_squadron"][1]["model_share"] == 0.6667
    code, out, _ = queue(capsys, plan_db, "--backtest", "--start", "2026-01-12", "--end", "2026-01-18")
    assert code == 0
    assert "76.7%" in out and "75.0%" in out and "50.0%" in out and "第二中队" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--squadron", "第九中队", "--json"], "no operating enterprise in squadron '第九中队'"),
    (["--backtest", "--start", "2026-01-12"], "--backtest needs --start and --end"),
    (["--backtest", "--start", "2026-01-12", "--end", "2026-01-01"], "is before --start"),
    (["--start", "2026-01-12", "--json"], "--start and --end go with --backtest"),
])
def test_errors_are_one_clear_line(plan_db, capsys, args, message):
    code, out, err = queue(capsys, plan_db, *args)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_missing_warehouse(tmp_path, capsys):
    code, _, err = queue(capsys, tmp_path / "none.duckdb", "--json")
    assert code == 2 and "no warehouse at" in err


def test_a_warehouse_of_imported_data_only(plan_db, tmp_path):
    """Exports with Chinese headers, employees and the source flag never filled, no cases or tip-offs."""
    source = warehouse.open_readonly(plan_db)
    folder = tmp_path / "exports"
    folder.mkdir()
    try:
        for table in ("grids", "staff", "enterprises", "inspections", "hazards"):
            frame = exports.chinese_export(source, table)
            if table == "enterprises":
                names = HEADERS["enterprises"]
                frame = frame.drop(columns=[names["employees"], names["major_hazard_source"]])
            frame.to_csv(folder / f"{table}.csv", index=False, encoding="utf-8-sig")
    finally:
        source.close()
    db = tmp_path / "imported.duckdb"
    env = {**os.environ}
    done = subprocess.run([sys.executable, "-m", "gridwatch", "import", *sorted(map(str, folder.glob("*.csv"))),
                           "--db", str(db)], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    con = warehouse.open_readonly(db)
    try:
        assert con.execute("select count(employees), count(*) from enterprises").fetchone() == (0, 9)
        assert warehouse.meta(con).get("is_demo") != "true"
    finally:
        con.close()
    done = subprocess.run([sys.executable, "-m", "gridwatch", "queue", "--db", str(db), "--as-of", "2026-06-30",
                           "--all", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["enterprise_id"] for r in rows][:4] == ["P1", "P5", "P2", "P6"]
    assert not any("从业人员" in reason or "危险源" in reason for r in rows for reason in r["reasons"])
    done = subprocess.run([sys.executable, "-m", "gridwatch", "queue", "--db", str(db), "--backtest",
                           "--start", "2026-01-12", "--end", "2026-01-18", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["model_share"] == 0.7667


def test_imported_model_says_what_was_not_recorded(plan_db, tmp_path):
    from gridwatch import plan

    db = tmp_path / "bare.duckdb"
    with warehouse.rewrite(db, fresh=True) as con:
        con.execute(f"attach '{plan_db}' as src (read_only)")
        for table in ("grids", "staff", "enterprises", "inspections", "hazards"):
            con.execute(f"insert into {table} select * from src.{table}")
        con.execute("detach src")
        con.execute("update enterprises set employees = null, major_hazard_source = null, industry = null")
    ro = warehouse.open_readonly(db)
    try:
        made = plan.make(Reader(ro), pd.Timestamp("2026-06-30").date())
    finally:
        ro.close()
    assert made.scored.model.not_recorded == ("cases", "employees", "industry", "major_hazard_source", "tipoffs")
    assert not any(c.startswith(("employees", "industry", "major_hazard")) for c in made.scored.model.columns)
