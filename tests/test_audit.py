"""Every way data enters or leaves is in the audit log: command-line imports, demo builds and the
files the CLI writes, and page downloads, which exist (and are recorded) only once clicked."""

import getpass
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gridwatch import audit, cli
from gridwatch.columns import HEADERS
from gridwatch.navigation import PAGES
from tests.conftest import FIXTURES

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def events(tmp_path: Path) -> list[dict]:
    path = tmp_path / "audit.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def without_ts(event: dict) -> dict:
    return {k: v for k, v in event.items() if k != "ts"}


def test_cli_import_is_recorded_with_the_os_account(tiny_db, tmp_path):
    good = FIXTURES / "import" / "hazards_gbk.csv"
    assert cli.main(["import", str(good), "--db", str(tiny_db), "--dry-run"]) == 0
    assert events(tmp_path) == [], "a dry run writes nothing and records nothing"
    assert cli.main(["import", str(good), "--db", str(tiny_db)]) == 0
    [event] = events(tmp_path)
    import_id = event.pop("import_id")
    report = tiny_db.parent / "exports" / "import-reports" / f"{import_id}.csv"  # warnings (if any) go here
    assert without_ts(event) == {"event": "import", "user": getpass.getuser(), "via": "cli",
                                 "files": ["hazards_gbk.csv"], "db": str(tiny_db), "loaded": 3, "rejected": 0,
                                 "replace": False, "report": str(report) if report.exists() else ""}


def test_cli_import_with_rejections_names_its_report(tiny_db, tmp_path):
    report = tmp_path / "problems.csv"
    assert cli.main(["import", str(FIXTURES / "bad" / "orphans.csv"), "--db", str(tiny_db),
                     "--report", str(report)]) == 1
    [event] = events(tmp_path)
    assert (event["event"], event["report"]) == ("import", str(report))
    assert event["rejected"] > 0


def test_demo_build_and_its_export_are_recorded(tmp_path):
    db, out = tmp_path / "demo.duckdb", tmp_path / "csv"
    assert cli.main(["demo", "--db", str(db), "--export", str(out)]) == 0
    built, exported = events(tmp_path)
    assert without_ts(built) == {"event": "import", "user": getpass.getuser(), "via": "cli", "what": "demo build",
                                 "db": str(db), "scale": 1, "seed": "default", "rows": built["rows"]}
    assert built["rows"] == 3000 + 264 + 59 + 21_360 + 17_211 + 508 + 303 + 29_721  # the counts the demo prints
    assert without_ts(exported) == {"event": "export", "user": getpass.getuser(), "via": "cli", "kind": "tables",
                                    "what": "demo --export", "file": str(out),
                                    "files": [f"{t}.csv" for t in HEADERS]}
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.csv" for t in HEADERS)


def test_brief_files_and_printed_figures_are_recorded(tiny_db, tmp_path, capsys):
    out = tmp_path / "brief.html"
    assert cli.main(["brief", "--db", str(tiny_db), "--out", str(out)]) == 0
    assert cli.main(["metrics", "--db", str(tiny_db), "--start", "2026-01-01", "--end", "2026-03-31",
                     "--town", "乙镇"]) == 0
    capsys.readouterr()
    assert cli.main(["score", "--db", str(tiny_db), "--quarter", "2026Q1"]) == 0
    scored = json.loads(capsys.readouterr().out)
    brief, metrics, score = events(tmp_path)
    assert {k: brief[k] for k in ("event", "via", "kind", "file", "bytes")} == {
        "event": "export", "via": "cli", "kind": "report", "file": str(out), "bytes": out.stat().st_size}
    assert brief["what"].startswith("brief 2026-W") and brief["what"].endswith(" all (zh)")
    assert (metrics["event"], metrics["what"], metrics["file"]) == (
        "export", "metrics 2026-01-01..2026-03-31 towns 乙镇", "-")
    assert (score["event"], score["what"], score["file"]) == ("export", "score 2026Q1", "-")
    assert score["rows"] == len(scored) > 0


def test_an_unwritable_audit_log_is_one_clear_line(tiny_db, tmp_path, monkeypatch, capsys):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the log's folder should be", encoding="utf-8")
    monkeypatch.setenv("GRIDWATCH_AUDIT", str(blocked / "audit.jsonl"))
    assert cli.main(["import", str(FIXTURES / "import" / "hazards_gbk.csv"), "--db", str(tiny_db)]) == 2
    err = capsys.readouterr().err
    # The import's own warnings (grouped, one line each) come first; the failure is the last line.
    assert err.splitlines()[-1].startswith("error: cannot write the audit log") and "Traceback" not in err


BUILT = []


def download_script():
    from gridwatch import ui
    from tests import test_audit

    def build():
        test_audit.BUILT.append("lazy.csv")
        return b"a,b\n1,2\n"

    ui.download_button("lazy", build, kind="report", what="lazy report", file_name="lazy.csv", mime="text/csv")
    ui.download_button("eager", "text, given as it is", kind="report", what="eager text", file_name="eager.txt")


def test_a_download_exists_only_once_clicked_and_is_recorded_then(tmp_path, deferred_downloads):
    BUILT.clear()
    at = AppTest.from_function(download_script, default_timeout=60).run()
    at.run()
    assert not at.exception
    buttons = at.get("download_button")
    assert [b.label for b in buttons] == ["lazy", "eager"]
    for button in buttons:
        assert button.proto.url == "" and button.proto.deferred_file_id, "no file at any URL before the click"
        assert button.proto.ignore_rerun, "a click does not rerun the page"
    assert BUILT == [] and events(tmp_path) == [], "nothing built or recorded on two runs"

    assert deferred_downloads["lazy.csv"]() == b"a,b\n1,2\n"
    assert deferred_downloads["eager.txt"]() == b"text, given as it is"
    assert BUILT == ["lazy.csv"]
    assert [without_ts(e) for e in events(tmp_path)] == [
        {"event": "export", "user": "", "kind": "report", "what": "lazy report", "file": "lazy.csv", "bytes": 8},
        {"event": "export", "user": "", "kind": "report", "what": "eager text", "file": "eager.txt", "bytes": 20},
    ]


PAGES_WITH_DOWNLOADS = {"coverage", "hazards", "rectification", "briefing", "explore", "enterprise", "performance",
                        "quality", "plan"}


@pytest.mark.parametrize("page", [p.key for p in PAGES])
def test_no_page_serves_a_file_before_a_click(tiny_db, tmp_path, monkeypatch, deferred_downloads, page):
    monkeypatch.setenv("GRIDWATCH_DB", str(tiny_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "en"
    at.query_params["enterprise"] = "E1"  # the register shows one enterprise, chosen by the URL
    at.run()
    deferred_downloads.clear()  # the first run draws the default page
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    buttons = at.get("download_button")
    assert bool(buttons) == (page in PAGES_WITH_DOWNLOADS), [b.label for b in buttons]
    assert all(b.proto.url == "" and b.proto.deferred_file_id for b in buttons)
    assert [e for e in events(tmp_path) if e["event"] == "export"] == []
    for name, build in deferred_downloads.items():
        data = build()
        assert data, name
        recorded = events(tmp_path)[-1]
        assert (recorded["event"], recorded["file"], recorded["bytes"], recorded["page"]) == (
            "export", name, len(data), page)
    assert len([e for e in events(tmp_path) if e["event"] == "export"]) == len(deferred_downloads)


def test_event_names_are_known():
    with pytest.raises(ValueError):
        audit.record("imported")
    assert {"import", "import_refused", "export"} <= set(audit.EVENTS)
