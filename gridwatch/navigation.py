"""The pages of the app, their sections and icons: one list that app.py and the tests share."""

from dataclasses import dataclass

from gridwatch.paths import ROOT

# With sign-in on (gridwatch/auth.py), the roles that may open a page; app.py routes
# anyone else to a refusal. Leadership, office and staff read the analysis pages.
READERS = ("leadership", "office", "staff")
# Signals on the quality of supervision compare named people: leadership and the office
# read them, staff never see their peers' (docs/signals.md).
OVERSIGHT = ("leadership", "office")


@dataclass(frozen=True)
class PageSpec:
    """A page: its key (also its URL path and UI-string key), section, script and icon."""

    key: str
    section: str
    icon: str
    default: bool = False
    roles: tuple[str, ...] = READERS

    @property
    def script(self) -> str:
        """The page script, relative to the repository root."""
        return f"pages/{self.key}.py"

    @property
    def path(self):
        """The page script's absolute path."""
        return ROOT / self.script


PAGES = (
    PageSpec("briefing", "leadership", "📰", default=True),
    PageSpec("overview", "leadership", "📊"),
    PageSpec("quality", "leadership", "🧭", roles=OVERSIGHT),
    PageSpec("coverage", "office", "🗺️"),
    PageSpec("hazards", "staff", "⚠️"),
    PageSpec("enterprise", "staff", "🏭"),
    PageSpec("rectification", "staff", "🔁"),
    PageSpec("plan", "staff", "📋"),
    PageSpec("performance", "staff", "🏅"),
    PageSpec("explore", "staff", "🔎"),
    PageSpec("data_import", "data", "📥", roles=("clerk",)),
    PageSpec("admin", "data", "🔐", roles=("admin",)),
    # Last, so that each role still lands on its own first page (the clerk on import, the admin on users).
    PageSpec("data_quality", "data", "🩺", roles=("clerk", "office", "admin")),
)
SECTIONS = ("leadership", "office", "staff", "data")
