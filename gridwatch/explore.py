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
from datetime import date
from urllib.parse import urlencode

import duckdb
import pandas as pd

from gridwatch import formatting, i18n, queries, warehouse

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
# Whole-row measures; the rates exist for hazards only and average a flag of hazard_status,
# so they equal metrics.headline for the same rows: the rectification rate over rows found in
# the period (filter found_date), the on-time rate over rows due in it (filter deadline).
ROW_MEASURES = {
    "count": (None, "count(*)"),
    "rectification_rate": ("hazards", "avg(is_rectified::double)"),
    "on_time_rate": ("hazards", "avg(on_time::double)"),
}
RATE_MEASURES = ("rectification_rate", "on_time_rate")
# Text columns worth grouping by (one row per enterprise or person); other ids and texts are not.
GROUPABLE_NAMES = ("enterprise_name", "staff_name")
# Datasets restricted to the filters' scope (the others have no enterprise).
SCOPED_DATASETS = ("hazards", "enterprises", "inspections", "cases", "tipoffs")
CHARTS = ("bar", "line", "heatmap", "table")
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


def build(view: View, base_params: dict) -> tuple[str, dict]:
    """The SQL and named parameters answering ``view`` over the scope in ``base_params``.

    ``base_params`` holds ``$towns $departments $industries`` (and ``$as_of``,
    replaced by the view's own as-of date when it has one).
    """
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
    groups = [g for g in (view.group1, view.group2) if g]
    select = [f"{_dimension_sql(view.dataset, g)} as g{k}" for k, g in enumerate(groups, start=1)]
    select.append(f"{_measure_sql(view.dataset, view.measure)} as value")
    where = "\n    where " + "\n      and ".join(conditions) if conditions else ""
    group_by = "\n    group by all" if groups else ""
    order = ", ".join(f"g{k} nulls last" for k in range(1, len(groups) + 1)) or "value"
    body = query.sql.rstrip().rstrip(";")
    sql = (
        f"with base as (\n{body}\n),\n\nfinal as (\n    select\n        "
        + ",\n        ".join(select)
        + f"\n    from base{where}{group_by}\n)\n\nselect *\nfrom final\norder by {order}\nlimit {MAX_GROUPS + 1}"
    )
    return sql, params


def run(con: duckdb.DuckDBPyConnection, view: View, base_params: dict) -> pd.DataFrame:
    """The answer to ``view``: columns g1[, g2], value; at most MAX_GROUPS + 1 rows (more means cut)."""
    sql, params = build(view, base_params)
    cur = con.cursor()
    try:
        return cur.execute(sql, params).df()
    finally:
        cur.close()


def options(con: duckdb.DuckDBPyConnection, dataset: str, column: str, base_params: dict) -> list:
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
    "overdue_by_town": """with as_of as (
    select value::date as d
    from meta
    where key = 'data_as_of'
)
select e.town, count(*) as overdue_hazards
from hazard_status((select d from as_of)) as h
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


def value_label(dataset: str, name: str, value, lang: str) -> str:
    """A value as people read it: code labels, 是/否 for booleans, (空) for missing."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return i18n.text("explore.no_value", lang)
    column = DATASETS[dataset].get(name.partition(":")[0])
    if column and column.kind == BOOL and not name.count(":"):
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


def labelled(view: View, frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The answer with code labels and headers people read (for tables, charts and downloads)."""
    out = pd.DataFrame()
    for k, dimension in enumerate((view.group1, view.group2), start=1):
        if dimension:
            out[dimension_label(dimension, lang)] = [value_label(view.dataset, dimension, v, lang)
                                                     for v in frame[f"g{k}"]]
    out[measure_label(view.measure, lang, view.dataset)] = frame["value"].to_numpy()
    return out


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
