"""``python -m gridwatch import`` as a clerk runs it: exit codes, clear messages, no tracebacks,
all-or-nothing under a kill, and a 200,000-row file (generated here, never committed)."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
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
    assert "hazards_gbk.csv: Hazards (gbk) read 3, loaded 3, rejected 0" in done.stdout
    assert "Traceback" not in done.stderr


def test_exit_1_when_rows_are_rejected_and_report_is_written(tiny_db, tmp_path):
    report = tmp_path / "report.csv"
    done = run_cli(BAD / "orphans.csv", "--db", tiny_db, "--report", report)
    assert done.returncode == 1
    # H13 (row 4) names enterprise E99: rejected. H12 (row 3) names inspection I99: emptied, loaded.
    assert "orphans.csv 第 4 行，列“企业编号”：“E99”在企业中不存在，请先导入企业或核对编号\n" in done.stderr
    assert ("orphans.csv 第 3 行，列“检查编号”：“I99”在检查记录中不存在，请先导入检查记录或核对编号"
            "（该字段已留空，其余内容已导入）\n") in done.stderr
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


def test_chinese_summaries_and_grouped_problems_under_lang_zh(tiny_db, tmp_path):
    report = tmp_path / "report.csv"
    done = run_cli(BAD / "orphans.csv", "--db", tiny_db, "--report", report, "--lang", "zh")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0] == "orphans.csv：隐患（utf-8）读取 3 行，导入 2 行，拒收 1 行，警告 1 行"
    assert lines[1] == f"问题报告：{report}"
    assert lines[2].startswith("导入 2 行，拒收 1 行，用时 ")
    # One line per column and reason, in Chinese, with Chinese table names.
    assert done.stderr.splitlines() == [
        "orphans.csv 第 4 行，列“企业编号”：“E99”在企业中不存在，请先导入企业或核对编号",
        "orphans.csv 第 3 行，列“检查编号”：“I99”在检查记录中不存在，请先导入检查记录或核对编号"
        "（该字段已留空，其余内容已导入）",
        "orphans.csv，列“检查项目”：文件没有这一列，该字段留空（已导入，仅提示）",
        "orphans.csv，列“是否已整改”：文件没有这一列，该字段留空（已导入，仅提示）",
    ]
    assert not any(ch.isascii() and ch.isalpha() for line in done.stderr.splitlines()
                   for ch in line.split("：", 1)[1] if ch not in "IE"), "no English words in the Chinese messages"


def test_report_csv_lists_every_problem_with_no_nan(tiny_db, tmp_path):
    lines = "".join(f"E{40 + i},企业{i},蓝,正常生产,外星采矿\n" for i in range(300))
    source = tmp_path / "ents.csv"
    source.write_text("企业编号,企业名称,风险等级,经营状态,行业类别\n" + lines, encoding="utf-8")
    report = tmp_path / "report.csv"
    done = run_cli(source, "--db", tiny_db, "--report", report, "--lang", "en")
    assert done.returncode == 0, done.stderr
    # 300 unknown industries are one line on the terminal ...
    industry = [line for line in done.stderr.splitlines() if "industry" in line]
    assert industry == ["ents.csv, column '行业类别': the industry '外星采矿' is not in the list of industries "
                        "(loaded; for your information) (300 rows: 2, 3, 4, 5, 6…)"]
    # ... and 300 lines in the report, plus one per missing column; no row or column is "nan".
    frame = pd.read_csv(report, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["File", "Sheet", "Row", "Column", "Severity", "Value", "Problem"]
    assert (frame["Problem"].str.contains("industry")).sum() == 300
    assert len(frame) == 300 + len([c for c in HEADERS["enterprises"] if c not in
                                    ("enterprise_id", "name", "risk_level", "status", "industry")])
    assert not frame.isin(["nan", "None", "<NA>"]).any().any()
    assert not frame["Problem"].str.contains("nan").any()


def test_report_says_where_it_stopped(monkeypatch):
    from gridwatch.commands.import_ import report_frame
    from gridwatch.ingest.loading import ISSUE_COLUMNS, Report

    issues = pd.DataFrame([["a.csv", "", "hazards", 2, "error", "hazard_id", "编号", None, "required", None]],
                          columns=ISSUE_COLUMNS)
    report = Report("20261129T000000-abcdef", False, issues=issues, issues_total=250_000)
    frame = report_frame(report, "en")
    assert len(frame) == 2
    assert frame.iloc[-1, 0] == ("this report lists the first 1 of 250,000 problems; every one is in the "
                                 "warehouse's quarantine (import 20261129T000000-abcdef)")
    dry = report_frame(Report("x", True, issues=issues, issues_total=250_000), "zh")
    assert dry.iloc[-1, 0] == "报告只列出前 1 条问题（共 250,000 条）；预演不写入数据仓库，请先按报告修正后再导入"


def test_staff_file_without_active_column_scores_its_staff(tiny_db, tmp_path):
    """Issue 17 point 5: staff imported without 在岗 are active (the schema default), so they are scored."""
    staff = tmp_path / "staff.csv"
    staff.write_text("人员编号,姓名,所在单位,职务\nS1,张三,第一中队,中队长\nS2,李四,第一中队,执法人员\n",
                     encoding="utf-8")
    done = run_cli(staff, "--db", tiny_db, "--replace", "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "column 'active (在岗)': the file has no such column; it loads as the default, 'yes'" in done.stderr
    scored = subprocess.run([sys.executable, "-m", "gridwatch", "score", "--db", str(tiny_db), "--quarter", "2026Q1",
                             "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert scored.returncode == 0, scored.stderr
    # S1 led I1 (2026-03-10) and S2 led I3 (2026-03-20) in the tiny county's first quarter.
    assert sorted(p["staff_id"] for p in json.loads(scored.stdout)) == ["S1", "S2"]


def test_named_encoding_and_one_line_for_mixed_encodings(tiny_db, tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("hazard_id,enterprise_id,found_date,level,category,description\n"
                      "H71,E1,2026-03-10,general,Fire,Crème\n".encode("latin-1"))
    done = run_cli(latin, "--db", tiny_db, "--encoding", "latin-1", "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "latin.csv: Hazards (latin-1) read 1, loaded 1" in done.stdout
    done = run_cli(latin, "--db", tiny_db, "--encoding", "no-such-codec")
    assert done.returncode == 2 and done.stderr == "error: --encoding: unknown encoding 'no-such-codec'\n"
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(b"\xef\xbb\xbf" + "隐患编号,企业编号,发现日期,隐患等级,隐患类别\nH72,E1,2026-03-10,一般,电气\n"
                      .encode("gbk"))
    done = run_cli(mixed, "--db", tiny_db, "--lang", "en")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "UTF-8 marker" in done.stderr


def test_bad_arguments_are_one_line(tmp_path):
    done = run_cli(tmp_path / "nowhere.csv", "--db", tmp_path / "x.duckdb")
    assert done.returncode == 2 and done.stderr.startswith("error: ") and "nowhere.csv" in done.stderr
    bad = tmp_path / "m.yaml"
    bad.write_text("tables: [1, 2", encoding="utf-8")
    done = run_cli(GOOD / "values.csv", "--mapping", bad, "--db", tmp_path / "x.duckdb")
    assert done.returncode == 2 and "m.yaml" in done.stderr and "Traceback" not in done.stderr
    # A mapping error is said in the --lang language (Chinese by default).
    bad.write_text("tabels: {}", encoding="utf-8")
    done = run_cli(GOOD / "values.csv", "--mapping", bad, "--db", tmp_path / "x.duckdb")
    assert done.returncode == 2 and "m.yaml：缺少顶层的 `tables:` 部分" in done.stderr
    done = run_cli(GOOD / "values.csv", "--mapping", bad, "--db", tmp_path / "x.duckdb", "--lang", "en")
    assert done.returncode == 2 and "m.yaml: expected a top-level 'tables:' section" in done.stderr


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
    fields = "B{:06d},I1,E1,2026-03-10,一般隐患,消防安全,灭火器过期,2026-03-25,2026-03-20,,,,是,否,否,否,否,100"
    # As many fields as the header has (item and rectified, added to the schema later, left empty).
    line = fields + "," * (len(HEADERS["hazards"]) - 1 - fields.count(",")) + "\n"
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
