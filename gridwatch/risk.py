"""The inspection plan's risk model: who is most likely to hide a major hazard right now.

Two regularised logistic regressions (scikit-learn) on the features of
``queries/plan_features.sql`` (macro ``risk_features`` in ``schema.sql``): one for
"an inspection now finds at least one major hazard", one for "… any hazard". Each
past inspection is an example, its features computed from records dated before it,
its label what it found. Features describe the enterprise and its own history only,
never who inspects it.

Explainable by construction: on standardised features, a row's log-odds is the
intercept plus one contribution per feature, and contributions are summed per
*reason group* (``GROUPS``) and put into words from the row's own values.

Honest with missing data: a source the warehouse does not record by the as-of date
(no tip-offs, no cases, employees never filled …, see ``queries/plan_sources.sql``)
drops its features; a value missing for some rows is imputed with the training
median and flagged by a missing-indicator feature; a feature constant over the
examples is dropped. Everything the fit decides comes from rows dated on or before
the as-of date, so a warehouse cut at that date gives the same model and ranking.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from gridwatch import i18n
from gridwatch.rules import RISK_LEVELS

# Counts enter as log(1 + n): the step from 0 to 1 major hazard matters more than from 5 to 6.
COUNT_COLUMNS = ("majors_recent", "majors_older", "generals_recent", "generals_older", "repeats_recent",
                 "open_hazards", "overdue_open", "inspections_recent", "tipoffs_recent", "cases_recent")
# Days since the last inspection enter as multiples of the colour's interval, capped: beyond
# four intervals an enterprise is simply long neglected.
GAP_CAP = 4.0
# Industry rates enter as log-odds, kept off 0 and 1.
RATE_FLOOR = 1e-4

# The visit an example was: a tip-off or campaign visit finds more than a routine one and
# comes at no scheduled gap. Learnt as a covariate and set to routine for the enterprises
# scored (the visit the plan schedules), so it moves no enterprise against another.
VISIT_TYPES = ("special", "tipoff", "listed", "recheck", "pre_recheck")
NOT_REASONS = ("visit",)

# Which source (a count of plan_sources.sql; 0 = not recorded) each design column needs.
SOURCES = {
    "tipoffs_recent": "tipoffs",
    "cases_recent": "cases",
    "employees": "employees",
    "major_hazard_source": "major_hazard_source",
    "listed": "listed",
    "industry_major": "industry",
    "industry_any": "industry",
}
# The reason group of each design column (missing indicators join their column's group).
GROUPS = {
    **{f"risk_{level}": "risk" for level in RISK_LEVELS},
    **{c: c for c in COUNT_COLUMNS},
    "gap": "gap",
    "past_interval": "gap",
    "never_inspected": "gap",
    "industry_major": "industry",
    "industry_any": "industry",
    "employees": "employees",
    "major_hazard_source": "major_hazard_source",
    "listed": "listed",
    **{f"visit_{t}": "visit" for t in VISIT_TYPES},
}
GROUP_ORDER = tuple(dict.fromkeys(GROUPS.values()))
FEATURE_COLUMNS = ("risk_level", "industry", "interval_days", "last_inspection", "days_since_inspection",
                   "never_inspected", *COUNT_COLUMNS, "employees", "major_hazard_source", "listed",
                   "industry_examples", "industry_major_rate", "industry_any_rate")
MISSING_SUFFIX = "_missing"
MIN_EXAMPLES = 20


def design(frame: pd.DataFrame) -> pd.DataFrame:
    """The design columns (before imputation and scaling) of feature rows; NaN where not known."""
    out = pd.DataFrame(index=frame.index)
    for level in RISK_LEVELS:
        out[f"risk_{level}"] = (frame["risk_level"] == level).astype(float)
    for column in COUNT_COLUMNS:
        out[column] = np.log1p(frame[column].astype(float))
    never = frame["never_inspected"].astype(bool)
    gap = (frame["days_since_inspection"].astype(float) / frame["interval_days"].astype(float)).clip(upper=GAP_CAP)
    # Never inspected has no gap to measure: its own indicator carries the effect.
    out["gap"] = gap.where(~never, 0.0)
    # Past the interval is a threshold an enterprise knows of: its own hinge.
    out["past_interval"] = (gap - 1.0).clip(lower=0.0).where(~never, 0.0)
    out["never_inspected"] = never.astype(float)
    for name, column in (("industry_major", "industry_major_rate"), ("industry_any", "industry_any_rate")):
        rate = frame[column].astype(float).clip(RATE_FLOOR, 1 - RATE_FLOOR)
        out[name] = np.log(rate / (1 - rate))
    out["employees"] = np.log1p(frame["employees"].astype(float))
    out["major_hazard_source"] = frame["major_hazard_source"].astype(float)
    out["listed"] = frame["listed"].astype(float)
    for kind in VISIT_TYPES:
        out[f"visit_{kind}"] = (frame["visit_type"] == kind).astype(float)
    return out


@dataclass(frozen=True)
class Fitted:
    """One logistic regression on the standardised columns, or a constant rate when it cannot be fit."""

    coef: np.ndarray
    intercept: float
    examples: int
    positives: int
    constant: float | None = None

    def logits(self, z: np.ndarray) -> np.ndarray:
        """Log-odds of each standardised row."""
        if self.constant is not None:
            p = min(max(self.constant, RATE_FLOOR), 1 - RATE_FLOOR)
            return np.full(len(z), np.log(p / (1 - p)))
        return self.intercept + z @ self.coef


@dataclass(frozen=True)
class Model:
    """The fitted plan model as of a date: how to prepare rows, and both regressions."""

    as_of: date
    columns: tuple[str, ...]
    fill: dict[str, float]
    mean: np.ndarray
    scale: np.ndarray
    major: Fitted
    any: Fitted
    not_recorded: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    examples_in_window: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def usable(self) -> bool:
        """True when the major-hazard model was fit (not a constant rate)."""
        return self.major.constant is None

    def standardised(self, frame: pd.DataFrame) -> np.ndarray:
        """Feature rows → the standardised matrix the regressions read."""
        return (_prepared(design(frame), self.columns, self.fill) - self.mean) / self.scale

    def coefficients(self) -> pd.DataFrame:
        """Per design column: the coefficients of both regressions (standardised units) and its group."""
        return pd.DataFrame({
            "column": list(self.columns),
            "group": [group_of(c) for c in self.columns],
            "major": self.major.coef if self.major.constant is None else np.zeros(len(self.columns)),
            "any": self.any.coef if self.any.constant is None else np.zeros(len(self.columns)),
        })


def group_of(column: str) -> str:
    """The reason group of a design column (a missing indicator belongs to its column's group)."""
    return GROUPS[column.removesuffix(MISSING_SUFFIX)]


def _prepared(raw: pd.DataFrame, columns: tuple[str, ...], fill: dict[str, float]) -> np.ndarray:
    out = np.empty((len(raw), len(columns)))
    for j, column in enumerate(columns):
        if column.endswith(MISSING_SUFFIX):
            out[:, j] = raw[column.removesuffix(MISSING_SUFFIX)].isna().to_numpy(dtype=float)
        else:
            out[:, j] = raw[column].fillna(fill.get(column, 0.0)).to_numpy(dtype=float)
    return out


def fit(train: pd.DataFrame, as_of: date, sources: dict[str, int], c: float,
        examples_in_window: int | None = None) -> Model:
    """Fit both regressions on the example rows of plan_features (role 'train').

    ``sources`` are the counts of plan_sources.sql as of the same date: a source with
    0 records drops the columns built on it. ``c`` is scikit-learn's inverse
    regularisation strength on standardised columns.
    """
    raw = design(train)
    not_recorded = tuple(sorted({SOURCES[c_] for c_ in raw.columns if c_ in SOURCES and not sources.get(SOURCES[c_])}))
    candidates = [col for col in raw.columns if SOURCES.get(col) not in not_recorded]
    columns: list[str] = []
    fill: dict[str, float] = {}
    dropped: list[str] = []
    for column in candidates:
        values = raw[column]
        if values.notna().sum() == 0:
            dropped.append(column)
            continue
        fill[column] = float(values.median())
        columns.append(column)
        if values.isna().any():
            columns.append(column + MISSING_SUFFIX)
    x = _prepared(raw, tuple(columns), fill)
    spread = x.std(axis=0) if len(x) else np.zeros(len(columns))
    keep = spread > 1e-9
    dropped += [col for col, k in zip(columns, keep, strict=True) if not k]
    columns = [col for col, k in zip(columns, keep, strict=True) if k]
    x = x[:, keep]
    mean = x.mean(axis=0) if len(x) else np.zeros(len(columns))
    scale = x.std(axis=0) if len(x) else np.ones(len(columns))
    z = (x - mean) / scale
    return Model(
        as_of=as_of, columns=tuple(columns), fill=fill, mean=mean, scale=scale,
        major=_fit_one(z, train["found_major"].to_numpy(dtype=bool), c),
        any=_fit_one(z, train["found_any"].to_numpy(dtype=bool), c),
        not_recorded=not_recorded, dropped=tuple(dropped),
        examples_in_window=len(train) if examples_in_window is None else examples_in_window,
    )


def _fit_one(z: np.ndarray, y: np.ndarray, c: float) -> Fitted:
    positives = int(y.sum())
    if len(y) < MIN_EXAMPLES or positives == 0 or positives == len(y) or z.shape[1] == 0:
        rate = positives / len(y) if len(y) else 0.0
        return Fitted(np.zeros(z.shape[1]), 0.0, len(y), positives, constant=rate)
    from sklearn.linear_model import LogisticRegression  # on first fit only: the import costs ~1 s
    from threadpoolctl import threadpool_limits

    regression = LogisticRegression(C=c, max_iter=2000, tol=1e-6)
    # One BLAS thread: a fit this small gains nothing from more, and on a busy server
    # OpenBLAS's spinning threads made it ten times slower.
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        # Convergence to 1e-6 on standardised columns is ample; a rare warning changes no ranking.
        warnings.simplefilter("ignore")
        regression.fit(z, y)
    return Fitted(regression.coef_[0].copy(), float(regression.intercept_[0]), len(y), positives)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class Scores:
    """Probabilities of feature rows and the contribution of each reason group to the major log-odds.

    Contributions are measured from the average example (standardised columns); the
    visit-type covariates are no reason and are left out of them.
    """

    p_major: np.ndarray
    p_any: np.ndarray
    groups: tuple[str, ...]
    contributions: np.ndarray  # rows × groups
    z: np.ndarray  # rows × model columns, standardised


def score(model: Model, frame: pd.DataFrame) -> Scores:
    """Both probabilities for each feature row, with per-group contributions to the major model."""
    z = model.standardised(frame) if len(frame) else np.zeros((0, len(model.columns)))
    major = model.major.logits(z)
    groups = tuple(g for g in GROUP_ORDER
                   if g not in NOT_REASONS and any(group_of(c) == g for c in model.columns))
    contributions = np.zeros((len(frame), len(groups)))
    if model.major.constant is None:
        per_column = z * model.major.coef
        for k, group in enumerate(groups):
            members = [j for j, c in enumerate(model.columns) if group_of(c) == group]
            contributions[:, k] = per_column[:, members].sum(axis=1)
    return Scores(sigmoid(major), sigmoid(model.any.logits(z)), groups, contributions, z)


# Groups that read as a reason only when the enterprise has the thing they count or name:
# "0 overdue hazards" or "not listed" explains nothing, whatever a coefficient says.
PRESENCE = {
    **{c: c for c in COUNT_COLUMNS},
    "listed": "listed",
}
# Groups worded as "more of something" (a rate, a size, a count): a reason only when the
# enterprise has more of it than the average example, so that a reason always reads the
# way it pushes. A negative weight (one feature standing in for another) then gives none.
ABOVE_AVERAGE = {
    **{c: c for c in COUNT_COLUMNS if c != "inspections_recent"},
    "industry": "industry_major",
    "employees": "employees",
}


def describable(model: Model, frame: pd.DataFrame, scores: Scores) -> np.ndarray:
    """rows × groups of ``scores``: whether a group can be put into words as a reason for that row."""
    groups = scores.groups
    out = np.ones((len(frame), len(groups)), dtype=bool)
    for k, group in enumerate(groups):
        column = PRESENCE.get(group)
        if column is not None:
            out[:, k] = frame[column].fillna(0).astype(float).to_numpy() > 0
        elif group == "major_hazard_source":
            out[:, k] = frame[group].isna().to_numpy() | frame[group].fillna(False).astype(bool).to_numpy()
        feature = ABOVE_AVERAGE.get(group)
        if feature in model.columns:
            # Above the average example is above zero once standardised.
            out[:, k] &= scores.z[:, model.columns.index(feature)] > 0
    return out


def top_groups(scores: Scores, limit: int, minimum: float, eligible: np.ndarray | None = None) -> np.ndarray:
    """Per row, the reason groups raising the major log-odds most (at least ``minimum``), largest first.

    Returned as rows × ``limit`` positions in ``GROUP_ORDER`` (-1: no further reason).
    ``eligible`` (rows × groups, from ``describable``) leaves out groups that cannot be
    worded as a reason for that row.
    """
    n = len(scores.p_major)
    out = np.full((n, max(limit, 0)), -1, dtype=np.int64)
    if not scores.groups or limit <= 0:
        return out
    usable = scores.contributions >= minimum
    if eligible is not None:
        usable &= eligible
    ranked = np.where(usable, scores.contributions, -np.inf)
    order = np.argsort(-ranked, axis=1, kind="stable")[:, :limit]
    codes = np.array([GROUP_ORDER.index(g) for g in scores.groups])[order]
    return np.where(np.take_along_axis(usable, order, axis=1), codes, -1)


def reason_texts(group: str, frame: pd.DataFrame, lang: str, positions: np.ndarray) -> list[str]:
    """A reason in words for the rows of ``frame`` at ``positions``, from each row's own values.

    Column-wise, with each template looked up once: the CLI words every operating
    enterprise of a province (180,000 rows).
    """
    def template(name: str) -> str:
        return i18n.text(f"plan.reason.{name}", lang)

    def column(name: str) -> list:
        return frame[name].to_numpy(dtype=object)[positions].tolist()

    if group == "risk":
        labels = {code: i18n.label("risk_level", code, lang) for code in RISK_LEVELS}
        return [template("risk").format(risk=labels.get(code, code)) for code in column("risk_level")]
    if group == "gap":
        never, days = template("never_inspected"), template("gap")
        return [never if flag else days.format(days=int(d), interval=int(i))
                for flag, d, i in zip(column("never_inspected"), column("days_since_inspection"),
                                      column("interval_days"), strict=True)]
    if group == "industry":
        unknown, known = template("industry_unknown"), template("industry")
        return [unknown if _missing(ind) else known.format(industry=ind, rate=f"{100 * float(rate):.1f}")
                for ind, rate in zip(column("industry"), column("industry_major_rate"), strict=True)]
    if group == "employees":
        unknown, known = template("employees_unknown"), template("employees")
        return [unknown if _missing(v) else known.format(n=int(v)) for v in column("employees")]
    if group in ("major_hazard_source", "listed"):
        words = {None: template(f"{group}_unknown"), True: template(group), False: template(f"{group}_no")}
        return [words[None if _missing(v) else bool(v)] for v in column(group)]
    plain = template(group)
    if group == "inspections_recent" and "few_inspections" in frame:
        few = template("inspections_few")
        return [(few if f else plain).format(n=int(v))
                for v, f in zip(column(group), column("few_inspections"), strict=True)]
    return [plain.format(n=int(v)) for v in column(group)]


def few_inspections(model: Model, frame: pd.DataFrame) -> np.ndarray:
    """Whether each row had fewer inspections in the recent window than the average example."""
    if "inspections_recent" not in model.columns:
        return np.zeros(len(frame), dtype=bool)
    average = model.mean[model.columns.index("inspections_recent")]
    return np.log1p(frame["inspections_recent"].astype(float).to_numpy()) < average


def _missing(value) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
