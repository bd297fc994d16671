"""Screenshot gridwatch pages in headless Chromium, as a person would see them.

    .venv/bin/python tools/screenshot.py http://127.0.0.1:8601/coverage out.png [--width 1440] [--height 1800]

Waits until Streamlit reports the script finished and no skeleton remains, then
saves a full-page PNG. Uses Debian's /usr/bin/chromium; never downloads a browser.
Requests to any host other than 127.0.0.1/localhost are blocked and listed.
"""

import argparse
import sys
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from harness.browser import CHROMIUM, CHROMIUM_ARGS, ERRORS, wait_drawn  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("out")
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--height", type=int, default=1800)
    args = parser.parse_args()
    outside = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": args.width, "height": args.height}, locale="zh-CN")

        def guard(route):
            host = urlparse(route.request.url).hostname or ""
            if host in ("127.0.0.1", "localhost", "::1") or route.request.url.startswith(("data:", "blob:")):
                return route.continue_()
            outside.append(route.request.url)
            return route.abort()

        page.route("**/*", guard)
        page.goto(args.url)
        wait_drawn(page)
        page.screenshot(path=args.out, full_page=True)
        errors = page.locator(ERRORS).count()
        browser.close()
    print(f"saved {args.out}; error elements: {errors}; blocked outside requests: {len(outside)}")
    for url in outside[:10]:
        print("  blocked:", url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
