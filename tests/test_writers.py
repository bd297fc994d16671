"""Writers take turns: real processes importing and building the demo at once, the wait and its
message, the refusal after the timeout, and the clean-up of copies that killed writers left."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from gridwatch import warehouse
from gridwatch.ingest import import_files
from gridwatch.ingest.loading import PAUSE_ENV
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parent.parent
WAITING = "Waiting for another import/demo build to finish"


def hazards_file(tmp_path: Path, prefix: str) -> Path:
    """The 3-hazard GBK fixture with its ids renamed ``<prefix>1..3``: one file's rows are told apart."""
    text = (FIXTURES / "import" / "hazards_gbk.csv").read_bytes().decode("gbk")
    lines = text.splitlines()
    path = tmp_path / f"hazards_{prefix}.csv"
    path.write_bytes("\n".join([lines[0], *(prefix + line[1:] for line in lines[1:])]).encode("gbk") + b"\n")
    return path


def staff_file(tmp_path: Path) -> Path:
    """Two staff, ZS1 and ZS2: rows that need no other record, so they load on any warehouse."""
    path = tmp_path / "staff.csv"
    path.write_text("人员编号,姓名,所在单位,职务,注册安全工程师,在岗\nZS1,王一,第一中队,执法人员,是,是\n"
                    "ZS2,王二,第二中队,执法人员,否,是\n", encoding="utf-8")
    return path


def start(*args, env=None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gridwatch", *map(str, args)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})})


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def wait_for_line(proc: subprocess.Popen, text: str, seconds: float = 120) -> str:
    """Read the process's stderr until a line holds ``text``; fail if it ends or stays silent."""
    deadline = time.monotonic() + seconds
    seen = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            pytest.fail(f"ended without {text!r}; stderr: {''.join(seen)}")
        seen.append(line)
        if text in line:
            return "".join(seen)
    pytest.fail(f"no {text!r} within {seconds} s")


def contents(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "ids": sorted(r[0] for r in con.execute("select hazard_id from hazards").fetchall()),
            "imports": con.execute("select count(distinct import_id) from import_log").fetchone()[0],
            "enterprises": con.execute("select count(*) from enterprises").fetchone()[0],
            "staff": {r[0] for r in con.execute("select staff_id from staff").fetchall()},
            "meta": dict(con.execute("select key, value from meta").fetchall()),
        }
    finally:
        con.close()


def audit_events(tmp_path: Path) -> list[dict]:
    path = tmp_path / "audit.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_an_import_started_during_another_waits_and_both_land(tiny_db, tmp_path):
    """A real import holds the lock through its transaction (paused there); a second one waits for it."""
    tiny = contents(tiny_db)["ids"]
    first = start("import", hazards_file(tmp_path, "A"), "--db", tiny_db, "--lang", "en", env={PAUSE_ENV: "8"})
    try:
        wait_for_line(first, "paused inside the import transaction")
        second = start("import", hazards_file(tmp_path, "B"), "--db", tiny_db, "--lang", "en")
        told = wait_for_line(second, WAITING)
    finally:
        code_a, out_a, err_a = finish(first)
    code_b, out_b, err_b = finish(second)
    assert (code_a, code_b) == (0, 0), (err_a, err_b)
    assert "at most 600 s" in told
    assert "loaded 3 rows" in out_a and "loaded 3 rows" in out_b
    after = contents(tiny_db)
    assert after["ids"] == sorted([*tiny, "A1", "A2", "A3", "B1", "B2", "B3"])
    assert after["imports"] == 2
    imports = [e for e in audit_events(tmp_path) if e["event"] == "import"]
    assert [(e["files"], e["via"], e["loaded"]) for e in imports] == [(["hazards_A.csv"], "cli", 3),
                                                                      (["hazards_B.csv"], "cli", 3)]
    assert not warehouse.stale_copies(tiny_db)


def test_two_imports_and_a_demo_build_waiting_together_all_land_in_turn(tiny_db, tmp_path):
    """Real writers queue behind a held lock, then contend for it as it is released."""
    tiny = contents(tiny_db)["ids"]
    with warehouse.writer_lock(tiny_db):
        procs = [start("import", hazards_file(tmp_path, p), "--db", tiny_db, "--lang", "en") for p in "AB"]
        for proc in procs:
            wait_for_line(proc, WAITING)
    results = [finish(p) for p in procs]
    assert [r[0] for r in results] == [0, 0], results
    after = contents(tiny_db)
    assert after["ids"] == sorted([*tiny, "A1", "A2", "A3", "B1", "B2", "B3"])
    assert after["imports"] == 2


def test_an_import_and_a_demo_build_at_once_are_one_after_the_other(tiny_db, tmp_path):
    with warehouse.writer_lock(tiny_db):
        importer = start("import", staff_file(tmp_path), "--db", tiny_db, "--lang", "en")
        demo = start("demo", "--db", tiny_db, "--seed", "7", "--lang", "en")
        for proc in (importer, demo):
            wait_for_line(proc, WAITING)
    assert finish(importer)[0] == 0 and finish(demo)[0] == 0
    after = contents(tiny_db)
    order = [e.get("what", "import") for e in audit_events(tmp_path) if e["event"] == "import"]
    assert sorted(order) == ["demo build", "import"]
    # Either order is a serial history: the demo replaces everything, an import adds to what is there.
    # A lost write would be the import on the tiny county (5 enterprises) with the demo gone.
    assert after["meta"]["demo_seed"] == "7" and after["enterprises"] == 3000
    if order[-1] == "demo build":
        assert after["meta"]["is_demo"] == "true" and after["staff"] & {"ZS1", "ZS2"} == set()
    else:
        # The demo's 3,000 enterprises remain beside the two imported staff: still the demo.
        assert after["meta"]["is_demo"] == "true" and {"ZS1", "ZS2"} <= after["staff"]
        assert after["imports"] == 1


def test_a_writer_waits_at_most_its_timeout_then_is_refused_and_nothing_changes(tiny_db, tmp_path):
    before = hashlib.sha256(tiny_db.read_bytes()).hexdigest()
    with warehouse.writer_lock(tiny_db):
        started = time.monotonic()
        refused = start("import", hazards_file(tmp_path, "A"), "--db", tiny_db, "--lang", "en", "--wait", "1")
        code, _, err = finish(refused)
        demo = finish(start("demo", "--db", tiny_db, env={warehouse.TIMEOUT_ENV: "0.5"}))
        took = time.monotonic() - started
    assert code == 3
    lines = err.strip().splitlines()
    assert lines[0].startswith(WAITING) and "at most 1 s" in lines[0]
    assert lines[1].startswith("error: another import/demo build held the warehouse for more than 1 s; "
                               "nothing was written"), err
    assert demo[0] == 3 and "演示数据生成" in demo[2] and "没有写入任何数据" in demo[2], demo[2]
    assert took < 60
    assert hashlib.sha256(tiny_db.read_bytes()).hexdigest() == before
    refusals = [e for e in audit_events(tmp_path) if e["event"] == "import_refused"]
    assert [(e.get("files"), e.get("what"), e["reason"]) for e in refusals] == [
        (["hazards_A.csv"], None, "busy"), (None, "demo build", "busy")]


def test_a_bad_timeout_setting_is_one_clear_line(tiny_db, tmp_path):
    code, _, err = finish(start("import", hazards_file(tmp_path, "A"), "--db", tiny_db, "--lang", "en",
                                env={warehouse.TIMEOUT_ENV: "soon"}))
    assert code == 2 and err.strip() == ("error: GRIDWATCH_WRITE_TIMEOUT='soon' is not a number of seconds "
                                         "(0 or more)")
    code, _, err = finish(start("import", hazards_file(tmp_path, "A"), "--db", tiny_db,
                                env={warehouse.TIMEOUT_ENV: "soon"}))
    assert code == 2 and err.strip() == "error: GRIDWATCH_WRITE_TIMEOUT=“soon”不是秒数（应为 0 或更大的数）"
    code, _, err = finish(start("demo", "--db", tiny_db, "--wait", "-1"))
    assert code == 2 and "--wait" in err and "Traceback" not in err


def test_sessions_of_one_process_take_turns_too(tiny_db, tmp_path):
    """flock excludes two opens of the lock file in one process: two app sessions importing at once."""
    told = []
    holding = threading.Event()
    release = threading.Event()

    def hold():
        with warehouse.writer_lock(tiny_db):
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        holding.wait(30)
        with warehouse.waiting(lambda: told.append("waiting"), timeout=0.3), pytest.raises(warehouse.WriterBusy):
            import_files(tiny_db, [("a.csv", hazards_file(tmp_path, "A").read_bytes())])
        assert told == ["waiting"]
        threading.Timer(0.5, release.set).start()
        with warehouse.waiting(lambda: told.append("waiting again"), timeout=30):
            report = import_files(tiny_db, [("a.csv", hazards_file(tmp_path, "A").read_bytes())])
    finally:
        release.set()
        holder.join()
    assert told == ["waiting", "waiting again"] and report.loaded == 3
    assert {"A1", "A2", "A3"} <= set(contents(tiny_db)["ids"])


def test_no_wait_and_no_message_when_nobody_else_writes(tiny_db):
    told = []
    with warehouse.waiting(lambda: told.append("waiting"), timeout=0), warehouse.rewrite(tiny_db):
        pass
    assert told == []


def test_a_killed_writers_copy_is_removed_by_the_next_write_and_the_warehouse_is_unchanged(tiny_db, tmp_path):
    tiny = contents(tiny_db)["ids"]
    before_bytes = tiny_db.read_bytes()
    proc = start("import", hazards_file(tmp_path, "A"), "--db", tiny_db, env={PAUSE_ENV: "60"})
    try:
        wait_for_line(proc, "paused inside the import transaction")
        live = warehouse.stale_copies(tiny_db)
        assert live, "the import works on a copy"
        # While the writer lives its copy is not stale: a writer that cannot get the lock sweeps nothing.
        code, _, err = finish(start("import", hazards_file(tmp_path, "B"), "--db", tiny_db, "--wait", "0.2"))
        assert code == 3 and all(p.exists() for p in live), err
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert tiny_db.read_bytes() == before_bytes
    left = warehouse.stale_copies(tiny_db)
    assert left and all(p.exists() for p in live)
    # A spill directory of a killed writer and another warehouse's copy beside this one.
    spill = tiny_db.with_name(f".{tiny_db.name}.{'0' * 32}.tmp.tmp")
    spill.mkdir()
    (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"x" * 1000)
    other = tiny_db.with_name(f".other.duckdb.{'1' * 32}.tmp")
    other.write_bytes(b"another warehouse's writer")
    reader_con = warehouse.open_version(tiny_db, tiny_db.stat().st_ino, tiny_db.stat().st_mtime_ns)
    reader_link = next(tiny_db.parent.glob(f".{tiny_db.name}.*.ro.tmp"))

    code, out, err = finish(start("import", hazards_file(tmp_path, "B"), "--db", tiny_db, "--lang", "en"))
    assert code == 0, err
    assert warehouse.stale_copies(tiny_db) == [] and not spill.exists()
    assert other.exists(), "only this warehouse's copies are swept"
    assert reader_link.exists(), "a reader's version link is not a writer's copy"
    assert reader_con.execute("select count(*) from hazards").fetchone()[0] == len(tiny)
    reader_con.close()
    assert contents(tiny_db)["ids"] == sorted([*tiny, "B1", "B2", "B3"])


def test_stale_copies_names_only_writers_copies(tmp_path):
    db = tmp_path / "w.duckdb"
    names = [f".w.duckdb.{'a' * 32}.tmp", f".w.duckdb.{'b' * 32}.tmp.wal", f".w.duckdb.{'c' * 32}.tmp.tmp",
             ".w.duckdb.1234-5678.ro.tmp", ".w.duckdb.lock", f".x.duckdb.{'d' * 32}.tmp", "w.duckdb",
             f".w.duckdb.{'e' * 31}.tmp", f".w.duckdb.{'f' * 32}.tmp.bak"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in warehouse.stale_copies(db)] == names[:3]


def test_the_import_page_says_it_waits_then_imports_or_refuses(tiny_db, tmp_path, monkeypatch):
    from streamlit.delta_generator import DeltaGenerator

    from tests.test_app import start

    shown = []
    original = DeltaGenerator.info
    monkeypatch.setattr(DeltaGenerator, "info", lambda self, body, *a, **k: (shown.append(body),
                                                                            original(self, body, *a, **k))[1])
    monkeypatch.setenv(warehouse.TIMEOUT_ENV, "0.5")
    at = start(tiny_db, monkeypatch, "en").switch_page("pages/data_import.py").run()
    at.file_uploader(key="import_files").upload("hazards_A.csv", hazards_file(tmp_path, "A").read_bytes(), "text/csv")
    at.run()
    before = hashlib.sha256(tiny_db.read_bytes()).hexdigest()
    with warehouse.writer_lock(tiny_db):
        at.button(key="import_confirm").click().run()
    assert not at.exception
    assert [s for s in shown if WAITING in s] == ["⏳ Waiting for another import/demo build to finish… (at most 0.5 s)"]
    assert [e.value for e in at.error] == ["Another import/demo build held the warehouse for more than 0.5 s; "
                                           "nothing was written. Please try again later."]
    assert hashlib.sha256(tiny_db.read_bytes()).hexdigest() == before
    assert [(e["event"], e["files"], e["reason"]) for e in audit_events(tmp_path)] == [
        ("import_refused", ["hazards_A.csv"], "WriterBusy")]

    # Released within the wait: the import goes ahead and the note is gone.
    monkeypatch.setenv(warehouse.TIMEOUT_ENV, "30")
    shown.clear()
    holding = threading.Event()

    def hold():
        with warehouse.writer_lock(tiny_db):
            holding.set()
            deadline = time.monotonic() + 30
            while not shown and time.monotonic() < deadline:  # until the page says it waits
                time.sleep(0.05)

    at.file_uploader(key="import_files").set_value(("hazards_A.csv", hazards_file(tmp_path, "A").read_bytes(),
                                                     "text/csv"))
    at.run()
    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(30)
    at.button(key="import_confirm").click().run()
    holder.join()
    assert not at.exception and not at.error
    assert [s for s in shown if WAITING in s] == ["⏳ Waiting for another import/demo build to finish… (at most 30 s)"]
    assert not [i for i in at.info if WAITING in i.value]
    assert {"A1", "A2", "A3"} <= set(contents(tiny_db)["ids"])
    assert audit_events(tmp_path)[-1]["event"] == "import"
