"""Debian's Chromium, and how to tell that a Streamlit page is fully drawn in it (tests, bench and tools/)."""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
DRAWN = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def wait_drawn(page, timeout_ms: int = 60000) -> None:
    """Wait until the page's title is drawn, the script run has finished and no skeleton remains.

    The title comes first: right after connecting, the app reports "not running"
    before its first run has even started.
    """
    page.wait_for_selector("h1", timeout=timeout_ms)
    page.wait_for_selector(DRAWN, timeout=timeout_ms)
    page.wait_for_function('!document.querySelector(\'[data-testid="stSkeleton"]\')', timeout=timeout_ms)
    page.wait_for_timeout(500)
