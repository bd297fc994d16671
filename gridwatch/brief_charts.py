"""The trend panels the PDF and the HTML brief both draw: each figure's title, weekly values and scale."""

import math

from gridwatch import briefing, i18n


def _nice_max(value: float) -> int:
    if value <= 0:
        return 1
    magnitude = 10 ** int(math.floor(math.log10(value)))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(math.ceil(step * magnitude))
    return int(math.ceil(value))


def panels(brief: briefing.Brief, lang: str) -> list[tuple[str, list[int], int]]:
    """One panel per key of ``briefing.TREND_KEYS``: its title, the weeks' values and a round top of scale."""
    return [(i18n.text(f"briefing.trend.{key}", lang), [int(v) for v in brief.trends[key]],
             _nice_max(max(int(v) for v in brief.trends[key]) if len(brief.trends) else 0))
            for key in briefing.TREND_KEYS]


def short_week(label: str) -> str:
    """A week's label under a panel's axis: ``2026-W47`` → ``W47``."""
    return label.split("-", 1)[1]
