"""Downloads in a real browser: no file is at any ``/media`` URL until a click asks for it, and the
click is what writes the ``export`` record. The hazards page always built its files on click; the
explore page used to hand Streamlit finished bytes, which sat at their URL from the first run."""

import json
from urllib.parse import urlparse

from harness.browser import wait_drawn
from harness.serving import serve


def exports(log) -> list[dict]:
    if not log.exists():
        return []
    return [e for e in map(json.loads, log.read_text(encoding="utf-8").splitlines()) if e["event"] == "export"]


def test_a_file_is_built_served_and_recorded_only_on_a_click(demo_db, page, tmp_path):
    log = tmp_path / "audit.jsonl"
    media = []
    page.on("request", lambda request: media.append(request.url)
            if urlparse(request.url).path.startswith("/media/") else None)
    with serve(demo_db, env={"GRIDWATCH_AUDIT": str(log)}) as (url, _):
        for number, key in enumerate(["hazards", "explore"], start=1):
            page.goto(f"{url}/{key}?lang=en")
            wait_drawn(page)
            buttons = page.locator('[data-testid="stDownloadButton"] button')
            assert buttons.count() >= 2, key
            if key == "hazards":
                # A table's own toolbar offers no CSV download, which would bypass the role and the log.
                table = page.locator('[data-testid="stDataFrame"]').first
                table.hover()
                page.wait_for_selector('[data-testid="stElementToolbar"]', state="attached", timeout=10000)
                toolbar = page.locator('[data-testid="stElementToolbar"]').first
                labels = [b.get_attribute("aria-label") or "" for b in toolbar.locator("button").all()]
                assert labels and not [x for x in labels if "ownload" in x], labels
            page.wait_for_timeout(1500)
            assert len(media) == number - 1, f"{key}: nothing fetched from /media before a click: {media}"
            assert len(exports(log)) == number - 1, key

            with page.expect_download(timeout=60000) as caught:
                buttons.first.click()
            download = caught.value
            with open(download.path(), "rb") as f:
                body = f.read()
            page.wait_for_timeout(500)
            assert len(media) == number and body, key
            event = exports(log)[-1]
            assert len(exports(log)) == number
            assert (event["file"], event["bytes"], event["page"]) == (download.suggested_filename, len(body), key)
        assert page.outside_requests == []
