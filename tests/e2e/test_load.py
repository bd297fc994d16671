"""The load test's harness still drives every main page: a tiny run, checked for completeness, never timed."""

import asyncio

from bench import load


def test_two_sessions_visit_every_main_page_without_error(chromium_path, demo_db):
    with load.serve(demo_db) as (url, proc):
        result = asyncio.run(load.run(url, proc.pid, sessions=2, rounds=1, think_s=0))
    assert result["errors"] == []
    assert len(result["burst"]) == 2
    assert sorted(page for page, _ in result["times"]) == sorted(load.MAIN_PAGES * 2)
    kinds = {kind for kind, _, _ in result["drawn"]}
    assert "open" in kinds
    assert len(result["memory"]) == 2 and result["peak"] > 0
