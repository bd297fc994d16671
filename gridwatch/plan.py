"""The inspection plan (下周检查计划): per squadron, whom to inspect next week, and whether to trust it.

For the week (Monday to Sunday) after an as-of date T:

1. every operating enterprise is scored by the risk model fitted on the history
   before T (``gridwatch.risk``): the probability that a routine inspection now
   finds a major hazard, and any hazard;
2. per squadron, the plan lists first the visits the rules require (overdue for
   inspection by its risk colour at the week's end, listed supervision due a
   visit; red first, then by probability), then the highest-probability rest, up to
   the squadron's capacity (its inspections per week over the last quarter, or a
   number in the rules file); required visits beyond the capacity wait for the
   next week, and the page says how many;
3. each row says why, in words: the rule, then the model's largest contributions.

The hindsight test (``backtest``) asks whether the ranking would have helped: of the
enterprises actually inspected in a period, ranked by the model as of the day
before, what share of those where a major hazard was found fall in the first half
of the ranking — against the order actually followed and a random order.

Queries run through a *runner* ``(name, params) -> DataFrame``: ``ui.query`` in
pages (cached per data version) or ``Reader(con)`` in the CLI and tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from gridwatch import i18n, labelling, risk, rules
from gridwatch.reader import Runner
from gridwatch.rules import RISK_LEVELS

RISK_ORDER = {level: i for i, level in enumerate(RISK_LEVELS)}
JSON_FIELDS = ("enterprise_id", "name", "town", "squadron", "risk_level", "required", "p_major", "p_any", "rank",
               "reasons")
# Feature columns kept on the scored rows: what the reasons are worded from.
REASON_COLUMNS = ("risk_level", "industry", "interval_days", "days_since_inspection", "never_inspected",
                  *risk.COUNT_COLUMNS, "employees", "major_hazard_source", "listed", "industry_major_rate")


class PlanRulesError(i18n.LocalisedError):
    """The rules file's [plan] section is missing or malformed; the message says what to fix."""

    prefix = "plan.rules_error."


@dataclass(frozen=True)
class Settings:
    """The ``[plan]`` section of the rules file (see config/rules.toml for each value)."""

    example_types: tuple[str, ...]
    training_days: int
    max_examples: int
    recent_days: int
    industry_months: int
    industry_prior: float
    regularisation_c: float
    listed_visit_days: int
    capacity_per_week: int
    capacity_weeks: int
    capacity: dict
    reasons_per_row: int
    min_reason_logit: float
    hindsight_windows: int
    hindsight_window_days: int

    def params(self) -> dict:
        """The plan queries' parameters that come from these settings."""
        return {
            "example_types": list(self.example_types),
            "max_examples": self.max_examples,
            "recent_days": self.recent_days,
            "industry_months": self.industry_months,
            "industry_prior": self.industry_prior,
            "listed_visit_days": self.listed_visit_days,
            "capacity_weeks": self.capacity_weeks,
        }


def settings(rule_values: dict | None = None) -> Settings:
    """The plan settings from the rules file, checked."""
    section = (rule_values or rules.load()).get("plan")
    if not isinstance(section, dict):
        raise PlanRulesError("no_section")
    try:
        cfg = Settings(
            example_types=tuple(str(t) for t in section["example_types"]),
            training_days=int(section["training_days"]),
            max_examples=int(section["max_examples"]),
            recent_days=int(section["recent_days"]),
            industry_months=int(section["industry_months"]),
            industry_prior=float(section["industry_prior"]),
            regularisation_c=float(section["regularisation_c"]),
            listed_visit_days=int(section["listed_visit_days"]),
            capacity_per_week=int(section["capacity_per_week"]),
            capacity_weeks=int(section["capacity_weeks"]),
            capacity={str(k): int(v) for k, v in dict(section.get("capacity", {})).items()},
            reasons_per_row=int(section["reasons_per_row"]),
            min_reason_logit=float(section["min_reason_logit"]),
            hindsight_windows=int(section["hindsight_windows"]),
            hindsight_window_days=int(section["hindsight_window_days"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanRulesError("mangled", detail=str(exc)) from None
    positive = ("training_days", "max_examples", "recent_days", "industry_months", "capacity_weeks",
                "hindsight_windows", "hindsight_window_days")
    bad = [name for name in positive if getattr(cfg, name) < 1]
    bad += [name for name in ("regularisation_c",) if cfg.regularisation_c <= 0]
    if bad or not cfg.example_types:
        raise PlanRulesError("not_positive", names=bad or ["example_types"])
    return cfg


def next_week(as_of: date) -> tuple[date, date]:
    """The week (Monday to Sunday) after ``as_of``: the week a plan made on ``as_of`` is for."""
    monday = as_of + timedelta(days=7 - as_of.weekday())
    return monday, monday + timedelta(days=6)


@dataclass(frozen=True)
class Scored:
    """The model as of a date and its scored enterprises (p_major, p_any, reason groups, feature values)."""

    as_of: date
    model: risk.Model
    rows: pd.DataFrame
    sources: dict


def score(run: Runner, as_of: date, cfg: Settings, visits: tuple[date, date] | None = None) -> Scored:
    """Fit the model on the history up to ``as_of`` and score enterprises as of then.

    Scored: every operating enterprise, or with ``visits`` = (start, end) the
    enterprises (any status) inspected in that period (the hindsight test).
    """
    params = {
        **cfg.params(),
        "as_of": as_of,
        "train_from": as_of - timedelta(days=cfg.training_days - 1),
        "visits_start": visits[0] if visits else None,
        "visits_end": visits[1] if visits else None,
    }
    frame = run("plan_features", params)
    sources = {k: int(v) for k, v in run("plan_sources", {"as_of": as_of}).iloc[0].items()}
    train = frame[frame["role"] == "train"]
    rows = frame[frame["role"] == "score"].reset_index(drop=True)
    model = risk.fit(train, as_of, sources, cfg.regularisation_c)
    scores = risk.score(model, rows)
    out = rows.loc[:, ["enterprise_id", *REASON_COLUMNS]].copy()
    out["p_major"] = scores.p_major
    out["p_any"] = scores.p_any
    out["few_inspections"] = risk.few_inspections(model, rows)
    eligible = risk.describable(model, rows, scores)
    top = risk.top_groups(scores, cfg.reasons_per_row, cfg.min_reason_logit, eligible)
    for k in range(top.shape[1]):
        out[f"reason_{k + 1}"] = top[:, k]
    return Scored(as_of, model, out, sources)


def capacities(run: Runner, as_of: date, cfg: Settings) -> pd.DataFrame:
    """Per squadron: enterprises, inspections per week measured over the last quarter, and the capacity used.

    The capacity is the squadron's number in ``[plan.capacity]`` if any, else
    ``capacity_per_week`` if not 0, else the measured average (rounded, at least 1
    while the squadron has operating enterprises).
    """
    frame = run("plan_capacity", {"as_of": as_of, "capacity_weeks": cfg.capacity_weeks,
                                  "example_types": list(cfg.example_types)})
    measured = np.maximum(np.round(frame["per_week"].to_numpy(dtype=float)), 1).astype(int)
    chosen = np.where(cfg.capacity_per_week > 0, cfg.capacity_per_week, measured)
    frame = frame.assign(capacity=[cfg.capacity.get(s, int(c)) if isinstance(s, str) else int(c)
                                   for s, c in zip(frame["squadron"], chosen, strict=True)])
    return frame


def assemble(scored: Scored, enterprises: pd.DataFrame, capacity: pd.DataFrame) -> pd.DataFrame:
    """Every operating enterprise with its scores, rule flags, position in its squadron's order and plan flag.

    ``enterprises`` is plan_enterprises, ``capacity`` the frame of ``capacities``.
    Within a squadron: the required visits first (red first, then by p_major), then
    the rest by p_major; ties by enterprise id. ``position`` counts from 1;
    ``in_plan`` is true for the first ``capacity`` of that order: when the required
    visits alone exceed the week's capacity, the rest of them wait (``overflow``).
    """
    features = scored.rows.drop(columns=[c for c in scored.rows.columns
                                         if c in enterprises.columns and c != "enterprise_id"])
    same = len(features) == len(enterprises) and (
        features["enterprise_id"].to_numpy(dtype=object) == enterprises["enterprise_id"].to_numpy(dtype=object)).all()
    if same:
        # Both queries list the operating enterprises by id: side by side, no join needed.
        rows = pd.concat([enterprises.reset_index(drop=True),
                          features.drop(columns=["enterprise_id"]).reset_index(drop=True)], axis=1)
    else:
        rows = enterprises.merge(features, on="enterprise_id", how="left")
    required = rows["required"].to_numpy(dtype=bool)
    risk_rank = rows["risk_level"].map(RISK_ORDER).fillna(len(RISK_ORDER)).to_numpy()
    squadron_codes, _ = pd.factorize(rows["squadron"], sort=True, use_na_sentinel=False)
    id_codes, _ = pd.factorize(rows["enterprise_id"], sort=True)
    # Sort keys, last = primary: squadron, required first, red first among them, p_major, id.
    order = np.lexsort((id_codes, -rows["p_major"].fillna(0.0).to_numpy(), np.where(required, risk_rank, 0),
                        ~required, squadron_codes))
    rows = rows.take(order).reset_index(drop=True)
    sorted_squadrons = squadron_codes[order]
    starts = np.r_[0, np.flatnonzero(sorted_squadrons[1:] != sorted_squadrons[:-1]) + 1]
    position = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)])) + 1 if len(rows) else []
    rows["position"] = position
    caps = {s if isinstance(s, str) else None: int(c)
            for s, c in zip(capacity["squadron"], capacity["capacity"], strict=True)}
    rows["capacity"] = [caps.get(s if isinstance(s, str) else None, 0) for s in rows["squadron"].tolist()]
    rows["in_plan"] = rows["position"] <= rows["capacity"]
    return rows


def plan_rows(assembled: pd.DataFrame, squadron: str | None = None, everyone: bool = False,
              squadron_given: bool = False) -> pd.DataFrame:
    """The rows a plan lists, with ``rank``.

    The plan: each squadron's planned visits in order, rank = position within its
    squadron. ``everyone``: every operating enterprise by p_major, rank = position
    in that list. ``squadron_given`` limits to ``squadron`` (None: the unassigned).
    """
    rows = assembled
    if squadron_given:
        rows = rows[rows["squadron"].isna()] if squadron is None else rows[rows["squadron"] == squadron]
    if everyone:
        rows = rows.sort_values(["p_major", "enterprise_id"], ascending=[False, True], kind="stable")
        return rows.assign(rank=np.arange(1, len(rows) + 1)).reset_index(drop=True)
    rows = rows[rows["in_plan"]]
    return rows.assign(rank=rows["position"]).reset_index(drop=True)


def reason_columns(rows: pd.DataFrame) -> list[str]:
    """The columns holding each row's reason groups (positions in ``risk.GROUP_ORDER``, -1 for none)."""
    return [c for c in rows.columns if c.startswith("reason_") and c[7:].isdigit()]


def reason_lists(rows: pd.DataFrame, lang: str, listed_visit_days: int) -> list[list[str]]:
    """Why each row is in the plan, in words: the rules that require it, then the model's largest contributions.

    ``rows`` are assembled rows (plan_enterprises and scored columns).
    """
    def template(key: str) -> str:
        return i18n.text(key, lang)

    codes = rows[reason_columns(rows)].to_numpy(dtype=np.int64) if len(rows) else np.zeros((0, 0), np.int64)
    words: dict[int, dict[int, str]] = {}
    for code in np.unique(codes[codes >= 0]).tolist():
        positions = np.flatnonzero((codes == code).any(axis=1))
        texts = risk.reason_texts(risk.GROUP_ORDER[code], rows, lang, positions)
        words[code] = dict(zip(positions.tolist(), texts, strict=True))
    gap = risk.GROUP_ORDER.index("gap")
    never = rows["last_inspection"].isna().tolist()
    days = rows["days_at_week_end"].to_numpy(dtype=object).tolist()
    intervals = rows["interval_days"].tolist()
    overdue, listed = rows["overdue_by_week_end"].tolist(), rows["listed_due"].tolist()
    t_overdue, t_never = template("plan.rule.overdue"), template("plan.rule.never_inspected")
    t_listed, t_listed_never = template("plan.rule.listed"), template("plan.rule.listed_never")
    t_none = template("plan.reason.none")
    out = []
    for i, row_codes in enumerate(codes.tolist()):
        line = []
        if overdue[i]:
            line.append(t_never if never[i] else t_overdue.format(days=int(days[i]), interval=int(intervals[i])))
        if listed[i]:
            line.append(t_listed_never if never[i] else t_listed.format(days=int(days[i]), limit=listed_visit_days))
        chosen = [c for c in row_codes if c >= 0]
        for code in chosen:
            if code == gap and line:
                continue  # the rule's own words already say how long since the last visit
            line.append(words[code][i])
        if not chosen:
            line.append(t_none)
        out.append(line)
    return out


def as_json(rows: pd.DataFrame, lang: str, listed_visit_days: int) -> list[dict]:
    """The rows as the CLI prints them: exactly ``JSON_FIELDS``, probabilities rounded to 4 places."""
    def texts(name: str) -> list:
        return rows[name].astype(object).where(rows[name].notna(), None).tolist()

    columns = {
        "enterprise_id": texts("enterprise_id"),
        "name": texts("name"),
        "town": texts("town"),
        "squadron": texts("squadron"),
        "risk_level": texts("risk_level"),
        "required": rows["required"].to_numpy(dtype=bool).tolist(),
        "p_major": np.round(rows["p_major"].to_numpy(dtype=float), 4).tolist(),
        "p_any": np.round(rows["p_any"].to_numpy(dtype=float), 4).tolist(),
        "rank": rows["rank"].to_numpy(dtype=np.int64).tolist(),
        "reasons": reason_lists(rows, lang, listed_visit_days),
    }
    return [dict(zip(JSON_FIELDS, values, strict=True))
            for values in zip(*(columns[f] for f in JSON_FIELDS), strict=True)]


@dataclass(frozen=True)
class Plan:
    """A plan made as of a date for the week after: the model, every operating enterprise assembled, capacities."""

    as_of: date
    week_start: date
    week_end: date
    scored: Scored
    rows: pd.DataFrame
    capacity: pd.DataFrame


def make(run: Runner, as_of: date, cfg: Settings | None = None) -> Plan:
    """The plan made as of ``as_of`` for the week (Monday to Sunday) after it."""
    cfg = cfg or settings()
    week_start, week_end = next_week(as_of)
    scored = score(run, as_of, cfg)
    enterprises = run("plan_enterprises", {"as_of": as_of, "week_end": week_end,
                                           "listed_visit_days": cfg.listed_visit_days})
    capacity = capacities(run, as_of, cfg)
    return Plan(as_of, week_start, week_end, scored, assemble(scored, enterprises, capacity), capacity)


# --- hindsight -----------------------------------------------------------------

def first_half_share(keys, found) -> float | None:
    """The share of the ``found`` rows that fall in the first half of the order of ``keys`` (ascending).

    The first half is the first n/2 positions. Rows with equal keys share their
    positions equally (their order is unknown), so a tie straddling the middle
    counts each of its rows in part; with every key equal this is exactly the mean
    over all orders. None when nothing was found.
    """
    keys = np.asarray(keys)
    found = np.asarray(found, dtype=bool)
    n = len(keys)
    if n == 0 or not found.any():
        return None
    half = n / 2
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.r_[0, np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1]
    sizes = np.diff(np.r_[starts, n])
    weights_sorted = np.repeat(np.clip(half - starts, 0, sizes) / sizes, sizes)
    weights = np.empty(n)
    weights[order] = weights_sorted
    return float(weights[found].sum() / found.sum())


@dataclass(frozen=True)
class Hindsight:
    """The three figures of one group (the whole county, or a squadron) in one period."""

    squadron: str | None
    enterprises: int
    with_major: int
    model_share: float | None
    actual_share: float | None
    random_share: float | None
    mean_p_major: float | None

    def as_dict(self) -> dict:
        """JSON-ready."""
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def hindsight(group: pd.DataFrame, squadron: str | None = None) -> Hindsight:
    """The figures of visited enterprises with ``p_major``, ``first_visit`` and ``found_major``."""
    found = group["found_major"].to_numpy(dtype=bool)
    days = group["first_visit"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    return Hindsight(
        squadron=squadron,
        enterprises=len(group),
        with_major=int(found.sum()),
        model_share=first_half_share(-group["p_major"].to_numpy(dtype=float), found),
        actual_share=first_half_share(days, found),
        random_share=first_half_share(np.zeros(len(group)), found),
        mean_p_major=float(group["p_major"].mean()) if len(group) else None,
    )


@dataclass(frozen=True)
class Backtest:
    """A hindsight test of one period: the model as of the day before, county-wide and per squadron."""

    start: date
    end: date
    as_of: date
    overall: Hindsight
    by_squadron: tuple[Hindsight, ...]
    model: risk.Model

    def as_dict(self) -> dict:
        """JSON-ready: dates as ISO text, the figures rounded to 4 places."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            **{k: v for k, v in self.overall.as_dict().items() if k != "squadron"},
            "by_squadron": [h.as_dict() for h in self.by_squadron],
        }


def backtest(run: Runner, start: date, end: date, cfg: Settings | None = None) -> Backtest:
    """Rank the enterprises inspected in [start, end] by the model as of the day before and score the order."""
    cfg = cfg or settings()
    as_of = start - timedelta(days=1)
    visits = run("plan_visits", {"start": start, "end": end, "example_types": list(cfg.example_types)})
    scored = score(run, as_of, cfg, visits=(start, end))
    visited = visits.merge(scored.rows.loc[:, ["enterprise_id", "p_major"]], on="enterprise_id", how="left")
    squadrons = visited["squadron"].fillna("\uffff")
    by_squadron = tuple(
        hindsight(group, None if key == "\uffff" else key)
        for key, group in visited.groupby(squadrons, sort=True)
    )
    return Backtest(start, end, as_of, hindsight(visited), by_squadron, scored.model)


def windows(data_as_of: date, count: int, days: int) -> list[tuple[date, date]]:
    """The last ``count`` windows of ``days`` days ending at ``data_as_of``, oldest first."""
    out = []
    for k in range(count):
        end = data_as_of - timedelta(days=k * days)
        out.append((end - timedelta(days=days - 1), end))
    return out[::-1]


def hindsight_table(run: Runner, data_as_of: date, cfg: Settings | None = None) -> pd.DataFrame:
    """The hindsight figures of the last windows (rules: hindsight_windows × hindsight_window_days).

    One row per window and group: squadron null with ``scope`` 'county' is the whole
    county; ``scope`` 'squadron' rows are the squadrons (null: the unassigned).
    """
    cfg = cfg or settings()
    rows = []
    for start, end in windows(data_as_of, cfg.hindsight_windows, cfg.hindsight_window_days):
        test = backtest(run, start, end, cfg)
        for scope, figures in [("county", test.overall), *(("squadron", h) for h in test.by_squadron)]:
            rows.append({"start": start, "end": end, "scope": scope, **figures.__dict__})
    return pd.DataFrame(rows)


def pooled(table: pd.DataFrame) -> dict:
    """The hindsight figures of several windows pooled: each share weighted by its window's majors."""
    found = table["with_major"].to_numpy(dtype=float)
    total = float(found.sum())
    out = {"enterprises": int(table["enterprises"].sum()), "with_major": int(total)}
    for name in ("model_share", "actual_share", "random_share"):
        shares = table[name].to_numpy(dtype=float)
        known = ~np.isnan(shares)
        out[name] = float((shares[known] * found[known]).sum() / found[known].sum()) if found[known].sum() else None
    return out


# --- the page's weeks, tables and files ------------------------------------------

def week_choices(data_as_of: date, count: int) -> list[date]:
    """The as-of dates of the weeks the page offers: the plan for next week, then the past weeks' plans.

    The first is ``data_as_of`` (next week's plan); each earlier one is the Sunday
    before a past week, whose plan used only the data up to that Sunday.
    """
    monday, _ = next_week(data_as_of)
    out = [data_as_of]
    for k in range(1, count):
        sunday = monday - timedelta(days=7 * k + 1)
        if sunday < data_as_of:
            out.append(sunday)
    return out


TABLE_COLUMNS = ("rank", "name", "reasons", "risk_level", "required", "p_major", "p_any", "town", "village",
                 "last_inspection", "register")
SHEET_COLUMNS = ("rank", "name", "credit_code", "town", "village", "industry", "risk_level", "required", "p_major",
                 "p_any", "reasons", "last_inspection", "visit_date", "result")
PDF_COLUMNS = ("rank", "name", "town", "risk_level", "p_major", "reasons")
MAP_HEIGHT = 460


def labelled(rows: pd.DataFrame, lang: str, listed_visit_days: int, columns=TABLE_COLUMNS) -> pd.DataFrame:
    """Plan rows for people: codes as labels, reasons joined, dates as text, headers translated.

    Probabilities stay fractions (the page formats them); ``register`` is the link to
    the enterprise's register; ``visit_date`` and ``result`` are blank for the squad to fill in.
    """
    from gridwatch.links import enterprise_url

    sep = "；" if lang == "zh" else "; "
    made = {
        "reasons": lambda: [sep.join(r) for r in reason_lists(rows, lang, listed_visit_days)],
        "register": lambda: rows["enterprise_id"].map(enterprise_url),
        "visit_date": lambda: "",
        "result": lambda: "",
    }
    chosen = rows.assign(**{c: made[c]() for c in columns if c in made})[list(columns)].reset_index(drop=True)
    return labelling.for_people(
        chosen, lang, headers="plan.col.", codes={"risk_level": "risk_level"}, dates=("last_inspection",),
        yes_no=(i18n.text("plan.yes", lang), i18n.text("plan.no", lang)),
        missing={"last_inspection": i18n.text("plan.never", lang)})


def factor_name(column: str, lang: str) -> str:
    """A design column of the model in words (a missing indicator as "<factor>: not recorded")."""
    if column.endswith(risk.MISSING_SUFFIX):
        return i18n.text("plan.factor.missing", lang,
                         name=i18n.text(f"plan.factor.{column.removesuffix(risk.MISSING_SUFFIX)}", lang))
    return i18n.text(f"plan.factor.{column}", lang)


def squadron_label(squadron, lang: str) -> str:
    """A squadron's name, or the words for "no squadron"."""
    return squadron if isinstance(squadron, str) else i18n.text("plan.unassigned", lang)


def export_header(made: Plan, squadron, capacity: int, data_as_of: date, lang: str) -> list[str]:
    """The header line of the task sheet and the PDF."""
    return [i18n.text("plan.download.header", lang, squadron=squadron_label(squadron, lang),
                      week_start=made.week_start, week_end=made.week_end, as_of=made.as_of, capacity=capacity,
                      data_as_of=data_as_of)]


def task_sheet_xlsx(rows: pd.DataFrame, header_lines: list[str], lang: str, listed_visit_days: int) -> bytes:
    """The squadron's task sheet (Excel): the plan in order, reasons in words, blank columns to fill in."""
    from gridwatch import exports

    frame = labelled(rows, lang, listed_visit_days, SHEET_COLUMNS)
    for column in ("p_major", "p_any"):
        name = i18n.text(f"plan.col.{column}", lang)
        frame[name] = [f"{100 * v:.1f}%" for v in frame[name]]
    return exports.xlsx_bytes({i18n.text("plan.download.sheet", lang): frame}, header_lines)


def task_sheet_pdf(rows: pd.DataFrame, title: str, header_lines: list[str], lang: str,
                   listed_visit_days: int) -> bytes:
    """The squadron's task sheet as an A4 PDF (Chinese font embedded)."""
    from gridwatch.pdf import Document

    frame = labelled(rows, lang, listed_visit_days, PDF_COLUMNS)
    name = i18n.text("plan.col.p_major", lang)
    frame[name] = [f"{100 * v:.1f}%" for v in frame[name]]
    doc = Document(title, header_lines, footer_text=i18n.text("plan.download.footer", lang))
    if frame.empty:
        doc.paragraph(i18n.text("plan.empty_plan", lang))
    else:
        doc.frame_table(frame, col_widths=(9, 44, 20, 22, 17, 68), font_size=8)
    return doc.to_bytes()


def deck(rows: pd.DataFrame, town_grids: pd.DataFrame, lang: str, listed_visit_days: int):
    """The offline map of planned enterprises (risk colours, a ring on required visits) over their towns.

    ``town_grids`` are plan_town_grids rows (outlines of the towns concerned); data
    reaches the tooltips only through ``maps.tooltip_fields``.
    """
    import pydeck as pdk

    from gridwatch import maps

    located = rows[rows["lat"].notna() & rows["lon"].notna()].reset_index(drop=True)
    sep = "；" if lang == "zh" else "; "
    words = reason_lists(located, lang, listed_visit_days)
    points = []
    for r, why in zip(located.to_dict("records"), words, strict=True):
        tip = maps.tooltip_fields(f"{int(r['rank'])}. {r['name']}", [
            (i18n.text("plan.col.town", lang), r["town"]),
            (i18n.text("plan.col.risk_level", lang), i18n.label("risk_level", r["risk_level"], lang)),
            (i18n.text("plan.col.p_major", lang), f"{100 * float(r['p_major']):.1f}%"),
            (i18n.text("plan.col.reasons", lang), sep.join(why)),
        ])
        points.append({"enterprise_id": str(r["enterprise_id"]), "position": [float(r["lon"]), float(r["lat"])],
                       "fill": [*maps.RISK_COLOURS.get(r["risk_level"], maps.NO_DATA_COLOUR), 230],
                       "required": bool(r["required"]), **tip})
    outlines = []
    for g in town_grids.to_dict("records"):
        for ring in maps.parse_polygons(g["geometry"]):
            outlines.append({"polygon": ring, **maps.tooltip_fields(g["name"], [])})
    layers = []
    if outlines:
        layers.append(pdk.Layer("PolygonLayer", outlines, id="towns", get_polygon="polygon",
                                get_fill_color=[240, 240, 240, 120], get_line_color=[90, 90, 90, 200],
                                line_width_min_pixels=1, stroked=True, filled=True, pickable=False))
    if points:
        layers.append(pdk.Layer("ScatterplotLayer", points, id="plan", get_position="position",
                                get_fill_color="fill", get_radius=150, radius_min_pixels=4, radius_max_pixels=10,
                                pickable=True))
        ringed = [p for p in points if p["required"]]
        if ringed:
            layers.append(pdk.Layer("ScatterplotLayer", ringed, id="required", get_position="position",
                                    filled=False, stroked=True, get_line_color=[*maps.OVERDUE_RING, 255],
                                    line_width_min_pixels=1.5, get_radius=300, radius_min_pixels=7,
                                    radius_max_pixels=14, pickable=True))
    framed = [p["position"] for p in points] or [pt for o in outlines for pt in o["polygon"]]
    view = maps.view_for(framed, height=MAP_HEIGHT)
    return maps.FrozenDeck(layers=layers, initial_view_state=view, map_provider=None,
                           tooltip=maps.TOOLTIP), len(points)
