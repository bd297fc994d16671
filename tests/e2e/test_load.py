"""The load driver (harness.load) still visits every main page: a tiny run, checked for completeness, never timed."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from harness import load
from harness.serving import serve


def test_two_sessions_visit_every_main_page_without_error(chromium_path, demo_db):
    with serve(demo_db) as (url, proc):
        # A thread of its own: the other browser tests' sync Playwright keeps an event loop running here.
        with ThreadPoolExecutor(1) as pool:
            result = pool.submit(asyncio.run, load.run(url, proc.pid, sessions=2, rounds=1, think_s=0)).result()
    assert result["errors"] == []
    assert len(result["burst"]) == 2
    assert sorted(page for page, _ in result["times"]) == sorted(load.MAIN_PAGES * 2)
    kinds = {kind for kind, _, _ in result["drawn"]}
    assert "open" in kinds
    assert len(result["memory"]) == 2 and result["peak"] > 0
