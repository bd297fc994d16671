"""The weekly leadership brief (领导周报): one week's figures against last week's, in one place.

``compute`` builds a week's ``Brief`` (cards with last week beside them, twelve-week
trends, where-to-act lists); ``summary`` writes it in words; ``to_pdf``, ``to_html``
and ``to_xlsx`` export it. The home page, the exports and ``python -m gridwatch brief``
all go through these functions. Headline figures come from ``metrics.headline``;
the rest from the ``briefing_*`` queries.
"""

import html
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd
from fpdf.fonts import FontFace

from gridwatch import display, exports, formatting, i18n, links, metrics, pdf, queries, signals
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

COLOURS = {display.BETTER: (21, 128, 61), display.WORSE: (200, 30, 30), display.NEUTRAL: (90, 90, 90)}


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


def _col(key: str, lang: str) -> str:
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
    out = pd.DataFrame({_col("week", lang): frame["week"],
                        _col("week_start", lang): [_day(v) for v in frame["week_start"]],
                        _col("week_end", lang): [_day(v) for v in frame["week_end"]]})
    for key in TREND_KEYS:
        out[i18n.text(f"briefing.trend.{key}", lang)] = frame[key].astype(int)
    out[_col("due_in_period", lang)] = frame["due_in_period"].astype(int)
    out[_col("on_time_rate", lang)] = pd.Series([formatting.plain(v) for v in frame["on_time_rate"]], dtype=object)
    return out


def _day(value) -> date | None:
    return None if formatting.is_missing(value) or pd.isna(value) else pd.Timestamp(value).date()


def _dates(series: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else pd.Timestamp(v).date().isoformat() for v in series]


def where_tables(brief: Brief, lang: str, links: bool = True) -> dict[str, pd.DataFrame]:
    """The three where-to-act lists with localised headers and values, each enterprise with its register link."""
    towns = pd.DataFrame({
        _col("town", lang): brief.top_towns["town"].fillna(formatting.DASH),
        _col("overdue_open", lang): brief.top_towns["overdue_open"].astype(int),
        _col("overdue_major", lang): brief.top_towns["overdue_major"].astype(int),
        _col("max_days_overdue", lang): brief.top_towns["max_days_overdue"].astype(int),
    })
    ents = brief.top_enterprises
    # The counts come right after the name, so they stay in view on a narrow screen.
    enterprises = pd.DataFrame({
        _col("name", lang): ents["name"],
        _col("open_major", lang): ents["open_major"].astype(int),
        _col("overdue_of_open_major", lang): ents["overdue_major"].astype(int),
        _col("earliest_deadline", lang): _dates(ents["earliest_deadline"]),
        _col("town", lang): ents["town"],
        _col("risk_level", lang): [i18n.label("risk_level", v, lang) for v in ents["risk_level"]],
    })
    m = brief.majors
    majors = pd.DataFrame({
        _col("found_date", lang): _dates(m["found_date"]),
        _col("name", lang): m["name"],
        _col("town", lang): m["town"],
        _col("category", lang): m["category"],
        _col("description", lang): m["description"],
        _col("deadline", lang): _dates(m["deadline"]),
        _col("status", lang): [i18n.label("hazard_status", v, lang) for v in m["status"]],
    })
    if links:
        enterprises.insert(len(enterprises.columns), _col("register", lang),
                           [enterprise_url(e, lang) for e in ents["enterprise_id"]])
        majors.insert(2, _col("register", lang), [enterprise_url(e, lang) for e in m["enterprise_id"]])
    return {"top_towns": towns, "top_enterprises": enterprises, "majors_found": majors}


WHERE_COUNTS = ("overdue_open", "overdue_major", "max_days_overdue", "open_major", "overdue_of_open_major")
WHERE_EMPTY = {"top_towns": "no_overdue", "top_enterprises": "no_open_major", "majors_found": "no_majors_found"}


def file_name(brief: Brief, extension: str) -> str:
    """``brief-2026-W47[-town].pdf``."""
    town = f"-{brief.scope.towns[0]}" if len(brief.scope.towns) == 1 else ""
    return f"brief-{brief.week.label}{town}.{extension}"


XLSX_DATE = "yyyy-mm-dd"
XLSX_RATE = "0.0%"
XLSX_COUNT = "#,##0"
XLSX_DECIMAL = "#,##0.0"
XLSX_COUNT_CHANGE = "+#,##0;-#,##0;0"
XLSX_DECIMAL_CHANGE = "+#,##0.0;-#,##0.0;0.0"
XLSX_HEADER_ROW = 6
_DATE_COLUMNS = ("week_start", "week_end", "earliest_deadline", "found_date", "deadline")
_WRAP_WIDTH = 48


def _points_format(lang: str) -> str:
    unit = i18n.text("briefing.export.points_unit", lang)
    return f'+0.0"{unit}";-0.0"{unit}";0.0"{unit}"'


def _text_width(value) -> int:
    """How many character widths ``value`` takes in a cell (a Chinese character counts two)."""
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        text = f"{value:,.1f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = "" if value is None else str(value)
    return max((sum(2 if ord(ch) > 0x2E7F else 1 for ch in line) for line in text.splitlines()), default=0)


def _write_sheet(wb, name: str, frame: pd.DataFrame, lines: list[str], lang: str,
                 formats: dict[str, str] | None = None, link_text: str = "", base_url: str | None = None,
                 table: bool = True):
    """One sheet: the brief's header lines, then ``frame`` as a table with a frozen, filtered header row.

    Columns named in ``_DATE_COLUMNS`` hold Excel dates, ``formats`` gives other columns' number
    formats, and the register column holds an absolute hyperlink showing ``link_text``. ``table``:
    False for running text (no filter on it).
    """
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(name)
    for i, line in enumerate(lines, start=1):
        ws.cell(row=i, column=1, value=exports.neutralise(line)).font = Font(bold=i == 1, size=14 if i == 1 else 10)
    dates = {_col(k, lang) for k in _DATE_COLUMNS}
    register = _col("register", lang)
    formats = formats or {}
    widths = []
    for j, column in enumerate(frame.columns, start=1):
        head = ws.cell(row=XLSX_HEADER_ROW, column=j, value=exports.neutralise(str(column)))
        head.font = Font(bold=True)
        head.fill = PatternFill("solid", fgColor="E6E6E6")
        head.alignment = Alignment(wrap_text=True, vertical="top")
        width = min(_text_width(column), 20)
        for i, value in enumerate(frame[column], start=XLSX_HEADER_ROW + 1):
            value = formatting.plain(value)
            cell = ws.cell(row=i, column=j)
            if column == register and value:
                cell.value, cell.hyperlink, cell.style = link_text, links.absolute(value, base_url), "Hyperlink"
            elif column in dates and value:
                cell.value, cell.number_format = _day(value) if isinstance(value, str | date) else value, XLSX_DATE
            elif isinstance(value, int | float) and not isinstance(value, bool):
                cell.value = value
                cell.number_format = formats.get(column, XLSX_COUNT if isinstance(value, int) else XLSX_DECIMAL)
            else:
                cell.value = exports.neutralise(value)
            width = max(width, _text_width(cell.value if column != register else link_text))
        widths.append(width)
    for j, width in enumerate(widths, start=1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = min(max(width, 6), _WRAP_WIDTH) + 2
        if width > _WRAP_WIDTH:
            for (cell,) in ws.iter_rows(min_row=XLSX_HEADER_ROW + 1, min_col=j, max_col=j):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    last_row = XLSX_HEADER_ROW + max(len(frame), 1)
    ws.freeze_panes = ws.cell(row=XLSX_HEADER_ROW + 1, column=1)
    if table and len(frame.columns):
        ws.auto_filter.ref = f"A{XLSX_HEADER_ROW}:{get_column_letter(len(frame.columns))}{last_row}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{XLSX_HEADER_ROW}:{XLSX_HEADER_ROW}"
    return ws


def to_xlsx(brief: Brief, lang: str, base_url: str | None = None) -> bytes:
    """The brief as an Excel workbook: summary, cards, trends and the where-to-act lists.

    Every sheet opens with the title, week, scope and data-as-of lines; tables have set column
    widths, a frozen and filtered header row and print on A4 landscape. Dates are Excel dates,
    rates are numbers shown as percentages, a rate's change is in percentage points, and register
    links are absolute against ``base_url`` (default ``links.base_url()``).
    """
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    say = lambda key: i18n.text(f"briefing.export.{key}", lang)  # noqa: E731
    lines = header_lines(brief, lang)
    where = where_tables(brief, lang)
    wb = Workbook()
    wb.remove(wb.active)
    summary_sheet = _write_sheet(wb, say("sheet_summary"), pd.DataFrame(
        {i18n.text("briefing.section.summary", lang): summary(brief, lang)}), lines, lang, table=False)
    summary_sheet.column_dimensions["A"].width = 100
    for (cell,) in summary_sheet.iter_rows(min_row=XLSX_HEADER_ROW + 1, max_col=1):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    cards = _write_sheet(wb, say("sheet_cards"), cards_table(brief, lang, numeric=True), lines, lang)
    for i, card in enumerate(brief.cards, start=XLSX_HEADER_ROW + 1):
        unit = card.spec.unit
        value_format = {display.RATE: XLSX_RATE, display.DAYS: XLSX_DECIMAL}.get(unit, XLSX_COUNT)
        change_format = {display.RATE: _points_format(lang), display.DAYS: XLSX_DECIMAL_CHANGE}.get(
            unit, XLSX_COUNT_CHANGE)
        for column, number_format in ((2, value_format), (3, value_format), (4, change_format)):
            cell = cards.cell(row=i, column=column)
            if isinstance(cell.value, int | float):
                cell.number_format = number_format
    _write_sheet(wb, say("sheet_trends"), trends_table(brief, lang), lines, lang,
                 formats={_col("on_time_rate", lang): XLSX_RATE})
    for key, sheet in (("top_towns", "sheet_towns"), ("top_enterprises", "sheet_enterprises"),
                       ("majors_found", "sheet_majors")):
        _write_sheet(wb, say(sheet), where[key], lines, lang, link_text=i18n.text("briefing.where.open", lang),
                     base_url=base_url)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _nice_max(value: float) -> int:
    if value <= 0:
        return 1
    magnitude = 10 ** int(math.floor(math.log10(value)))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(math.ceil(step * magnitude))
    return int(math.ceil(value))


def _panels(brief: Brief, lang: str) -> list[tuple[str, list[int], int]]:
    return [(i18n.text(f"briefing.trend.{key}", lang), [int(v) for v in brief.trends[key]],
             _nice_max(max(int(v) for v in brief.trends[key]) if len(brief.trends) else 0))
            for key in TREND_KEYS]


def _short(label: str) -> str:
    return label.split("-", 1)[1]


@dataclass(frozen=True)
class _Layout:
    """Sizes of the PDF brief (mm, pt): standard, and tighter for a last page that would be nearly empty."""

    summary_line: float = 6
    card_line: float = 5.5
    trend_height: float = 36
    table_font: int = 8
    table_line: float = 5


STANDARD = _Layout()
# The PDF's trend panels per row: the six of the brief fit one row of A4.
PDF_PANELS_PER_ROW = 6
COMPACT = _Layout(summary_line=5.2, card_line=4.6, trend_height=30, table_font=7, table_line=4.2)
# A last page filled less than this is "nearly empty": the brief is set again with COMPACT and
# the tighter version kept if it needs fewer pages.
NEAR_EMPTY = 0.25
# A list's title stays with its header row and this many rows (or the whole list when shorter).
KEEP_ROWS = 3


def _draw_trends(doc: pdf.Document, brief: Brief, lang: str, layout: _Layout) -> None:
    """The trend panels across the page (the six in one row; more wrap into even rows), caption below."""
    gap, height = 2.4, layout.trend_height
    grid = display.rows(_panels(brief, lang), PDF_PANELS_PER_ROW)
    cols = len(grid[0]) if grid else 1
    width = (doc.epw - gap * (cols - 1)) / cols
    if doc.get_y() + len(grid) * (height + gap) > doc.page_break_trigger:
        doc.add_page()
    top = doc.get_y()
    weeks = list(brief.trends["week"])
    placed = [(r, c, panel) for r, row in enumerate(grid) for c, panel in enumerate(row)]
    for r, c, (title, values, ymax) in placed:
        x0 = doc.l_margin + c * (width + gap)
        y0 = top + r * (height + gap)
        doc.set_draw_color(200, 200, 200)
        doc.rect(x0, y0, width, height)
        doc.set_font("cjk", size=7)
        doc.set_xy(x0 + 0.8, y0 + 0.5)
        doc.cell(width - 1.6, 4, title)
        left, right, ptop, pbottom = x0 + 7, x0 + width - 2, y0 + 7, y0 + height - 5
        doc.set_font("cjk", size=5.5)
        doc.set_text_color(110, 110, 110)
        for frac in (0, 0.5, 1):
            y = pbottom - frac * (pbottom - ptop)
            doc.line(left, y, right, y)
            doc.set_xy(x0 + 0.3, y - 2)
            doc.cell(6.2, 4, f"{ymax * frac:g}", align="R")
        if weeks:
            doc.set_xy(left - 2, pbottom + 0.3)
            doc.cell(10, 3.5, _short(weeks[0]))
            doc.set_xy(right - 8, pbottom + 0.3)
            doc.cell(10, 3.5, _short(weeks[-1]), align="R")
        doc.set_text_color(0, 0, 0)
        step = (right - left) / max(len(values) - 1, 1)
        points = [(left + j * step, pbottom - v / ymax * (pbottom - ptop)) for j, v in enumerate(values)]
        doc.set_draw_color(37, 99, 235)
        doc.set_line_width(0.4)
        if len(points) > 1:
            doc.polyline(points)
        doc.set_fill_color(37, 99, 235)
        for x, y in points:
            doc.circle(x, y, 0.5, style="F")
        doc.set_line_width(0.2)
    doc.set_draw_color(0, 0, 0)
    doc.set_fill_color(255, 255, 255)
    doc.set_xy(doc.l_margin, top + len(grid) * (height + gap) - gap + 1.5)
    doc.set_font("cjk", size=7)
    doc.set_text_color(110, 110, 110)
    doc.multi_cell(0, 3.6, i18n.text("briefing.trend.caption", lang), new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(0, 0, 0)


def _cards_pdf(doc: pdf.Document, brief: Brief, lang: str, layout: _Layout) -> None:
    doc.set_font("cjk", size=9)
    say = lambda key: i18n.text(f"briefing.{key}", lang)  # noqa: E731
    headings = FontFace(emphasis=None, fill_color=(230, 230, 230))
    with doc.table(col_widths=(70, 36, 36, 38), headings_style=headings, line_height=layout.card_line,
                   text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")) as table:
        table.row([say("figure"), say("this_week"), i18n.text(f"briefing.basis_column.{brief.comparison.basis}", lang),
                   say("change")])
        for card in brief.cards:
            row = table.row()
            row.cell(card.label(lang))
            row.cell(card.shown(lang))
            row.cell(card.previous_shown(lang))
            row.cell(card.delta(lang) or formatting.DASH, style=FontFace(color=COLOURS[card.judgement]))
    doc.ln(2)


def _room(doc: pdf.Document) -> float:
    return doc.page_break_trigger - doc.get_y()


def _pdf(brief: Brief, lang: str, layout: _Layout) -> pdf.Document:
    lines = header_lines(brief, lang)
    doc = pdf.Document(lines[0], subtitle_lines=lines[1:],
                       footer_text=i18n.text("briefing.export.footer", lang, week=brief.week.label))
    say = lambda key: i18n.text(f"briefing.{key}", lang)  # noqa: E731
    doc.heading(say("section.summary"))
    doc.set_font("cjk", size=10)
    doc.multi_cell(0, layout.summary_line, summary_text(brief, lang), align="L", new_x="LMARGIN", new_y="NEXT")
    doc.heading(say("section.figures"))
    _cards_pdf(doc, brief, lang, layout)
    # The heading, the panels and their caption stay together.
    if _room(doc) < 10 + layout.trend_height + 12:
        doc.add_page()
    doc.heading(say("section.trends"))
    _draw_trends(doc, brief, lang, layout)
    # The where-to-act lists start a page rather than split across two when a page holds them all.
    with doc.offset_rendering() as trial:
        first = trial.page
        trial.add_page()
        _where(trial, brief, lang, layout)
        fits_a_page = trial.page == first + 1
    with doc.offset_rendering() as trial:
        _where(trial, brief, lang, layout)
    if trial.page_break_triggered and fits_a_page:
        doc.add_page()
    _where(doc, brief, lang, layout)
    return doc


def _where(doc: pdf.Document, brief: Brief, lang: str, layout: _Layout) -> None:
    """The where-to-act section: its heading and three lists, each list's title kept with its first rows."""
    say = lambda key: i18n.text(f"briefing.{key}", lang)  # noqa: E731
    widths = {"top_towns": (60, 40, 40, 40), "top_enterprises": (52, 26, 22, 26, 22, 32),
              "majors_found": (20, 38, 18, 24, 44, 20, 16)}
    row = layout.table_line * 2  # a row whose text wraps onto a second line
    for i, (key, frame) in enumerate(where_tables(brief, lang, links=False).items()):
        needed = 7 + row * (1 + min(len(frame), KEEP_ROWS)) + (10 if i == 0 else 0)
        if _room(doc) < needed:
            doc.add_page()
        if i == 0:
            doc.heading(say("section.where"))
        doc.set_font("cjk", size=11)
        doc.multi_cell(0, 7, say(f"where.{key}"), new_x="LMARGIN", new_y="NEXT")
        doc.frame_table(frame, col_widths=widths[key], font_size=layout.table_font, line_height=layout.table_line,
                        empty_text=say(f"where.{WHERE_EMPTY[key]}"))


def last_page_fill(doc: pdf.Document) -> float:
    """How much of the last page's writing area ``doc`` has used so far (0 to 1)."""
    return (doc.get_y() - doc.t_margin) / (doc.page_break_trigger - doc.t_margin)


def to_pdf(brief: Brief, lang: str) -> bytes:
    """The brief as a printable A4 PDF: summary, cards, trend charts and where-to-act lists.

    Set with the standard sizes; when that leaves a nearly empty last page, set again a little
    tighter and kept if it saves the page.
    """
    doc = _pdf(brief, lang, STANDARD)
    if doc.page > 1 and last_page_fill(doc) < NEAR_EMPTY:
        tighter = _pdf(brief, lang, COMPACT)
        if tighter.page < doc.page:
            doc = tighter
    return doc.to_bytes()


_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;
margin:24px auto;max-width:900px;color:#111}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;border-bottom:1px solid #ccc;padding-bottom:3px;margin-top:22px}
h3{font-size:14px;margin:14px 0 6px}.meta{color:#555;font-size:12px;margin:2px 0}
table{border-collapse:collapse;width:100%;font-size:12px}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left}
th{background:#eee}td.num{text-align:right}.better{color:#15803d}.worse{color:#c81e1e}.neutral{color:#555}
.charts{display:grid;gap:8px}
.charts svg{border:1px solid #ddd;width:100%;height:auto}
@media print{body{margin:0}}
"""


def _svg_panel(title: str, values: list[int], ymax: int, weeks: list[str]) -> str:
    w, h, left, right, top, bottom = 280, 170, 36, 270, 28, 145
    step = (right - left) / max(len(values) - 1, 1)
    pts = [(left + j * step, bottom - v / ymax * (bottom - top)) for j, v in enumerate(values)]
    levels = [(f, bottom - f * (bottom - top)) for f in (0, 0.5, 1)]
    grid = "".join(
        f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#ddd"/>'
        f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" fill="#666">{ymax * f:g}</text>'
        for f, y in levels)
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#2563eb"><title>{html.escape(wk)}: {v}</title>'
                   f"</circle>" for (x, y), v, wk in zip(pts, values, weeks, strict=True))
    xlabels = ""
    if weeks:
        xlabels = (f'<text x="{left}" y="{bottom + 16}" font-size="10" fill="#666">'
                   f"{html.escape(_short(weeks[0]))}</text>"
                   f'<text x="{right}" y="{bottom + 16}" font-size="10" text-anchor="end" fill="#666">'
                   f"{html.escape(_short(weeks[-1]))}</text>")
    return (f'<svg viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg" role="img" '
            f'aria-label="{html.escape(title)}">'
            f'<text x="8" y="17" font-size="13">{html.escape(title)}</text>{grid}'
            f'<polyline points="{line}" fill="none" stroke="#2563eb" stroke-width="2"/>{dots}{xlabels}</svg>')


def _html_table(frame: pd.DataFrame, link_column: str | None = None, link_text: str = "",
                classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    last = len(frame.columns) - 1
    for i, values in enumerate(frame.itertuples(index=False)):
        cells = []
        for j, (column, value) in enumerate(zip(frame.columns, values, strict=True)):
            text = "" if formatting.is_missing(value) else str(value)
            if column == link_column:
                cells.append(f'<td><a href="{html.escape(text)}">{html.escape(link_text or text)}</a></td>')
                continue
            numeric = isinstance(value, int | float) or re.fullmatch(r"[+-]?[\d,.]+( pp| 个百分点|%)?", text)
            cls = " ".join(c for c in ("num" if numeric else "", classes[i] if classes and j == last else "") if c)
            cells.append(f'<td class="{cls}">{html.escape(text)}</td>' if cls else f"<td>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def to_html(brief: Brief, lang: str, base_url: str | None = None) -> str:
    """The brief as one self-contained HTML page (no external files); every data value escaped.

    Register links are absolute against ``base_url`` (default ``links.base_url()``), so they
    work from a file opened anywhere.
    """
    say = lambda key, **kw: i18n.text(f"briefing.{key}", lang, **kw)  # noqa: E731
    lines = header_lines(brief, lang)
    weeks = list(brief.trends["week"])
    panels = _panels(brief, lang)
    charts = "".join(_svg_panel(title, values, ymax, weeks) for title, values, ymax in panels)
    columns = len(display.rows(panels, display.PANELS_PER_ROW)[0])
    parts = [
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        f"<title>{html.escape(lines[0])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(lines[0])}</h1>",
        *(f'<p class="meta">{html.escape(line)}</p>' for line in lines[1:]),
        f"<h2>{html.escape(say('section.summary'))}</h2><p>{html.escape(summary_text(brief, lang))}</p>",
        f"<h2>{html.escape(say('section.figures'))}</h2>",
        _html_table(cards_table(brief, lang), classes=[c.judgement for c in brief.cards]),
        f"<h2>{html.escape(say('section.trends'))}</h2><div class=\"charts\" "
        f'style="grid-template-columns:repeat({columns},1fr)">{charts}</div>',
        f'<p class="meta">{html.escape(say("trend.caption"))}</p>',
        f"<h2>{html.escape(say('section.where'))}</h2>",
    ]
    register = _col("register", lang)
    for key, frame in where_tables(brief, lang).items():
        parts.append(f"<h3>{html.escape(say(f'where.{key}'))}</h3>")
        if frame.empty:
            parts.append(f"<p>{html.escape(say(f'where.{WHERE_EMPTY[key]}'))}</p>")
            continue
        if register in frame.columns:
            frame = frame.assign(**{register: [links.absolute(u, base_url) for u in frame[register]]})
        parts.append(_html_table(frame, link_column=register if register in frame.columns else None,
                                 link_text=say("where.open")))
    parts.append("</body></html>")
    return "\n".join(parts)


def week_option(week: Week, data_as_of: date, lang: str) -> str:
    """How a week is offered in the week choice (with its dates; the unfinished week marked)."""
    if week.sunday > data_as_of:
        return i18n.text("briefing.week_partial", lang, label=week.label, start=week.monday)
    return i18n.text("briefing.week_option", lang, label=week.label, start=week.monday, end=week.sunday)
