"""The CLI as a user runs it: JSON on the demo agrees with a recomputation from the exported CSVs."""

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from gridwatch.filters import Filters
from harness.recompute import headline_from_csv

ROOT = Path(__file__).resolve().parent.parent


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gridwatch", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    work = tmp_path_factory.mktemp("demo")
    done = cli("demo", "--db", work / "demo.duckdb", "--export", work / "csv")
    assert done.returncode == 0, done.stderr
    return work / "demo.duckdb", work / "csv"


@pytest.mark.parametrize("start, end, as_of, towns", [
    ("2026-01-01", "2026-11-27", None, []),
    ("2026-07-01", "2026-09-30", "2026-11-27", []),
    ("2025-11-28", "2026-03-31", None, ["first"]),
])
def test_metrics_agree_with_csv_recomputation(demo, start, end, as_of, towns):
    db, csv = demo
    if towns:
        import pandas as pd
        towns = [sorted(pd.read_csv(csv / "enterprises.csv", encoding="utf-8-sig")["所属镇街"].dropna().unique())[0]]
    args = ["metrics", "--db", db, "--start", start, "--end", end, "--json"]
    args += ["--as-of", as_of] if as_of else []
    for town in towns:
        args += ["--town", town]
    done = cli(*args)
    assert done.returncode == 0, done.stderr
    ours = json.loads(done.stdout)
    f = Filters(start=date.fromisoformat(start), end=date.fromisoformat(end),
                as_of=date.fromisoformat(as_of or end), towns=tuple(towns))
    theirs = headline_from_csv(csv, f)
    assert ours.keys() == theirs.keys()
    for key, value in theirs.items():
        assert ours[key] == pytest.approx(value), key
    assert ours["hazards_found"] > 0


def test_rectified_in_period_is_a_count_of_the_exported_csv(demo):
    """The brief's lead figure, for 2026-W47, is what anyone counts from the exported hazards.csv."""
    import pandas as pd

    db, csv = demo
    done = cli("metrics", "--db", db, "--start", "2026-11-16", "--end", "2026-11-22", "--json")
    assert done.returncode == 0, done.stderr
    ours = json.loads(done.stdout)
    rectified = pd.to_datetime(pd.read_csv(csv / "hazards.csv", encoding="utf-8-sig", dtype=str)["整改完成日期"])
    assert ours["rectified_in_period"] == rectified.between("2026-11-16", "2026-11-22").sum() > 100
    assert ours["rectified_date_unknown"] == 0 and ours["not_recorded"] == []


def test_w47_brief_leads_with_the_metrics_of_that_week(demo, tmp_path):
    """The W47 brief's PDF, HTML and Excel show the week's rectified count and on-time rate as `metrics` does."""
    import io
    import re

    import openpyxl

    db, _ = demo
    done = cli("metrics", "--db", db, "--start", "2026-11-16", "--end", "2026-11-22", "--json")
    figures = json.loads(done.stdout)
    rectified, rate = figures["rectified_in_period"], f"{figures['on_time_rate'] * 100:.1f}%"
    for fmt in ("pdf", "html", "xlsx"):
        out = tmp_path / f"brief.{fmt}"
        done = cli("brief", "--db", db, "--week", "2026-W47", "--out", out)
        assert done.returncode == 0, done.stderr
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "brief.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert re.search(rf"期间整改完成\s+{rectified:,}\s", text) and re.search(rf"按期整改率\s+{re.escape(rate)}", text)
    assert f"本周整改完成隐患{rectified:,}项" in re.sub(r"\s+", "", text)
    page = (tmp_path / "brief.html").read_text(encoding="utf-8")
    assert f"<td>期间整改完成</td><td class=\"num\">{rectified:,}</td>" in page and rate in page
    book = openpyxl.load_workbook(io.BytesIO((tmp_path / "brief.xlsx").read_bytes()))
    rows = {r[0]: r[1] for r in book["指标"].iter_rows(min_row=7, values_only=True)}
    assert rows["期间整改完成"] == rectified
    assert rows["按期整改率"] == pytest.approx(figures["on_time_rate"])


def test_metrics_on_tiny_fixture(tiny_db):
    done = cli("metrics", "--db", tiny_db, "--start", "2026-03-01", "--end", "2026-03-31", "--json")
    assert done.returncode == 0
    out = json.loads(done.stdout)
    assert out["enterprises_in_scope"] == 5 and out["rectification_rate"] == 0.6
    assert out["on_time_rate"] == 0.5 and out["median_days_to_rectify"] == 10.0


@pytest.mark.parametrize("args, message", [
    (["--start", "2026-03-31", "--end", "2026-03-01"], "before --start"),
    (["--start", "2026-02-30", "--end", "2026-03-01"], "not a date"),
    (["--start", "2026-03-01", "--end", "2026-03-31", "--db", "/nonexistent/x.duckdb"], "no warehouse"),
])
def test_metrics_errors_are_one_clear_line(tiny_db, args, message):
    if "--db" not in args:
        args = [*args, "--db", tiny_db]
    done = cli("metrics", *args, "--json")
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_demo_export_writes_eight_chinese_files(demo):
    _, csv = demo
    names = sorted(p.name for p in csv.glob("*.csv"))
    assert names == sorted(f"{t}.csv" for t in ("enterprises", "grids", "staff", "inspections", "hazards",
                                                 "cases", "tipoffs", "worklogs"))
    head = (csv / "hazards.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert head.startswith("隐患编号,检查编号,企业编号,发现日期")
