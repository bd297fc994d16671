"""The question builder (数据探索): datasets, their column allow-list, and SQL built from a view.

A *view* is everything a person chose — dataset, filters, up to two group-by
dimensions, one measure, a chart — and lives in the page URL (``to_query_params``
/ ``from_query_params``), so a bookmarked or sent link reopens the same answer.

Every dataset is a named query ``queries/explore_<dataset>.sql`` restricted to
``scoped_enterprises($towns, $departments, $industries)`` where it has an
enterprise. ``build`` wraps it: identifiers come only from ``DATASETS`` (checked
against the allow-list, then quoted), function names only from ``DATE_PARTS`` and
``MEASURES``, and every value a person typed travels as a named parameter.
The rates average the per-hazard flags the schema macro ``hazard_status`` gives (the
definitions behind ``queries/headline_metrics.sql``): no rule is written here.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

import duckdb
import pandas as pd

from gridwatch import formatting, i18n, labelling, links, queries, warehouse
from gridwatch.reader import Reader

ID, CODE, TEXT, NUMBER, DATE, BOOL = "id", "code", "text", "number", "date", "bool"


@dataclass(frozen=True)
class Column:
    """A column a person may filter, group or measure: its kind and, for codes, the label kind."""

    kind: str
    labels: str | None = None


def _cols(**kinds) -> dict[str, Column]:
    return {name: value if isinstance(value, Column) else Column(value) for name, value in kinds.items()}


ENTERPRISE = _cols(enterprise_id=ID, enterprise_name=TEXT, industry=CODE, town=CODE, department=CODE,
                   squadron=CODE, risk_level=Column(CODE, "risk_level"))

DATASETS: dict[str, dict[str, Column]] = {
    "hazards": {
        "hazard_id": Column(ID), **ENTERPRISE,
        **_cols(found_date=DATE, hazard_level=Column(CODE, "hazard_level"), category=CODE, item=CODE,
                description=TEXT, deadline=DATE, rectified_date=DATE, verified_date=DATE,
                hazard_status=Column(CODE, "hazard_status"), is_rectified=BOOL, rectified_date_unknown=BOOL,
                is_overdue=BOOL, on_time=BOOL, days_overdue=NUMBER, funds_amount=NUMBER),
    },
    "enterprises": {
        **ENTERPRISE,
        **_cols(credit_code=ID, village=CODE, grid_id=CODE, status=Column(CODE, "status"), employees=NUMBER,
                major_hazard_source=BOOL, listed_since=DATE),
    },
    "inspections": {
        **_cols(inspection_id=ID, inspection_date=DATE, inspection_type=Column(CODE, "inspection_type"),
                campaign=CODE, checklist=CODE, outcome=CODE, score=NUMBER, lead_staff_id=CODE),
        **ENTERPRISE,
    },
    "cases": {
        "case_id": Column(ID), **ENTERPRISE,
        **_cols(hazard_id=ID, filed_date=DATE, interview_date=DATE, decided_date=DATE,
                measure=Column(CODE, "measure"), penalty_amount=NUMBER, collective_review=BOOL),
    },
    "tipoffs": _cols(tipoff_id=ID, received_date=DATE, closed_date=DATE, town=CODE, enterprise_id=ID,
                     enterprise_name=TEXT, industry=CODE, tipoff_verified=BOOL, reward_amount=NUMBER),
    "staff": _cols(staff_id=ID, staff_name=TEXT, unit=CODE, role=CODE, certified=BOOL, active=BOOL),
    "worklogs": _cols(staff_id=CODE, staff_name=TEXT, unit=CODE, log_date=DATE, morning_plan=BOOL,
                      evening_review=BOOL),
}

# A date dimension: the SQL (of an already quoted identifier) giving a sortable text label.
DATE_PARTS = {
    "week": "strftime(date_trunc('week', {c}), '%Y-%m-%d')",
    "month": "strftime({c}, '%Y-%m')",
    "quarter": "year({c})::varchar || '-Q' || quarter({c})::varchar",
    "year": "year({c})::varchar",
}

# Measures over a column: name → (column kinds allowed, SQL template).
MEASURES = {
    "nunique": ((ID, CODE, TEXT), "count(distinct {c})"),
    "sum": ((NUMBER,), "sum({c})"),
    "mean": ((NUMBER, BOOL), "avg({c}::double)"),
}
# The rates, hazards only, each as numerator and denominator over the per-hazard flags of the
# schema macro hazard_status, so they equal metrics.headline for the same rows: the
# rectification rate over rows found in the period (filter found_date), the on-time rate over
# rows due in it (filter deadline; on_time is null until a hazard is due). Every cell, total
# and chart value is its own numerator over its own denominator: rates are never added up or
# averaged.
RATE_PARTS = {
    "rectification_rate": ("count(*) filter (where is_rectified)", "count(*)"),
    "on_time_rate": ("count(*) filter (where on_time)", "count(on_time)"),
}
# Whole-row measures: name → (the only dataset it applies to, SQL).
ROW_MEASURES = {
    "count": (None, "count(*)"),
    **{name: ("hazards", f"({num}) / nullif({den}, 0)") for name, (num, den) in RATE_PARTS.items()},
}
RATE_MEASURES = ("rectification_rate", "on_time_rate")
# Text columns worth grouping by (one row per enterprise or person); other ids and texts are not.
GROUPABLE_NAMES = ("enterprise_name", "staff_name")
# Datasets restricted to the filters' scope (the others have no enterprise).
SCOPED_DATASETS = ("hazards", "enterprises", "inspections", "cases", "tipoffs")
# "crosstab": the first dimension down, the second across, with totals; "rows": the filtered
# records themselves, a page at a time.
CHARTS = ("bar", "line", "heatmap", "crosstab", "table", "rows")
# A dimension naming an enterprise carries its id, so two enterprises of the same name stay
# apart and each links to its register.
LINKED_DIMENSIONS = {"enterprise_name": "enterprise_id"}
# The order the rows mode lists each dataset in (fixed SQL: newest first, then the id).
ROW_ORDER = {
    "hazards": '"found_date" desc, "hazard_id"',
    "enterprises": '"enterprise_id"',
    "inspections": '"inspection_date" desc, "inspection_id"',
    "cases": '"filed_date" desc, "case_id"',
    "tipoffs": '"received_date" desc, "tipoff_id"',
    "staff": '"staff_id"',
    "worklogs": '"log_date" desc, "staff_id"',
}
ROWS_PAGE = 100
MAX_GROUPS = 5000
MAX_OPTIONS = 2000


class ViewError(ValueError):
    """A view that cannot be built; ``key`` names the UI message, ``detail`` what was wrong."""

    def __init__(self, key: str, detail: str = ""):
        super().__init__(f"{key}: {detail}")
        self.key = key
        self.detail = detail


@dataclass(frozen=True)
class View:
    """What a person asked: dataset, filters, groups, measure, chart (and the as-of date for hazards)."""

    dataset: str = "hazards"
    codes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    ranges: tuple[tuple[str, str, str], ...] = ()
    texts: tuple[tuple[str, str], ...] = ()
    group1: str = ""
    group2: str = ""
    measure: str = "count"
    chart: str = "bar"
    as_of: date | None = None

    def to_query_params(self) -> dict[str, str | list[str]]:
        """The view as URL query parameters (``?ds=hazards&f.town=甲镇&g1=found_date:month&m=count``)."""
        out: dict[str, str | list[str]] = {"ds": self.dataset}
        if self.as_of and self.dataset == "hazards":
            out["as_of"] = self.as_of.isoformat()
        for column, values in self.codes:
            out[f"f.{column}"] = list(values)
        for column, low, high in self.ranges:
            out[f"r.{column}"] = f"{low}~{high}"
        for column, needle in self.texts:
            out[f"q.{column}"] = needle
        if self.group1:
            out["g1"] = self.group1
        if self.group2:
            out["g2"] = self.group2
        out["m"] = self.measure
        out["chart"] = self.chart
        return out


def from_query_params(pairs: dict[str, list[str]]) -> View:
    """The view named by URL query parameters (each key → its list of values).

    Unknown datasets, columns or measures raise ViewError, so the page can say
    what in the link was wrong.
    """
    def one(key, default=""):
        values = pairs.get(key) or []
        return values[-1] if values else default

    dataset = one("ds", "hazards")
    if dataset not in DATASETS:
        raise ViewError("unknown_dataset", dataset)
    columns = DATASETS[dataset]
    codes, ranges, texts = [], [], []
    for key, values in pairs.items():
        prefix, _, column = key.partition(".")
        if prefix not in ("f", "r", "q") or not column:
            continue
        if column not in columns:
            raise ViewError("unknown_column", column)
        if prefix == "f":
            codes.append((column, tuple(values)))
        elif prefix == "r":
            low, _, high = (values[-1] if values else "").partition("~")
            ranges.append((column, low.strip(), high.strip()))
        elif values and values[-1]:
            texts.append((column, values[-1]))
    as_of = None
    if one("as_of"):
        try:
            as_of = date.fromisoformat(one("as_of"))
        except ValueError:
            raise ViewError("bad_value", one("as_of")) from None
    view = View(dataset=dataset, codes=tuple(codes), ranges=tuple(ranges), texts=tuple(texts),
                group1=one("g1"), group2=one("g2"), measure=one("m", "count"),
                chart=one("chart", "bar"), as_of=as_of)
    validate(view)
    return view


def dimensions(dataset: str) -> list[str]:
    """The group-by choices of a dataset: codes, booleans, names, and each date by week/month/quarter/year."""
    out = []
    for name, column in DATASETS[dataset].items():
        if column.kind in (CODE, BOOL) or name in GROUPABLE_NAMES:
            out.append(name)
        elif column.kind == DATE:
            out.extend(f"{name}:{part}" for part in DATE_PARTS)
    return out


def measures(dataset: str) -> list[str]:
    """The measures of a dataset: ``count``, the rates (hazards), ``nunique.<col>``, ``sum.<col>``, ``mean.<col>``."""
    out = [name for name, (only, _) in ROW_MEASURES.items() if only in (None, dataset)]
    for name, column in DATASETS[dataset].items():
        for measure, (kinds, _) in MEASURES.items():
            if column.kind in kinds:
                out.append(f"{measure}.{name}")
    return out


def validate(view: View) -> None:
    """Raise ViewError unless every name in the view is on the allow-list."""
    if view.dataset not in DATASETS:
        raise ViewError("unknown_dataset", view.dataset)
    if view.group1 and view.group1 not in dimensions(view.dataset):
        raise ViewError("unknown_column", view.group1)
    if view.group2 and view.group2 not in dimensions(view.dataset):
        raise ViewError("unknown_column", view.group2)
    if view.group2 and not view.group1:
        raise ViewError("group2_without_group1", view.group2)
    if view.measure not in measures(view.dataset):
        raise ViewError("unknown_measure", view.measure)
    if view.chart not in CHARTS:
        raise ViewError("unknown_chart", view.chart)
    columns = DATASETS[view.dataset]
    for column, *_ in (*view.codes, *view.ranges, *view.texts):
        if column not in columns:
            raise ViewError("unknown_column", column)


def _quoted(dataset: str, name: str) -> str:
    if name not in DATASETS[dataset]:
        raise ViewError("unknown_column", name)
    return f'"{name}"'


def _dimension_sql(dataset: str, dimension: str) -> str:
    name, _, part = dimension.partition(":")
    column = _quoted(dataset, name)
    return DATE_PARTS[part].format(c=column) if part else column


def _measure_sql(dataset: str, measure: str) -> str:
    if measure in ROW_MEASURES:
        return ROW_MEASURES[measure][1]
    kind, _, name = measure.partition(".")
    return MEASURES[kind][1].format(c=_quoted(dataset, name))


def parse_bound(column: Column, text: str):
    """A range bound from its URL text: a date or a number (None when empty)."""
    if text == "":
        return None
    try:
        if column.kind == DATE:
            return date.fromisoformat(text)
        return float(text)
    except ValueError:
        raise ViewError("bad_value", text) from None


def bound_text(value) -> str:
    """A range bound as URL text (inverse of ``parse_bound``)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return f"{value:g}"


def _code_value(column: Column, value: str):
    if column.kind == BOOL:
        if value not in ("true", "false"):
            raise ViewError("bad_value", value)
        return value == "true"
    return value


def _filtered(view: View, base_params: dict) -> tuple[queries.Query, dict, list[str]]:
    """The dataset's query, its bound parameters and the view's filter conditions (SQL)."""
    validate(view)
    columns = DATASETS[view.dataset]
    query = queries.get(f"explore_{view.dataset}")
    given = dict(base_params)
    if view.as_of:
        given["as_of"] = view.as_of
    params = queries.bind(query, given)
    conditions = []
    for i, (name, values) in enumerate(view.codes):
        column = columns[name]
        params[f"f{i}"] = [_code_value(column, v) for v in values]
        conditions.append(f"list_contains($f{i}, {_quoted(view.dataset, name)})")
    for i, (name, low, high) in enumerate(view.ranges):
        column = columns[name]
        if column.kind not in (NUMBER, DATE):
            raise ViewError("bad_filter", name)
        for side, text, op in (("lo", low, ">="), ("hi", high, "<=")):
            value = parse_bound(column, text)
            if value is not None:
                params[f"r{i}{side}"] = value
                conditions.append(f"{_quoted(view.dataset, name)} {op} $r{i}{side}")
    for i, (name, needle) in enumerate(view.texts):
        params[f"q{i}"] = needle
        conditions.append(f"contains(lower({_quoted(view.dataset, name)}::varchar), lower($q{i}))")
    return query, params, conditions


def build(view: View, base_params: dict, totals: bool = False) -> tuple[str, dict]:
    """The SQL and named parameters answering ``view`` over the scope in ``base_params``.

    ``base_params`` holds ``$towns $departments $industries`` (and ``$as_of``,
    replaced by the view's own as-of date when it has one). Columns: ``g1[, g1_id][, g2[, g2_id]]``,
    ``value`` and, for a rate, ``numerator`` and ``denominator``. With ``totals`` the groups
    come with their margins (grouping sets), flagged ``t1``/``t2`` = 1 on a total row, each
    computed by the measure itself (a distinct count or a rate is not a sum of its parts).
    """
    query, params, conditions = _filtered(view, base_params)
    columns = DATASETS[view.dataset]
    groups = [g for g in (view.group1, view.group2) if g]
    select, keys = [], []
    for k, dimension in enumerate(groups, start=1):
        select.append(f"{_dimension_sql(view.dataset, dimension)} as g{k}")
        key = [f"g{k}"]
        linked = LINKED_DIMENSIONS.get(dimension)
        if linked and linked in columns:
            select.append(f"{_quoted(view.dataset, linked)} as g{k}_id")
            key.append(f"g{k}_id")
        keys.append(key)
    select.append(f"{_measure_sql(view.dataset, view.measure)} as value")
    if view.measure in RATE_PARTS:
        numerator, denominator = RATE_PARTS[view.measure]
        select += [f"{numerator} as numerator", f"{denominator} as denominator"]
    group_by = ""
    if groups and totals:
        sets = [keys[0] + (keys[1] if len(keys) > 1 else [])]
        if len(keys) > 1:
            sets += [keys[0], keys[1]]
        sets.append([])
        group_by = "\n    group by grouping sets (" + ", ".join("(" + ", ".join(s) + ")" for s in sets) + ")"
        select += [f"grouping(g{k}) as t{k}" for k in range(1, len(groups) + 1)]
    elif groups:
        group_by = "\n    group by all"
    where = "\n    where " + "\n      and ".join(conditions) if conditions else ""
    # Margins first, so that a result cut at MAX_GROUPS keeps its totals.
    margins = [f"t{k} desc" for k in range(1, len(groups) + 1)] if groups and totals else []
    order = ", ".join(margins + [f"g{k} nulls last" for k in range(1, len(groups) + 1)]) or "value"
    body = query.sql.rstrip().rstrip(";")
    sql = (
        f"with base as (\n{body}\n),\n\nfinal as (\n    select\n        "
        + ",\n        ".join(select)
        + f"\n    from base{where}{group_by}\n)\n\nselect *\nfrom final\norder by {order}\nlimit {MAX_GROUPS + 1}"
    )
    return sql, params


def run(con: duckdb.DuckDBPyConnection | Reader, view: View, base_params: dict, totals: bool = False) -> pd.DataFrame:
    """The answer to ``view`` (columns as ``build`` says); at most MAX_GROUPS + 1 rows (more means cut)."""
    sql, params = build(view, base_params, totals)
    cur = con.cursor()
    try:
        return cur.execute(sql, params).df()
    finally:
        cur.close()


def build_rows(view: View, base_params: dict, limit: int, offset: int = 0) -> tuple[str, dict]:
    """The SQL listing the records of ``view``'s dataset that pass its filters, in ``ROW_ORDER``,
    ``limit`` from ``offset``, each with ``total_rows`` (how many pass in all)."""
    query, params, conditions = _filtered(view, base_params)
    params["row_limit"], params["row_offset"] = int(limit), int(offset)
    where = "\n    where " + "\n      and ".join(conditions) if conditions else ""
    body = query.sql.rstrip().rstrip(";")
    sql = (f"with base as (\n{body}\n),\n\nfinal as (\n    select\n        *,\n        count(*) over () as total_rows"
           f"\n    from base{where}\n)\n\nselect *\nfrom final\norder by {ROW_ORDER[view.dataset]}"
           "\nlimit $row_limit offset $row_offset")
    return sql, params


def run_rows(con: duckdb.DuckDBPyConnection | Reader, view: View, base_params: dict, limit: int,
             offset: int = 0) -> tuple[pd.DataFrame, int]:
    """One page of the records of ``view`` (``build_rows``) and how many records pass its filters."""
    sql, params = build_rows(view, base_params, limit, offset)
    cur = con.cursor()
    try:
        frame = cur.execute(sql, params).df()
    finally:
        cur.close()
    total = int(frame["total_rows"].iloc[0]) if len(frame) else 0
    if not len(frame) and offset:
        total = run_rows(con, view, base_params, 1, 0)[1]
    return frame.drop(columns="total_rows"), total


def options(con: duckdb.DuckDBPyConnection | Reader, dataset: str, column: str, base_params: dict) -> list:
    """The distinct values of a code column in a dataset, for a filter's multiselect."""
    quoted = _quoted(dataset, column)
    query = queries.get(f"explore_{dataset}")
    sql = (f"with base as (\n{query.sql.rstrip()}\n)\nselect distinct {quoted} as v from base "
           f"where {quoted} is not null order by 1 limit {MAX_OPTIONS}")
    cur = con.cursor()
    try:
        return [row[0] for row in cur.execute(sql, queries.bind(query, base_params)).fetchall()]
    finally:
        cur.close()


# Warehouse columns whose description lives under another name in locales/explore.toml [col].
SCHEMA_COLUMN_KEYS = {
    ("enterprises", "name"): "enterprise_name",
    ("grids", "level"): "grid_level",
    ("grids", "name"): "grid_name",
    ("staff", "name"): "staff_name",
    ("inspections", "date"): "inspection_date",
    ("inspections", "type"): "inspection_type",
    ("hazards", "level"): "hazard_level",
    ("tipoffs", "verified"): "tipoff_verified",
    ("worklogs", "date"): "log_date",
    ("meta", "key"): "meta_key",
    ("meta", "value"): "meta_value",
}

# The console's example questions; the data's as-of date comes from the meta table.
EXAMPLES = {
    "overdue_by_town": """select e.town, count(*) as overdue_hazards
from hazard_status(date '{as_of}') as h
join enterprises as e using (enterprise_id)
where h.status = 'overdue'
group by e.town
order by overdue_hazards desc""",
    "major_by_month": """select strftime(found_date, '%Y-%m') as month, count(*) as major_hazards
from hazards
where level = 'major'
group by month
order by month""",
    "top_enterprises": """select e.enterprise_id, e.name, e.town, e.industry, count(*) as hazards
from hazards as h
join enterprises as e using (enterprise_id)
group by all
order by hazards desc
limit 20""",
    "campaign_inspections": """select campaign, count(*) as inspections, count(distinct enterprise_id) as enterprises
from inspections
where campaign is not null
group by campaign
order by inspections desc""",
    "penalties": """select measure, count(*) as cases, sum(penalty_amount) as total_penalty_yuan
from cases
group by measure
order by cases desc""",
}


def example(key: str, as_of: date) -> str:
    """The console example ``key`` as it runs: status as of the data's date, written in.

    The macros' status date must be a constant (DuckDB refuses a subquery there), so the
    example carries the date rather than reading it from ``meta``.
    """
    return EXAMPLES[key].replace("{as_of}", as_of.isoformat())


def share_url(view: View, lang: str) -> str:
    """The relative link that reopens ``view`` on the explore page."""
    return "/explore?" + urlencode({"lang": lang, **view.to_query_params()}, doseq=True)


def column_key(table: str, column: str) -> str:
    """The [col] entry describing a warehouse column."""
    return SCHEMA_COLUMN_KEYS.get((table, column), column)


def column_label(name: str, lang: str) -> str:
    """A builder column's display name."""
    return i18n.text(f"explore.col.{name}.name", lang)


def dimension_label(dimension: str, lang: str) -> str:
    """A group-by choice's display name (``found_date:month`` → 发现日期（按月）)."""
    name, _, part = dimension.partition(":")
    label = column_label(name, lang)
    return i18n.text(f"explore.builder.part.{part}", lang, column=label) if part else label


def measure_label(measure: str, lang: str, dataset: str = "") -> str:
    """A measure's display name (``sum.penalty_amount`` → 罚款金额（元）（合计）; count → 隐患数（条）)."""
    if measure == "count" and dataset:
        return i18n.text(f"explore.dataset.{dataset}.count", lang)
    kind, _, name = measure.partition(".")
    if name:
        return i18n.text(f"explore.builder.measures.{kind}", lang, column=column_label(name, lang))
    return i18n.text(f"explore.builder.measures.{measure}", lang)


def title(view: View, lang: str) -> str:
    """The chart and export title of a view."""
    measure = measure_label(view.measure, lang, view.dataset)
    if view.group2:
        return i18n.text("explore.builder.title_two", lang, measure=measure,
                         g1=dimension_label(view.group1, lang), g2=dimension_label(view.group2, lang))
    if view.group1:
        return i18n.text("explore.builder.title_one", lang, measure=measure, g1=dimension_label(view.group1, lang))
    return i18n.text("explore.builder.title_total", lang, measure=measure)


def period_label(part: str, key, lang: str) -> str:
    """A date group's label in ``lang`` from its sortable key: ``2026-03`` → 2026年3月 / Mar 2026;
    a week (keyed by its Monday) → 2026年第10周 / 2026 W10 (ISO weeks run Monday to Sunday)."""
    key = str(key)
    try:
        if part == "month":
            year, month = (int(x) for x in key.split("-"))
            abbr = i18n.text("explore.period.month_abbr", lang).split()[month - 1]
            return i18n.text("explore.period.month", lang, year=year, abbr=abbr)
        if part == "week":
            iso_year, week, _ = date.fromisoformat(key).isocalendar()
            return i18n.text("explore.period.week", lang, year=iso_year, week=week)
        if part == "quarter":
            year, quarter = key.split("-Q")
            return i18n.text("explore.period.quarter", lang, year=int(year), quarter=int(quarter))
        if part == "year":
            return i18n.text("explore.period.year", lang, year=int(key))
    except (ValueError, IndexError):
        return key
    return key


def period_keys(part: str, keys) -> list[str]:
    """Every period from the first key to the last, gaps included, so a date axis has one cell
    per month (week, quarter, year) whether or not it holds records."""
    present = sorted({str(k) for k in keys if isinstance(k, str) and k})
    if not present:
        return []
    try:
        if part == "week":
            first, last = date.fromisoformat(present[0]), date.fromisoformat(present[-1])
            return [(first + timedelta(days=7 * i)).isoformat() for i in range((last - first).days // 7 + 1)]
        if part == "month":
            (y0, m0), (y1, m1) = ((int(x) for x in k.split("-")) for k in (present[0], present[-1]))
            return [f"{(y0 * 12 + m0 - 1 + i) // 12}-{(m0 - 1 + i) % 12 + 1:02d}"
                    for i in range((y1 * 12 + m1) - (y0 * 12 + m0) + 1)]
        if part == "quarter":
            (y0, q0), (y1, q1) = ((int(x) for x in k.split("-Q")) for k in (present[0], present[-1]))
            return [f"{(y0 * 4 + q0 - 1 + i) // 4}-Q{(q0 - 1 + i) % 4 + 1}"
                    for i in range((y1 * 4 + q1) - (y0 * 4 + q0) + 1)]
        if part == "year":
            return [str(y) for y in range(int(present[0]), int(present[-1]) + 1)]
    except ValueError:
        return present
    return present


def value_label(dataset: str, name: str, value, lang: str) -> str:
    """A value as people read it: code labels, 是/否 for booleans, periods in words, (空) for missing."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return i18n.text("explore.no_value", lang)
    column_name, _, part = name.partition(":")
    if part:
        return period_label(part, value, lang)
    column = DATASETS[dataset].get(column_name)
    if column and column.kind == BOOL:
        truth = value if isinstance(value, bool) else str(value).lower() == "true"
        return i18n.text("explore.yes" if truth else "explore.no", lang)
    if column and column.labels:
        return i18n.label(column.labels, value, lang)
    return str(value)


def filters_text(view: View, lang: str) -> str:
    """The view's filters in words, for export headers."""
    parts = []
    for name, values in view.codes:
        shown = i18n.join((value_label(view.dataset, name, v, lang) for v in values), lang)
        parts.append(f"{column_label(name, lang)} = {shown}")
    for name, low, high in view.ranges:
        parts.append(f"{column_label(name, lang)} {low or '…'} ~ {high or '…'}")
    for name, needle in view.texts:
        parts.append(f"{column_label(name, lang)} ∋ {needle}")
    if view.as_of and view.dataset == "hazards":
        parts.append(f"{i18n.text('explore.builder.as_of', lang)} {view.as_of.isoformat()}")
    return i18n.join(parts, lang, clauses=True) or i18n.text("explore.builder.no_filters", lang)


def register_label(lang: str) -> str:
    """The header of a column of links to enterprise registers."""
    return i18n.text("explore.builder.register", lang)


def part_label(measure: str, part: str, lang: str) -> str:
    """The header of a rate's numerator or denominator column (已整改 / 隐患数 …)."""
    return i18n.text(f"explore.builder.rate_parts.{measure}.{part}", lang)


def labelled(view: View, frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The answer with code labels and headers people read (for tables and downloads): each
    dimension (an enterprise's name followed by the link to its register), the measure, and for
    a rate its numerator and denominator."""
    out = pd.DataFrame()
    for k, dimension in enumerate((view.group1, view.group2), start=1):
        if dimension:
            out[dimension_label(dimension, lang)] = [value_label(view.dataset, dimension, v, lang)
                                                     for v in frame[f"g{k}"]]
            if f"g{k}_id" in frame.columns:
                out[register_label(lang) + ("" if k == 1 else " 2")] = [
                    links.enterprise_url(v) if isinstance(v, str) else "" for v in frame[f"g{k}_id"]]
    out[measure_label(view.measure, lang, view.dataset)] = frame["value"].to_numpy()
    if view.measure in RATE_PARTS:
        for part in ("numerator", "denominator"):
            out[part_label(view.measure, part, lang)] = frame[part].to_numpy()
    return out.reset_index(drop=True)


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its group keys as plain objects and None for a missing value, so keys can be
    looked up (NaN equals nothing, not even itself)."""
    out = frame.copy()
    for column in ("g1", "g2", "g1_id", "g2_id"):
        if column in out.columns:
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def _dimension_keys(view: View, frame: pd.DataFrame, k: int) -> list:
    """The keys of dimension ``k`` in axis order: every period for a date part, else as sorted."""
    dimension = (view.group1, view.group2)[k - 1]
    _, _, part = dimension.partition(":")
    values = list(pd.unique(frame[f"g{k}"]))
    if part:
        filled = period_keys(part, values)
        return filled + [v for v in values if v not in filled]
    return values


def _chart_cut(view: View, frame: pd.DataFrame, k: int, n: int) -> tuple[list, int]:
    """The first ``n`` keys of a name or code dimension, ranked by weight (records behind a rate,
    the value of an additive measure, the largest value otherwise); dates are never cut."""
    keys = _dimension_keys(view, frame, k)
    dimension = (view.group1, view.group2)[k - 1]
    if ":" in dimension or len(keys) <= n:
        return keys, len(keys)
    weight = frame["denominator"] if view.measure in RATE_PARTS else frame["value"]
    additive = view.measure == "count" or view.measure in RATE_PARTS or view.measure.startswith("sum.")
    ranked = weight.groupby(frame[f"g{k}"].astype(object).where(frame[f"g{k}"].notna(), "")).agg(
        "sum" if additive else "max").sort_values(ascending=False, kind="stable")
    top = set(list(ranked.index)[:n])
    return [key for key in keys if ("" if key is None or key is pd.NA or key != key else key) in top], len(keys)


def figure(view: View, frame: pd.DataFrame, lang: str, top_n: int | None = None):
    """The chart of a grouped answer (bar, line or heatmap) and the dimensions it cut.

    Axes are categories in ``lang`` in their natural order, with every period of a date
    dimension present; a heatmap cell and a bar are the measure of exactly that group (a rate
    is its own numerator over its own denominator, shown on hover), never a sum of others. The
    page escapes the figure (safe.figure): labels here are the data's own text.
    Returns ``(figure, cuts)``: ``cuts`` lists (dimension label, shown, total) for each
    dimension cut to its first ``top_n`` categories (default ``chart_top.CHART_TOP_N``, as every chart).
    """
    import plotly.graph_objects as go

    from gridwatch import chart_top

    top_n = chart_top.CHART_TOP_N if top_n is None else top_n

    is_rate = view.measure in RATE_PARTS
    measure = measure_label(view.measure, lang, view.dataset)
    frame = _keyed(frame)
    x_keys, x_total = _chart_cut(view, frame, 1, top_n)
    cuts = [(dimension_label(view.group1, lang), len(x_keys), x_total)] if len(x_keys) < x_total else []
    # Plotly reads tags in text: names from the data go in escaped.
    x_labels = [value_label(view.dataset, view.group1, key, lang) for key in x_keys]

    def hover_extra(rows) -> list[str]:
        if not is_rate:
            return [""] * len(rows)
        num, den = part_label(view.measure, "numerator", lang), part_label(view.measure, "denominator", lang)
        return [f"<br>{num} {int(a)} / {den} {int(b)}" for a, b in zip(rows["numerator"], rows["denominator"],
                                                                          strict=True)]

    value_format = ".1%" if is_rate else ",.4~g"
    layout = {"title": {"text": title(view, lang)}, "margin": {"t": 60},
              "xaxis": {"title": {"text": dimension_label(view.group1, lang)}, "type": "category",
                        "categoryorder": "array", "categoryarray": x_labels}}
    if view.group2:
        y_keys, y_total = _chart_cut(view, frame, 2, top_n)
        if len(y_keys) < y_total:
            cuts.append((dimension_label(view.group2, lang), len(y_keys), y_total))
        y_labels = [value_label(view.dataset, view.group2, key, lang) for key in y_keys]
    if view.chart == "heatmap" and view.group2:
        index = {(a, b): i for i, (a, b) in enumerate(zip(frame["g1"], frame["g2"], strict=True))}
        extras = hover_extra(frame)
        z = [[frame["value"].iloc[index[(x, y)]] if (x, y) in index else None for x in x_keys] for y in y_keys]
        text = [[extras[index[(x, y)]] if (x, y) in index else "" for x in x_keys] for y in y_keys]
        trace = {"type": "heatmap", "x": x_labels, "y": y_labels, "z": z, "customdata": text,
                 "colorscale": "OrRd", "xgap": 1, "ygap": 1, "hoverongaps": False,
                 "colorbar": {"title": {"text": measure}, **({"tickformat": ".0%"} if is_rate else {})},
                 "hovertemplate": ("%{x} · %{y}<br>" + measure + ": %{z:" + value_format
                                   + "}%{customdata}<extra></extra>")}
        if is_rate:
            trace |= {"zmin": 0, "zmax": 1}
        layout |= {"yaxis": {"title": {"text": dimension_label(view.group2, lang)}, "type": "category",
                             "categoryorder": "array", "categoryarray": y_labels, "autorange": "reversed"}}
        return go.Figure(data=[trace], layout=layout), cuts
    traces = []
    series = [(None, frame)] if not view.group2 else [(y, frame[frame["g2"] == y]) for y in y_keys]
    for key, rows in series:
        by_x = {x: i for i, x in enumerate(rows["g1"])}
        extras = hover_extra(rows)
        trace = {"type": "bar" if view.chart != "line" else "scatter", "x": x_labels,
                 "y": [rows["value"].iloc[by_x[x]] if x in by_x else None for x in x_keys],
                 "customdata": [extras[by_x[x]] if x in by_x else "" for x in x_keys],
                 "name": measure if key is None else value_label(view.dataset, view.group2, key, lang),
                 "hovertemplate": ("%{x}<br>" + measure + ": %{y:" + value_format
                                   + "}%{customdata}<extra>%{fullData.name}</extra>")}
        if view.chart == "line":
            trace |= {"mode": "lines+markers", "connectgaps": False}
        traces.append(trace)
    layout |= {"yaxis": {"title": {"text": measure}, **({"tickformat": ".0%", "range": [0, 1.05]} if is_rate else {})},
               "barmode": "group", "showlegend": bool(view.group2),
               "legend": {"title": {"text": dimension_label(view.group2, lang) if view.group2 else ""}}}
    return go.Figure(data=traces, layout=layout), cuts


def crosstab(view: View, frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The answer as a cross table: the first dimension down, the second across (periods in
    order, gaps included), with a total row and column. ``frame`` comes from ``run(..., totals=True)``:
    every total is the measure computed over its rows (a rate from its own numerator and
    denominator, a distinct count of its own records), never a sum of the cells."""
    total = i18n.text("explore.builder.total", lang)
    g1_label = dimension_label(view.group1, lang)
    frame = _keyed(frame)
    detail = frame[frame["t1"] == 0] if "t1" in frame.columns else frame
    if view.group2:
        detail = detail[detail["t2"] == 0]
    rows_keys = _dimension_keys(view, detail, 1)
    has_ids = "g1_id" in frame.columns
    row_ids = list(dict.fromkeys(zip(detail["g1"], detail["g1_id"], strict=True))) if has_ids else [
        (key, None) for key in rows_keys]
    if has_ids:
        order = {key: i for i, key in enumerate(rows_keys)}
        row_ids.sort(key=lambda pair: order.get(pair[0], len(order)))
    out = pd.DataFrame({g1_label: [value_label(view.dataset, view.group1, key, lang) for key, _ in row_ids]})
    if has_ids:
        out[register_label(lang)] = [links.enterprise_url(i) if isinstance(i, str) else "" for _, i in row_ids]

    def cell(rows, key_pairs):
        found = rows
        for column, value in key_pairs:
            found = found[found[column].isna()] if value is None or value != value else found[found[column] == value]
        return found["value"].iloc[0] if len(found) else None

    row_pairs = [[("g1", key)] + ([("g1_id", rid)] if has_ids else []) for key, rid in row_ids]
    if view.group2:
        for key in _dimension_keys(view, detail, 2):
            out[value_label(view.dataset, view.group2, key, lang)] = [
                cell(detail, pairs + [("g2", key)]) for pairs in row_pairs]
        margin_rows = frame[(frame["t1"] == 0) & (frame["t2"] == 1)]
        out[total] = [cell(margin_rows, pairs) for pairs in row_pairs]
        columns_total = frame[(frame["t1"] == 1) & (frame["t2"] == 0)]
        grand = frame[(frame["t1"] == 1) & (frame["t2"] == 1)]
        last = {g1_label: total, **({register_label(lang): ""} if has_ids else {})}
        for key in _dimension_keys(view, detail, 2):
            last[value_label(view.dataset, view.group2, key, lang)] = cell(columns_total, [("g2", key)])
        last[total] = grand["value"].iloc[0] if len(grand) else None
    else:
        value_name = measure_label(view.measure, lang, view.dataset)
        out[value_name] = [cell(detail, pairs) for pairs in row_pairs]
        grand = frame[frame["t1"] == 1]
        last = {g1_label: total, **({register_label(lang): ""} if has_ids else {}),
                value_name: grand["value"].iloc[0] if len(grand) else None}
    return pd.concat([out, pd.DataFrame([last])], ignore_index=True)


def rows_for_people(dataset: str, frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Records of the rows mode as people read them: code labels, 是/否, dates as text, headers in
    ``lang``, and after an enterprise's name the link to its register."""
    columns = DATASETS[dataset]
    labelled = {name: (lambda v, n=name: value_label(dataset, n, v, lang)) for name in frame.columns
                if name in columns and (columns[name].labels or columns[name].kind == BOOL)}
    out = labelling.for_people(frame, lang, headers=lambda name: column_label(name, lang), special=labelled,
                               blank=None)
    if "enterprise_name" in frame.columns and "enterprise_id" in frame.columns:
        out.insert(list(frame.columns).index("enterprise_name") + 1, register_label(lang),
                   [links.enterprise_url(v) if isinstance(v, str) else "" for v in frame["enterprise_id"]])
    return out.reset_index(drop=True)


def column_names() -> list[str]:
    """Every column name used by any dataset."""
    return list(dict.fromkeys(name for columns in DATASETS.values() for name in columns))


def number_format(measure: str) -> str:
    """The st.column_config number format of a measure's values."""
    if measure in RATE_MEASURES:
        return "percent"
    if measure == "count" or measure.startswith("nunique."):
        return "%d"
    return "localized"


def format_value(value, measure: str) -> str:
    """One measured value as text (a rate as a percentage)."""
    if measure in RATE_MEASURES:
        return formatting.rate(value)
    if measure == "count" or measure.startswith("nunique."):
        return formatting.count(value)
    return formatting.number(value, 2)


def schema_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The schema browser's rows: table, column, type, name and description in ``lang``.

    Tables come in the warehouse's own order (the fact tables after the register they refer to).
    """
    order = {name: k for k, name in enumerate((*warehouse.TABLES, "meta"))}
    frame = frame.sort_values("table_name", key=lambda s: s.map(order).fillna(len(order)), kind="stable")

    def text(table, column, part):
        return i18n.text(f"explore.col.{column_key(table, column)}.{part}", lang)

    return pd.DataFrame({
        i18n.text("explore.schema.table", lang): frame["table_name"],
        i18n.text("explore.schema.column", lang): frame["column_name"],
        i18n.text("explore.schema.type", lang): frame["data_type"],
        i18n.text("explore.schema.name", lang): [text(t, c, "name") for t, c in
                                                 zip(frame["table_name"], frame["column_name"], strict=True)],
        i18n.text("explore.schema.description", lang): [text(t, c, "desc") for t, c in
                                                        zip(frame["table_name"], frame["column_name"], strict=True)],
    })
