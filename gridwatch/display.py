"""How a figure is shown: one registry behind every card on every page and in every export.

Each figure has a ``Spec``: the locale entry of its label and help, its unit (count, rate,
days, money), which direction is worse, and whether comparing it means anything (a figure of
the register alone, such as the enterprises in scope, is the same in any period: its change
is always 0 and is not shown). A ``Card`` is a figure's value with the value it is compared
with (``metrics.compare``); it writes the value (``83.2%``, ``未记录`` / ``not recorded``
when the data never records the field), the change (``+2.1 个百分点`` / ``+2.1 pp``, ``+3``,
``+25,000``) and judges it: better, worse or neutral (zero change and figures that are
neither better nor worse are neutral, drawn grey without an arrow). Pages draw cards with
``draw``; the brief's PDF, HTML and Excel write the same ``Card`` texts.
"""

import re
from dataclasses import dataclass

from gridwatch import formatting, i18n, metrics

COUNT, RATE, DAYS, MONEY = "count", "rate", "days", "money"
HIGHER, LOWER, NEITHER = "higher", "lower", "neither"
BETTER, WORSE, NEUTRAL = "better", "worse", "neutral"


@dataclass(frozen=True)
class Spec:
    """How one figure is shown.

    ``text``: the locale prefix holding ``label`` and ``help``; ``unit``: count, rate (a
    fraction shown as a percentage), days or money; ``worse``: the direction that is worse
    (higher, lower, or neither); ``compared``: False when the change is always 0.
    """

    key: str
    text: str
    unit: str
    worse: str
    compared: bool = True


def _specs(*specs: Spec) -> dict[str, Spec]:
    return {s.key: s for s in specs}


def _headline(key: str, unit: str, worse: str, compared: bool = True) -> Spec:
    return Spec(key, f"metrics.{key}", unit, worse, compared)


SPECS = _specs(
    _headline("enterprises_in_scope", COUNT, NEITHER, compared=False),
    _headline("inspected_enterprises", COUNT, LOWER),
    _headline("coverage_rate", RATE, LOWER),
    _headline("overdue_for_inspection", COUNT, HIGHER),
    _headline("blind_spots", COUNT, HIGHER, compared=False),
    _headline("inspections", COUNT, LOWER),
    _headline("hazards_found", COUNT, NEITHER),
    _headline("major_hazards_found", COUNT, HIGHER),
    _headline("rectified", COUNT, LOWER),
    _headline("rectification_rate", RATE, LOWER),
    _headline("rectified_in_period", COUNT, LOWER),
    _headline("due_in_period", COUNT, NEITHER),
    _headline("rectified_on_time", COUNT, LOWER),
    _headline("on_time_rate", RATE, LOWER),
    _headline("overdue_open", COUNT, HIGHER),
    _headline("verification_rate", RATE, LOWER),
    _headline("median_days_to_rectify", DAYS, HIGHER),
    _headline("rectified_date_unknown", COUNT, NEITHER),
    Spec("p90_days_to_rectify", "display.card.p90_days_to_rectify", DAYS, HIGHER),
    *(Spec(f"aged_{b}", "display.card.aged", COUNT, HIGHER) for b in range(1, 5)),
    Spec("overdue_major", "display.card.overdue_major", COUNT, HIGHER),
    Spec("newly_listed", "display.card.newly_listed", COUNT, HIGHER),
    Spec("cases_filed", "display.card.cases_filed", COUNT, NEITHER),
    Spec("penalties", "display.card.penalties", MONEY, NEITHER),
    Spec("tipoffs_received", "display.card.tipoffs_received", COUNT, HIGHER),
    Spec("tipoffs_verified", "display.card.tipoffs_verified", COUNT, NEITHER),
    Spec("key_coverage_rate", "display.card.key_coverage_rate", RATE, LOWER),
    Spec("repeat_hazards", "display.card.repeat_hazards", COUNT, HIGHER),
    Spec("repeat_share", "display.card.repeat_share", RATE, HIGHER),
    Spec("coverage_blind_spots", "metrics.blind_spots", COUNT, HIGHER, compared=False),
    Spec("coverage_overdue", "metrics.overdue_for_inspection", COUNT, HIGHER),
    Spec("uninspected_grids", "display.card.uninspected_grids", COUNT, HIGHER),
    Spec("towns_below_ratio", "display.card.towns_below_ratio", COUNT, HIGHER, compared=False),
    Spec("villages_short", "display.card.villages_short", COUNT, HIGHER, compared=False),
    Spec("five_majors", "display.card.five_majors", COUNT, NEITHER),
    Spec("five_complete", "display.card.five_complete", COUNT, LOWER),
    Spec("five_incomplete", "display.card.five_incomplete", COUNT, HIGHER),
    Spec("cases_decided", "display.card.cases_decided", COUNT, NEITHER),
    Spec("interview_rate", "display.card.interview_rate", RATE, LOWER),
    Spec("review_rate", "display.card.review_rate", RATE, LOWER),
    Spec("penalty_total", "display.card.penalty_total", MONEY, NEITHER),
    Spec("tipoffs_linked", "display.card.tipoffs_linked", COUNT, NEITHER),
    Spec("tipoffs_closed", "display.card.tipoffs_closed", COUNT, NEITHER),
    Spec("reward_total", "display.card.reward_total", MONEY, NEITHER),
)

_SIGN = re.compile(r"^[+-]")


def spec(key: str) -> Spec:
    """The registry entry of figure ``key``; KeyError names a figure nobody registered."""
    try:
        return SPECS[key]
    except KeyError:
        raise KeyError(f"figure {key!r} is not in gridwatch.display.SPECS") from None


def _label_values(key: str, lang: str) -> dict:
    if key.startswith("aged_"):
        from gridwatch import rectification

        return {"range": rectification.ageing_label(int(key.removeprefix("aged_")), lang)}
    return {}


def value_text(key: str, value, lang: str, missing: tuple[str, ...] = ()) -> str:
    """A figure's value as people read it: ``1,234``, ``83.2%``, ``10.5``, ``未记录``, ``—``."""
    if missing:
        return i18n.text("metrics.not_recorded.value", lang)
    value = formatting.plain(value)
    unit = spec(key).unit
    if unit == RATE:
        return formatting.rate(value)
    if unit == DAYS:
        return formatting.number(value)
    if unit == MONEY:
        return formatting.DASH if value is None else f"{value:,.0f}"
    return formatting.count(value)


def change_text(key: str, difference: float, lang: str) -> str:
    """A change as people read it: ``+3``, ``+2.1 个百分点`` / ``+2.1 pp``, ``+25,000``, ``0``."""
    unit = spec(key).unit
    if unit == RATE:
        number = f"{difference * 100:+.1f}"
    elif unit == DAYS:
        number = f"{difference:+,.1f}"
    elif unit == MONEY:
        number = f"{difference:+,.0f}"
    else:
        number = f"{int(round(difference)):+,}"
    if not float(number.replace(",", "")):
        number = _SIGN.sub("", number).replace("-", "")
    return i18n.text("display.pp", lang, n=number) if unit == RATE else number


@dataclass(frozen=True)
class Card:
    """One figure: its value, the value compared with (None: no comparison) and what the data lacks.

    ``missing`` (value) and ``previous_missing`` name the fields the data does not record
    (``metrics.NEEDS``): such a figure is shown as not recorded, never as zero.
    """

    key: str
    value: float | int | None
    previous: float | int | None = None
    compared: bool = False
    missing: tuple[str, ...] = ()
    previous_missing: tuple[str, ...] = ()

    @property
    def spec(self) -> Spec:
        """The figure's registry entry."""
        return spec(self.key)

    @property
    def not_recorded(self) -> bool:
        """True when the data in scope never records a field the figure needs."""
        return bool(self.missing)

    def label(self, lang: str) -> str:
        """The figure's name."""
        return i18n.text(f"{self.spec.text}.label", lang, **_label_values(self.key, lang))

    def help(self, lang: str) -> str:
        """The figure's one-line definition, and why it is not shown when not recorded."""
        text = i18n.text(f"{self.spec.text}.help", lang, **_label_values(self.key, lang))
        if self.missing:
            text += " " + i18n.text("metrics.not_recorded.help", lang, reason=metrics.reason(self.missing, lang))
        return text

    def shown(self, lang: str) -> str:
        """The value as the card shows it."""
        return value_text(self.key, self.value, lang, self.missing)

    def previous_shown(self, lang: str) -> str:
        """The compared value as the exports show it."""
        return value_text(self.key, self.previous, lang, self.previous_missing)

    @property
    def difference(self) -> float | None:
        """Value minus the compared value; None when there is no meaningful comparison."""
        if not (self.compared and self.spec.compared) or self.missing or self.previous_missing:
            return None
        a, b = formatting.plain(self.value), formatting.plain(self.previous)
        if a is None or b is None:
            return None
        return a - b

    def delta(self, lang: str) -> str | None:
        """The change as the card shows it, or None when not shown."""
        d = self.difference
        return None if d is None else change_text(self.key, d, lang)

    @property
    def unchanged(self) -> bool:
        """True when the change, as written, is zero."""
        d = self.difference
        return d is not None and not float(re.sub(r"[^\d.]", "", change_text(self.key, d, "en")) or 0)

    @property
    def judgement(self) -> str:
        """better, worse or neutral, as the colour shows it."""
        d = self.difference
        if d is None or self.unchanged or self.spec.worse == NEITHER:
            return NEUTRAL
        return WORSE if (d > 0) == (self.spec.worse == HIGHER) else BETTER

    def metric_args(self, lang: str) -> dict:
        """Keyword arguments for ``st.metric``: value, change, colour and arrow, help."""
        # Streamlit colours a rise green under "normal" and red under "inverse".
        if self.judgement == NEUTRAL:
            colour = "off"
        else:
            colour = "inverse" if self.spec.worse == HIGHER else "normal"
        return {"label": self.label(lang), "value": self.shown(lang), "delta": self.delta(lang),
                "delta_color": colour, "delta_arrow": "off" if self.unchanged else "auto",
                "help": self.help(lang), "border": True}


def card(key: str, figures: dict, baseline: dict | None = None, recorded: dict | None = None,
         baseline_recorded: dict | None = None) -> Card:
    """The card of figure ``key`` from a figures dict (``metrics.headline`` or any query row).

    ``baseline``: the compared figures (None: no comparison). ``recorded``: the fields the data
    records (``metrics.recorded``); without it, the figures' own ``not_recorded`` list decides.
    """
    def lacking(values, fields):
        if values is None:
            return ()
        if fields is not None:
            return metrics.missing_fields(key, fields)
        for entry in values.get("not_recorded", ()):
            if entry["key"] == key:
                return tuple(f for f in metrics.NEEDS.get(key, ()) if metrics.FIELDS[f] in entry["fields"])
        return ()

    return Card(key, formatting.plain(figures.get(key)),
                None if baseline is None else formatting.plain(baseline.get(key)),
                compared=baseline is not None, missing=lacking(figures, recorded),
                previous_missing=lacking(baseline, baseline_recorded if baseline_recorded is not None else recorded))


MAX_PER_ROW = 5
# Trend panels per row: the brief's chart on its page, in its PDF and in its HTML.
PANELS_PER_ROW = 3


def rows(items: list, max_per_row: int = MAX_PER_ROW) -> list[list]:
    """Cards split into rows of at most ``max_per_row``, as even as two rows allow (7 → 4 + 3)."""
    items = list(items)
    if not items:
        return []
    per_row = len(items) if len(items) <= max_per_row else -(-len(items) // -(-len(items) // max_per_row))
    return [items[i:i + per_row] for i in range(0, len(items), per_row)]


def draw(where, card: Card, lang: str, note: str = "", **extra) -> None:
    """Draw ``card`` with ``st.metric`` in ``where`` (a column or container); ``note`` adds to the help.

    ``extra`` goes to ``st.metric`` (``delta_description``, ``chart_data``); a card without a
    change shown gets no ``delta_description`` either.
    """
    args = card.metric_args(lang)
    if note:
        args["help"] = f"{args['help']} {note}"
    if args["delta"] is None:
        extra.pop("delta_description", None)
    where.metric(**args, **extra)
