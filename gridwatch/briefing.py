"""The weekly leadership brief (领导周报): one week's figures against last week's, in one place.

``compute`` builds a week's ``Brief`` (cards with last week beside them, twelve-week
trends, where-to-act lists); ``summary`` writes it in words; ``cards_table``,
``trends_table`` and ``where_tables`` lay it out as tables with localised headers. The home
page, the files and ``python -m gridwatch brief`` all go through these functions. Headline
figures come from ``metrics.headline``; the rest from the ``briefing_*`` queries.

This module knows nothing of files: ``brief_pdf``, ``brief_html`` and ``brief_xlsx`` write
the brief from what it gives (a test checks that it imports none of them, nor fpdf or openpyxl).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from gridwatch import display, formatting, i18n, metrics, queries, signals
from gridwatch.filters import Filters
from gridwatch.links import enterprise_url
from gridwatch.reader import Reader

TREND_WEEKS = 12
TOP_N = 10
WEEK_CHOICES = 104
_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)

# The brief's cards by section, rectification first: what leadership means by "rectified this
# week" is the flow (rectified in the week) and the on-time rate of the hazards due in it.
# How each is shown (unit, which direction is worse, how its change is written) is
# gridwatch.display's registry, the same on every page and export.
CARDS = (
    ("rectified_in_period", "rectification"),
    ("on_time_rate", "rectification"),
    ("due_in_period", "rectification"),
    ("overdue_open", "rectification"),
    ("overdue_major", "rectification"),
    ("inspections", "activity"),
    ("inspected_enterprises", "activity"),
    ("hazards_found", "activity"),
    ("major_hazards_found", "activity"),
    ("newly_listed", "enforcement"),
    ("cases_filed", "enforcement"),
    ("penalties", "enforcement"),
    ("tipoffs_received", "enforcement"),
    ("tipoffs_verified", "enforcement"),
    ("key_coverage_rate", "enforcement"),
)
SECTION_OF = dict(CARDS)
SECTIONS = ("rectification", "activity", "enforcement")
TREND_KEYS = ("inspections", "hazards_found", "major_hazards_found", "rectified_in_period", "overdue_open",
              "overdue_major")


@dataclass(frozen=True, order=True)
class Week:
    """An ISO week (Monday to Sunday)."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> "Week":
        """``2026-W47`` → Week(2026, 47); ValueError with a clear message otherwise."""
        m = _WEEK.match(str(text))
        if not m:
            raise ValueError(f"not an ISO week like 2026-W47: {text!r}")
        year, number = int(m.group(1)), int(m.group(2))
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            raise ValueError(f"{year} has no ISO week {number} (weeks run 1 to 52, or 53 in some years)") from None
        return cls(year, number)

    @classmethod
    def of(cls, day: date) -> "Week":
        """The ISO week holding ``day``."""
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def monday(self) -> date:
        """The week's first day."""
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        """The week's last day."""
        return self.monday + timedelta(days=6)

    @property
    def label(self) -> str:
        """``2026-W47``."""
        return f"{self.year}-W{self.number:02d}"

    def previous(self) -> "Week":
        """The week before."""
        return Week.of(self.monday - timedelta(days=7))

    def __str__(self) -> str:
        return self.label


def last_full_week(as_of: date) -> Week:
    """The last week whose Sunday is on or before ``as_of``."""
    return Week.of(as_of - timedelta(days=(as_of.weekday() + 1) % 7))


def week_choices(as_of: date, count: int = WEEK_CHOICES) -> list[Week]:
    """Weeks to offer, newest first: the week holding ``as_of`` and the ``count - 1`` before it."""
    newest = Week.of(as_of)
    return [Week.of(newest.monday - timedelta(days=7 * i)) for i in range(count)]


@dataclass(frozen=True)
class Scope:
    """Which enterprises the brief covers (empty = all): the global filters without a period."""

    towns: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()

    def params(self) -> dict:
        """The enterprise-filter query parameters."""
        return {"towns": list(self.towns), "departments": list(self.departments),
                "industries": list(self.industries)}

    def describe(self, lang: str) -> str:
        """The scope in words: 全县, or the towns, departments and industries chosen."""
        parts = []
        for kind, names in (("towns", self.towns), ("departments", self.departments),
                            ("industries", self.industries)):
            if names:
                parts.append(i18n.text(f"briefing.scope_{kind}", lang, names=i18n.join(names, lang)))
        return i18n.join(parts, lang, clauses=True) or i18n.text("briefing.whole_county", lang)


@dataclass(frozen=True)
class Source:
    """Where a brief's figures come from: a named-query runner and the headline function.

    ``source_for(con)`` reads a warehouse connection or a ``gridwatch.reader.Reader``;
    pages read the brief through ``ui.cached(briefing.compute_for, …)``. Either way the
    same queries and the same headline run.
    """

    query: Callable[[str, dict], pd.DataFrame]
    headline: Callable[[Filters], dict]


def source_for(con: duckdb.DuckDBPyConnection | Reader) -> Source:
    """A source reading a warehouse connection, or a reader (anything with ``cursor()``)."""
    return Source(query=lambda name, params: queries.run(con, name, params),
                  headline=lambda filters: metrics.headline(con, filters))


def compute_for(read: Reader, week: "Week", scope: "Scope", data_as_of: date) -> "Brief":
    """``compute`` reading through ``read``: how a page reads a brief (``ui.cached``)."""
    return compute(source_for(read), week, scope, data_as_of)


@dataclass(frozen=True)
class Brief:
    """A week's brief: its cards, trends and where-to-act lists.

    ``comparison`` holds the week's filters and last week's (``metrics.compare``); for a week
    not over at the data's as-of date both stop at that weekday (``unfinished``).
    """

    week: Week
    scope: Scope
    enterprises_in_scope: int
    data_as_of: date
    comparison: metrics.Comparison
    cards: tuple[display.Card, ...]
    rectified_date_unknown: int | None
    trends: pd.DataFrame = field(compare=False)
    top_towns: pd.DataFrame = field(compare=False)
    top_enterprises: pd.DataFrame = field(compare=False)
    majors: pd.DataFrame = field(compare=False)
    quality: tuple = field(default=(), compare=False)

    def card(self, key: str) -> display.Card:
        """The card of one figure."""
        return next(c for c in self.cards if c.key == key)

    @property
    def as_of(self) -> date:
        """The week's status date: its Sunday, or the data's as-of date if earlier."""
        return self.comparison.current.as_of

    @property
    def previous_as_of(self) -> date:
        """Last week's status date."""
        return self.comparison.baseline.as_of

    @property
    def unfinished(self) -> bool:
        """True for a week not over at the data's as-of date (compared with the same days of last week)."""
        return self.comparison.unfinished

    @property
    def previous_week(self) -> Week:
        """The week compared with."""
        return self.week.previous()

    def basis(self, lang: str) -> str:
        """What the week is compared with, in words: 上周 / 上周同期."""
        return i18n.text(f"briefing.basis.{self.comparison.basis}", lang)


def week_filters(week: Week, scope: Scope, data_as_of: date) -> Filters:
    """The headline filters of a week: Monday to Sunday, as of Sunday or the data's as-of date if earlier."""
    return Filters(start=week.monday, end=week.sunday, as_of=min(week.sunday, data_as_of),
                   towns=scope.towns, departments=scope.departments, industries=scope.industries)


def _figures(source: Source, f: Filters, recorded: dict[str, bool]) -> dict:
    extra = source.query("briefing_week_figures", f.params()).to_dict("records")[0]
    return {**source.headline(f), **metrics.blank_unrecorded({k: formatting.plain(v) for k, v in extra.items()},
                                                             recorded)}


def compute(source: Source, week: Week, scope: Scope, data_as_of: date) -> Brief:
    """The brief of ``week`` for ``scope``, compared with last week (its same days while unfinished)."""
    comparison = metrics.compare(week_filters(week, scope, data_as_of), "last_week")
    recorded = metrics.from_row(source.query("recorded_fields", {}).to_dict("records")[0])
    now = _figures(source, comparison.current, recorded)
    before = _figures(source, comparison.baseline, recorded)
    cards = tuple(display.card(key, now, before, recorded=recorded) for key, _ in CARDS)
    at = {"as_of": comparison.current.as_of, **scope.params()}
    trends = source.query("briefing_trends", {"end": week.sunday, "as_of": data_as_of,
                                              "weeks": TREND_WEEKS, **scope.params()})
    trends = trends.assign(week=[Week.of(d).label for d in pd.to_datetime(trends["week_start"]).dt.date])
    return Brief(
        week=week, scope=scope, enterprises_in_scope=now["enterprises_in_scope"], data_as_of=data_as_of,
        comparison=comparison, cards=cards, rectified_date_unknown=now["rectified_date_unknown"],
        trends=trends,
        top_towns=source.query("briefing_top_towns", {**at, "top_n": TOP_N}),
        top_enterprises=source.query("briefing_top_enterprises", {**at, "top_n": TOP_N}),
        majors=source.query("briefing_major_found", {**comparison.current.params()}),
        quality=signals.brief_moves(source.query, week.monday, week.sunday, comparison.current.as_of,
                                    scope.params()),
    )


def _change(brief: Brief, card: display.Card, lang: str) -> str:
    basis = brief.basis(lang)
    if card.difference is None:
        return i18n.text("briefing.summary.no_comparison", lang, basis=basis)
    if card.unchanged:
        return i18n.text("briefing.summary.same", lang, basis=basis)
    # The change in the language's own unit: 2.1 个百分点 / 2.1 pp for a rate, a count for the rest.
    n = display.change_text(card.key, abs(card.difference), lang).lstrip("+")
    up = card.difference > 0
    if card.spec.unit == display.RATE:
        return i18n.text(f"briefing.summary.rate_{'up' if up else 'down'}", lang, n=n, basis=basis)
    return i18n.text(f"briefing.summary.{'more' if up else 'fewer'}", lang, n=n, basis=basis)


def summary(brief: Brief, lang: str) -> list[str]:
    """The week in a few sentences, every number taken from a card, a change or a where-to-act list.

    It opens with what leadership means by "rectified this week": the hazards rectified in the
    week, whenever found, and the on-time rate of the hazards due in it.
    """
    c = brief.card
    say = lambda key, **kw: i18n.text(f"briefing.summary.{key}", lang, **kw)  # noqa: E731
    out = []
    flow, rate, due = c("rectified_in_period"), c("on_time_rate"), c("due_in_period")
    if flow.not_recorded:
        out.append(say("rectified_not_recorded"))
    else:
        out.append(say("rectified", rectified=flow.shown(lang), change=_change(brief, flow, lang)))
    if rate.not_recorded:
        out.append(say("on_time_not_recorded"))
    elif rate.value is None:
        out.append(say("none_due"))
    else:
        out.append(say("on_time", due=due.shown(lang), rate=rate.shown(lang), rate_change=_change(brief, rate, lang)))
    if brief.rectified_date_unknown:
        out.append(say("left_out", n=formatting.count(brief.rectified_date_unknown)))
    out.append(say("activity", inspections=c("inspections").shown(lang),
                   enterprises=c("inspected_enterprises").shown(lang), found=c("hazards_found").shown(lang),
                   major=c("major_hazards_found").shown(lang),
                   major_change=_change(brief, c("major_hazards_found"), lang)))
    if not c("overdue_open").not_recorded:
        out.append(say("overdue", overdue=c("overdue_open").shown(lang),
                       overdue_change=_change(brief, c("overdue_open"), lang),
                       overdue_major=c("overdue_major").shown(lang)))
    towns = brief.top_towns.dropna(subset=["town"])
    if not towns.empty:
        out.append(say("worst_town", town=towns.iloc[0]["town"], count=formatting.count(towns.iloc[0]["overdue_open"])))
    if not brief.top_enterprises.empty:
        top = brief.top_enterprises.iloc[0]
        out.append(say("worst_enterprise", name=top["name"], count=formatting.count(top["open_major"])))
    out.append(say("enforcement", listed=c("newly_listed").shown(lang), cases=c("cases_filed").shown(lang),
                   tipoffs=c("tipoffs_received").shown(lang)))
    key = c("key_coverage_rate")
    if key.value is not None:
        out.append(say("key_coverage", rate=key.shown(lang), rate_change=_change(brief, key, lang)))
    return out + _quality_line(brief, lang)


def _quality_line(brief: Brief, lang: str) -> list[str]:
    """The one short line on supervision-quality signals above their usual range this week, if any."""
    line = signals.brief_line(brief.quality, lang)
    return [line] if line else []


def summary_text(brief: Brief, lang: str) -> str:
    """The summary as one paragraph."""
    return ("" if lang == "zh" else " ").join(summary(brief, lang))


def caption(brief: Brief, lang: str) -> str:
    """Which days the brief covers, its status date and what it is compared with."""
    now, before = brief.comparison.current, brief.comparison.baseline
    key = "briefing.caption_unfinished" if brief.unfinished else "briefing.caption"
    return i18n.text(key, lang, week=brief.week.label, start=now.start, end=now.end, as_of=now.as_of,
                     prev=brief.previous_week.label, prev_start=before.start, prev_end=before.end)


def header_lines(brief: Brief, lang: str) -> list[str]:
    """What every export carries: title, week, scope, status and data-as-of dates."""
    say = lambda key, **kw: i18n.text(f"briefing.{key}", lang, **kw)  # noqa: E731
    return [
        f"{say('title')} {brief.week.label}" + (say("unfinished_mark") if brief.unfinished else ""),
        caption(brief, lang),
        say("scope", scope=brief.scope.describe(lang)),
        say("data_as_of", date=brief.data_as_of.isoformat()) + "    "
        + say("generated", time=datetime.now().strftime("%Y-%m-%d %H:%M")),
    ]


def column_title(key: str, lang: str) -> str:
    """A table column's header in ``lang`` (``briefing.col.<key>``): how the writers find a column too."""
    return i18n.text(f"briefing.col.{key}", lang)


def cards_table(brief: Brief, lang: str, numeric: bool = False) -> pd.DataFrame:
    """The cards as a table: figure, this week, last week, change (the registry's texts).

    ``numeric`` gives numbers for a spreadsheet instead of text (rates as fractions, their change
    in percentage points); a figure not recorded stays the words 未记录 / not recorded, never a number.
    """
    say = lambda key: i18n.text(f"briefing.{key}", lang)  # noqa: E731
    last = i18n.text(f"briefing.basis_column.{brief.comparison.basis}", lang)
    if numeric:
        def number(card, value, missing):
            if missing:
                return i18n.text("metrics.not_recorded.value", lang)
            return formatting.plain(value)

        def change(card):
            d = card.difference
            if d is None:
                return None
            # A rate's change is in percentage points, as the page writes it.
            return round(d * 100, 1) if card.spec.unit == display.RATE else d

        return pd.DataFrame({
            say("figure"): [c.label(lang) for c in brief.cards],
            say("this_week"): [number(c, c.value, c.missing) for c in brief.cards],
            last: [number(c, c.previous, c.previous_missing) for c in brief.cards],
            say("change_numeric"): [change(c) for c in brief.cards],
        })
    return pd.DataFrame({
        say("figure"): [c.label(lang) for c in brief.cards],
        say("this_week"): [c.shown(lang) for c in brief.cards],
        last: [c.previous_shown(lang) for c in brief.cards],
        say("change"): [c.delta(lang) or formatting.DASH for c in brief.cards],
    })


def trends_table(brief: Brief, lang: str) -> pd.DataFrame:
    """The twelve weeks' figures, one row a week, with localised headers: dates, counts and the rate as values."""
    frame = brief.trends
    out = pd.DataFrame({column_title("week", lang): frame["week"],
                        column_title("week_start", lang): [as_date(v) for v in frame["week_start"]],
                        column_title("week_end", lang): [as_date(v) for v in frame["week_end"]]})
    for key in TREND_KEYS:
        out[i18n.text(f"briefing.trend.{key}", lang)] = frame[key].astype(int)
    out[column_title("due_in_period", lang)] = frame["due_in_period"].astype(int)
    out[column_title("on_time_rate", lang)] = pd.Series([formatting.plain(v) for v in frame["on_time_rate"]],
                                                        dtype=object)
    return out


def as_date(value) -> date | None:
    """A date from a date, timestamp or ISO text; None for a missing value."""
    return None if formatting.is_missing(value) or pd.isna(value) else pd.Timestamp(value).date()


def _dates(series: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else pd.Timestamp(v).date().isoformat() for v in series]


def where_tables(brief: Brief, lang: str, links: bool = True) -> dict[str, pd.DataFrame]:
    """The three where-to-act lists with localised headers and values, each enterprise with its register link."""
    towns = pd.DataFrame({
        column_title("town", lang): brief.top_towns["town"].fillna(formatting.DASH),
        column_title("overdue_open", lang): brief.top_towns["overdue_open"].astype(int),
        column_title("overdue_major", lang): brief.top_towns["overdue_major"].astype(int),
        column_title("max_days_overdue", lang): brief.top_towns["max_days_overdue"].astype(int),
    })
    ents = brief.top_enterprises
    # The counts come right after the name, so they stay in view on a narrow screen.
    enterprises = pd.DataFrame({
        column_title("name", lang): ents["name"],
        column_title("open_major", lang): ents["open_major"].astype(int),
        column_title("overdue_of_open_major", lang): ents["overdue_major"].astype(int),
        column_title("earliest_deadline", lang): _dates(ents["earliest_deadline"]),
        column_title("town", lang): ents["town"],
        column_title("risk_level", lang): [i18n.label("risk_level", v, lang) for v in ents["risk_level"]],
    })
    m = brief.majors
    majors = pd.DataFrame({
        column_title("found_date", lang): _dates(m["found_date"]),
        column_title("name", lang): m["name"],
        column_title("town", lang): m["town"],
        column_title("category", lang): m["category"],
        column_title("description", lang): m["description"],
        column_title("deadline", lang): _dates(m["deadline"]),
        column_title("status", lang): [i18n.label("hazard_status", v, lang) for v in m["status"]],
    })
    if links:
        enterprises.insert(len(enterprises.columns), column_title("register", lang),
                           [enterprise_url(e, lang) for e in ents["enterprise_id"]])
        majors.insert(2, column_title("register", lang), [enterprise_url(e, lang) for e in m["enterprise_id"]])
    return {"top_towns": towns, "top_enterprises": enterprises, "majors_found": majors}


WHERE_COUNTS = ("overdue_open", "overdue_major", "max_days_overdue", "open_major", "overdue_of_open_major")
WHERE_EMPTY = {"top_towns": "no_overdue", "top_enterprises": "no_open_major", "majors_found": "no_majors_found"}


def file_name(brief: Brief, extension: str) -> str:
    """``brief-2026-W47[-town].pdf``."""
    town = f"-{brief.scope.towns[0]}" if len(brief.scope.towns) == 1 else ""
    return f"brief-{brief.week.label}{town}.{extension}"


def week_option(week: Week, data_as_of: date, lang: str) -> str:
    """How a week is offered in the week choice (with its dates; the unfinished week marked)."""
    if week.sunday > data_as_of:
        return i18n.text("briefing.week_partial", lang, label=week.label, start=week.monday)
    return i18n.text("briefing.week_option", lang, label=week.label, start=week.monday, end=week.sunday)
