"""Quarterly staff performance score (季度量化考核): the one scoring function and its helpers.

``queries/performance_components.sql`` gives each active staff member's raw
components for a quarter; ``score`` scales them within the peer group (active
staff of the same role), weights them and ranks. The page, its Excel export and
``python -m gridwatch score`` all call ``score`` (through ``quarter_scores`` in
the CLI), so a figure cannot differ between them.

Rules of the score (docs/performance.md explains why):

- Scaling: min–max within the peer group to 0–100, over the members who have a
  value. A component with no spread in the group (all equal, or fewer than two
  values) carries no information and is left out for the whole group.
- Nothing to measure (a rate whose denominator is 0, e.g. no hazards due): the
  raw value is missing, and the component is left out of that person's weighted
  mean with their remaining weights renormalised — it neither rewards nor
  punishes them.
- Score: Σ scaled × weight over the components used, weights renormalised to
  sum to 1 per person; rounded to two decimals. Rank 1 is the highest; equal
  (rounded) scores share a rank, the next rank skips ("1, 1, 3"). A person with
  no usable component has no score and ranks after everyone who has one.
"""

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from gridwatch import exports, formatting, i18n, rules
from gridwatch.reader import Runner

COMPONENTS = (
    "inspections_led",
    "inspections_joined",
    "enterprises_inspected",
    "hazards_found_weighted",
    "follow_through_rate",
    "cases_handled",
    "worklog_completeness",
)
RATE_COMPONENTS = ("follow_through_rate", "worklog_completeness")
PEER_KEY = "role"
STAFF_COLUMNS = ("staff_id", "name", "unit", "role")

_QUARTER = re.compile(r"^\s*(\d{4})\s*[-_ ]?\s*[Qq]\s*([1-4])\s*$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, written ``2026Q3``."""

    year: int
    number: int

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def start(self) -> date:
        """The quarter's first day."""
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        """The quarter's last day."""
        return self.next().start - timedelta(days=1)

    def previous(self) -> "Quarter":
        """The quarter before this one."""
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def next(self) -> "Quarter":
        """The quarter after this one."""
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def as_of(self, data_as_of: date | None) -> date:
        """T: the quarter's end, or the data's as-of date if that is earlier."""
        return min(self.end, data_as_of) if data_as_of else self.end


def parse_quarter(text: str) -> Quarter:
    """``'2026Q3'`` → Quarter(2026, 3); ValueError with a plain message otherwise."""
    m = _QUARTER.match(str(text))
    if not m:
        raise ValueError(f"not a quarter like 2026Q3: {text!r}")
    return Quarter(int(m.group(1)), int(m.group(2)))


def quarter_of(d: date) -> Quarter:
    """The quarter a date falls in."""
    return Quarter(d.year, (d.month - 1) // 3 + 1)


def recent_quarters(last: Quarter, count: int) -> list[Quarter]:
    """``count`` quarters ending with ``last``, newest first."""
    out = [last]
    while len(out) < count:
        out.append(out[-1].previous())
    return out


def default_quarter(data_as_of: date) -> Quarter:
    """The quarter a page opens on: the last one finished by the data's as-of date (the quarter
    that date falls in when it is that quarter's last day), so nobody is ranked on a quarter
    half run."""
    current = quarter_of(data_as_of)
    return current if data_as_of >= current.end else current.previous()


def is_finished(quarter: Quarter, data_as_of: date) -> bool:
    """True when the data reaches the quarter's last day."""
    return data_as_of >= quarter.end


def raw_text(name: str, value) -> str:
    """A component's raw value as people read it: a rate as a percentage, a count as a number."""
    if formatting.is_missing(value):
        return formatting.DASH
    if name in RATE_COMPONENTS:
        return formatting.rate(value)
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def breakdown_for_people(detail: pd.DataFrame) -> pd.DataFrame:
    """``breakdown`` with the raw value and the group's min, median and max as text: rates (the
    follow-through and work-log ones) as percentages beside counts in one column."""
    out = detail.copy()
    for column in ("raw", "group_min", "group_median", "group_max"):
        out[column] = [raw_text(name, value) for name, value in zip(out["component"], out[column], strict=True)]
    return out


def rule_weights(rule_values: dict | None = None) -> dict[str, float]:
    """The component weights of the rules file ([scoring.weights])."""
    configured = (rule_values or rules.load())["scoring"]["weights"]
    return {name: float(configured[name]) for name in COMPONENTS}


def component_params(quarter: Quarter, data_as_of: date | None) -> dict:
    """The parameters of ``performance_components`` (and the records queries) for a quarter."""
    return {"start": quarter.start, "as_of": quarter.as_of(data_as_of)}


def _scale(values: pd.Series) -> tuple[pd.Series, bool]:
    """Min–max to 0–100 over the present values; (scaled, informative)."""
    present = values.dropna()
    if present.nunique() < 2:
        return pd.Series(math.nan, index=values.index), False
    low, high = present.min(), present.max()
    return (values - low) / (high - low) * 100.0, True


def competition_rank(scores: pd.Series) -> pd.Series:
    """1 = highest; equal scores share a rank and the next rank skips; missing ranks last."""
    ranked = scores.rank(method="min", ascending=False)
    missing = scores.isna()
    if missing.any():
        ranked[missing] = int(scores.notna().sum()) + 1
    return ranked.astype("int64")


def score(components: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """Scale, weight and rank raw components; the one scoring function.

    ``components`` has the columns of ``performance_components`` (at least
    staff_id, name, unit, role and the seven components). Returns one row per
    person with, for each component C: ``C`` (raw), ``C_scaled`` (0–100 or NaN
    when left out), ``C_weight`` (the share of C in this person's score; 0 when
    left out), then ``score`` (two decimals, NaN if nothing usable) and ``rank``
    within the peer group. Rows are in (role, rank, staff_id) order.
    """
    bad = [name for name in COMPONENTS if weights.get(name, 0) < 0]
    if bad:
        raise ValueError(f"weights must not be negative: {', '.join(bad)}")
    frame = components.reset_index(drop=True).copy()
    for name in COMPONENTS:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    scaled = pd.DataFrame(index=frame.index, columns=list(COMPONENTS), dtype="float64")
    for _, group in frame.groupby(PEER_KEY, sort=False):
        for name in COMPONENTS:
            values, informative = _scale(group[name])
            if informative:
                scaled.loc[group.index, name] = values
    raw_weights = pd.Series({name: float(weights.get(name, 0)) for name in COMPONENTS})
    used = scaled.notna() & (raw_weights > 0)
    person_weights = used.astype("float64") * raw_weights
    totals = person_weights.sum(axis=1)
    shares = person_weights.div(totals.where(totals > 0), axis=0).fillna(0.0)
    total = (scaled.fillna(0.0) * shares).sum(axis=1).where(totals > 0)
    frame["score"] = total.round(2)
    frame["rank"] = 0
    for _, group in frame.groupby(PEER_KEY, sort=False):
        frame.loc[group.index, "rank"] = competition_rank(group["score"])
    for name in COMPONENTS:
        frame[f"{name}_scaled"] = scaled[name]
        frame[f"{name}_weight"] = shares[name]
    ordered = [*STAFF_COLUMNS, "score", "rank"]
    for name in COMPONENTS:
        ordered += [name, f"{name}_scaled", f"{name}_weight"]
    extra = [c for c in frame.columns if c not in ordered]
    frame = frame[ordered + extra]
    return frame.sort_values(["role", "rank", "staff_id"], kind="stable").reset_index(drop=True)


def contributions(scored: pd.DataFrame) -> pd.DataFrame:
    """Each person's points per component (scaled × weight share); they add up to the score."""
    out = scored[["staff_id", "name", "unit", "role", "score", "rank"]].copy()
    for name in COMPONENTS:
        out[name] = (scored[f"{name}_scaled"].fillna(0.0) * scored[f"{name}_weight"]).round(4)
    return out


def own_rows(scored: pd.DataFrame, staff_id: str) -> pd.DataFrame:
    """The scored rows a staff member may see of the ranking: only their own (sign-in's staff role)."""
    return scored.loc[scored["staff_id"] == staff_id]


def breakdown(scored: pd.DataFrame, staff_id: str) -> pd.DataFrame:
    """One person's components beside their peer group's min, median and max (raw values)."""
    person = scored.loc[scored["staff_id"] == staff_id]
    if person.empty:
        raise KeyError(f"no scored staff member {staff_id!r}")
    row = person.iloc[0]
    group = scored.loc[scored[PEER_KEY] == row[PEER_KEY]]
    records = []
    for name in COMPONENTS:
        values = group[name].dropna()
        records.append({
            "component": name,
            "raw": row[name],
            "group_min": values.min() if len(values) else math.nan,
            "group_median": values.median() if len(values) else math.nan,
            "group_max": values.max() if len(values) else math.nan,
            "scaled": row[f"{name}_scaled"],
            "weight": row[f"{name}_weight"],
            "points": (0.0 if pd.isna(row[f"{name}_scaled"])
                       else row[f"{name}_scaled"] * row[f"{name}_weight"]),
        })
    return pd.DataFrame.from_records(records)


def unit_averages(scored: pd.DataFrame) -> pd.DataFrame:
    """Per unit (squadron or section): staff scored, mean score and mean scaled components."""
    columns = ["score", *(f"{name}_scaled" for name in COMPONENTS)]
    grouped = scored.groupby("unit", sort=True)
    out = grouped[columns].mean().round(2)
    out.insert(0, "staff", grouped["staff_id"].count())
    return out.reset_index().sort_values(["score", "unit"], ascending=[False, True],
                                         na_position="last").reset_index(drop=True)


def person_trend(components_by_quarter: dict[str, pd.DataFrame], weights: dict[str, float],
                 staff_id: str) -> pd.DataFrame:
    """One person's score and rank in each quarter (oldest first), each scored in its own peer group.

    Quarters in which the person is not scored (absent, or no usable component) are left out.
    """
    return trend_of_scored({quarter: score(components, weights)
                            for quarter, components in components_by_quarter.items()}, staff_id)


def trend_of_scored(scored_by_quarter: dict[str, pd.DataFrame], staff_id: str) -> pd.DataFrame:
    """``person_trend`` on quarters already scored (by ``score``), so a caller can cache the scoring."""
    rows = []
    for quarter in sorted(scored_by_quarter):
        scored = scored_by_quarter[quarter]
        person = scored.loc[scored["staff_id"] == staff_id]
        if person.empty or pd.isna(person.iloc[0]["score"]):
            continue
        row = person.iloc[0]
        rows.append({"quarter": quarter, "score": row["score"], "rank": int(row["rank"]),
                     "group_size": int((scored[PEER_KEY] == row[PEER_KEY]).sum())})
    return pd.DataFrame.from_records(rows, columns=["quarter", "score", "rank", "group_size"])


def quarter_scores(run: Runner, quarter: Quarter, data_as_of: date | None,
                   weights: dict[str, float] | None = None) -> pd.DataFrame:
    """Run the components query for a quarter and score it: the page, the CLI and tests score this way."""
    frame = run("performance_components", component_params(quarter, data_as_of))
    return score(frame, weights if weights is not None else rule_weights())


def as_json(scored: pd.DataFrame) -> list[dict]:
    """The CLI's JSON shape: one object per person in rank order (rank, then role, then id)."""
    ordered = scored.sort_values(["rank", "role", "staff_id"], kind="stable")
    out = []
    for row in ordered.to_dict("records"):
        out.append({
            "staff_id": row["staff_id"],
            "name": row["name"],
            "unit": row["unit"],
            "score": _plain(row["score"], 2),
            "rank": int(row["rank"]),
            "components": {
                name: {
                    "raw": _plain(row[name], 4, whole=name not in RATE_COMPONENTS),
                    "scaled": _plain(row[f"{name}_scaled"], 2),
                    "weight": _plain(row[f"{name}_weight"], 4),
                }
                for name in COMPONENTS
            },
        })
    return out


def _plain(value, digits: int, whole: bool = False):
    if value is None or pd.isna(value):
        return None
    value = float(value)
    return int(value) if whole and value.is_integer() else round(value, digits)


def export_sheets(scored: pd.DataFrame, weights: dict[str, float], lang: str) -> dict[str, pd.DataFrame]:
    """The sheets of the quarter's workbook: ranking, components (long), weights used."""
    def tx(key: str) -> str:
        return i18n.text(f"performance.{key}", lang)

    def comp(name: str) -> str:
        return i18n.text(f"performance.component.{name}", lang)

    ranking = scored[["rank", "staff_id", "name", "unit", "role", "score"]].rename(columns={
        "rank": tx("col.rank"), "staff_id": tx("col.staff_id"), "name": tx("col.name"),
        "unit": tx("col.unit"), "role": tx("col.role"), "score": tx("col.score"),
    })
    long_rows = []
    for row in scored.to_dict("records"):
        for name in COMPONENTS:
            scaled_value = row[f"{name}_scaled"]
            long_rows.append({
                tx("col.staff_id"): row["staff_id"],
                tx("col.name"): row["name"],
                tx("col.role"): row["role"],
                tx("col.component"): name,
                tx("col.component_name"): comp(name),
                tx("col.raw"): row[name],
                tx("col.scaled"): None if pd.isna(scaled_value) else round(scaled_value, 4),
                tx("col.weight"): round(row[f"{name}_weight"], 6),
            })
    rules_now = rule_weights()
    weight_rows = [{
        tx("col.component"): name,
        tx("col.component_name"): comp(name),
        tx("col.weight_used"): weights.get(name, 0),
        tx("col.weight_rules"): rules_now[name],
    } for name in COMPONENTS]
    return {
        tx("sheet.ranking"): ranking,
        tx("sheet.components"): pd.DataFrame.from_records(long_rows),
        tx("sheet.weights"): pd.DataFrame.from_records(weight_rows),
    }


def export_header(weights: dict[str, float], quarter: Quarter, as_of: date, data_as_of: date,
                  lang: str) -> list[str]:
    """The context lines of the quarter's downloads: the quarter, T, the data-as-of date and the weights."""
    return [
        i18n.text("performance.export.title", lang, quarter=str(quarter)),
        i18n.text("performance.export.period", lang, start=quarter.start.isoformat(),
                  as_of=as_of.isoformat(), data_as_of=data_as_of.isoformat()),
        i18n.text("performance.export.weights", lang,
                  weights=i18n.join((f"{name}={weights.get(name, 0):g}" for name in COMPONENTS), lang)),
    ]


def export_workbook(scored: pd.DataFrame, weights: dict[str, float], quarter: Quarter,
                    as_of: date, data_as_of: date, lang: str) -> bytes:
    """The quarter's Excel workbook, headed by ``export_header``."""
    return exports.xlsx_bytes(export_sheets(scored, weights, lang),
                              header_lines=export_header(weights, quarter, as_of, data_as_of, lang))
