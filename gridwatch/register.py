"""The register of one enterprise (一企一册): its data, once, for the page, the workbook and the PDF.

``load`` runs the ``register_*`` queries for one enterprise as of a date; the page
draws the result, ``xlsx`` and ``pdf`` write it. Queries run through a runner
(``gridwatch.reader``): ``ui.query`` in pages (cached per data version),
``Reader(con)`` in the CLI and tests.

What an inspector needs first is the **open now** block (``open_now``,
``open_summary``): the unrectified hazards, most urgent first, with days overdue, the
last escalation step taken and the next one the rules call for, beside the last
inspection and its outcome and the listed supervision. It tops the page and is the
PDF's first page. The urgency order and the ladder come from ``register_hazards.sql``.
"""

from dataclasses import dataclass
from datetime import date

import pandas as pd

from gridwatch import exports, i18n, labelling
from gridwatch.pdf import Document
from gridwatch.reader import Runner

SEARCH_LIMIT = 50
SECTIONS = ("hazards", "timeline", "inspections", "cases", "tipoffs")
OPEN_STATUSES = ("open", "overdue")

# Which code labels each column of a section shows (columns not named stay as they are).
CODED = {
    "hazards": {"level": "hazard_level", "status": "hazard_status"},
    "inspections": {"type": "inspection_type"},
    "cases": {"measure": "measure"},
}
# Escalation-step columns of the hazards section, labelled from register.step.*.
STEP_COLUMNS = ("next_step", "last_step")
# Columns a section leaves out for people: the sort key, and the ladder's raw inputs
# that the next/last step columns already say in words.
HIDDEN = {"hazards": ("urgency", "case_date")}
# Within one day, events happen in this order (the timeline lists the newest first).
EVENT_ORDER = ("inspection", "hazard_found", "reminder", "order", "rectified", "verified", "case_filed",
               "interview", "case_decided", "tipoff", "tipoff_closed")
HEADER_FIELDS = ("name", "credit_code", "industry", "town", "village", "department", "squadron",
                 "grid", "risk_level", "status", "employees", "major_hazard_source", "listed")


@dataclass(frozen=True)
class Register:
    """One enterprise's register as of a date: header fields and one frame per section."""

    enterprise_id: str
    as_of: date
    header: dict
    hazards: pd.DataFrame
    inspections: pd.DataFrame
    cases: pd.DataFrame
    tipoffs: pd.DataFrame


def load(run: Runner, enterprise_id: str, as_of: date, towns: tuple[str, ...] = ()) -> Register | None:
    """The register of ``enterprise_id`` as of ``as_of``; None if no such enterprise in ``towns`` (empty: all).

    ``towns`` is the user's town scope: an enterprise of another town reads as unknown.
    """
    params = {"enterprise_id": str(enterprise_id), "as_of": as_of, "towns": list(towns)}
    header = run("register_header", params)
    if header.empty:
        return None
    return Register(
        enterprise_id=str(enterprise_id),
        as_of=as_of,
        header=header.iloc[0].to_dict(),
        hazards=run("register_hazards", params),
        inspections=run("register_inspections", params),
        cases=run("register_cases", params),
        tipoffs=run("register_tipoffs", params),
    )


def search(run: Runner, text: str, limit: int = SEARCH_LIMIT, towns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Enterprises of ``towns`` (empty: all) whose name or credit code contains ``text`` (at most ``limit``)."""
    return run("register_search", {"search": (text or "").strip(), "limit": int(limit), "towns": list(towns)})


def _t(key: str, lang: str, **values) -> str:
    return i18n.text(f"register.{key}", lang, **values)


def _date(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return pd.Timestamp(value).date().isoformat()


def _yes_no(value, lang: str) -> str:
    if value is None or pd.isna(value):
        return ""
    return _t("yes" if bool(value) else "no", lang)


def _people(names, lang: str) -> str:
    """An inspection's participants (a list from the query, or nothing) joined in ``lang``."""
    if names is None or isinstance(names, float) or names is pd.NA:
        return ""
    return i18n.join(names, lang)


def _known_true(value) -> bool:
    """True only for a recorded yes (a yes/no fact may be null: not recorded)."""
    return value is not None and not pd.isna(value) and bool(value)


def _yes_no_word(value, yes: str, no: str, lang: str) -> str:
    if value is None or pd.isna(value):
        return ""
    return _t(yes if bool(value) else no, lang)


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _step(code, lang: str) -> str:
    return "" if _missing(code) else _t(f"step.{code}", lang)


def _next_step(code, last_step, lang: str) -> str:
    """The ladder's next rung; once a case is filed the ladder has none (the case's decision follows):
    say so rather than leave the cell blank, which reads as "nothing to do"."""
    if _missing(code) and last_step in ("case", "suspension"):
        return _t("step.per_case", lang)
    return _step(code, lang)


def is_listed(reg: Register) -> bool:
    """True when the enterprise was under listed supervision (挂牌督办) on the as-of date."""
    days = reg.header.get("days_listed")
    return days is not None and not pd.isna(days)


def listed_text(reg: Register, lang: str) -> str:
    """Listed supervision as people read it: since when and for how many days, or not listed."""
    if not is_listed(reg):
        return _t("not_listed", lang)
    return _t("listed_days", lang, since=_date(reg.header["listed_since"]), days=int(reg.header["days_listed"]))


def header_rows(reg: Register, lang: str) -> list[tuple[str, str]]:
    """The header as (label, value) pairs in ``lang``."""
    h = reg.header
    grid = " ".join(str(v) for v in (h.get("grid_id"), h.get("grid_name")) if v and not pd.isna(v))
    values = {
        "name": h.get("name"),
        "credit_code": h.get("credit_code"),
        "industry": h.get("industry"),
        "town": h.get("town"),
        "village": h.get("village"),
        "department": h.get("department"),
        "squadron": h.get("squadron"),
        "grid": grid,
        "risk_level": i18n.label("risk_level", h.get("risk_level"), lang),
        "status": i18n.label("status", h.get("status"), lang),
        "employees": "" if pd.isna(h.get("employees")) else str(int(h["employees"])),
        "major_hazard_source": _yes_no(h.get("major_hazard_source"), lang),
        "listed": listed_text(reg, lang),
    }
    return [(_t(f"field.{key}", lang), "" if values[key] is None or (
        not isinstance(values[key], str) and pd.isna(values[key])) else str(values[key]))
        for key in HEADER_FIELDS]


def timeline(reg: Register, lang: str) -> pd.DataFrame:
    """Every dated event of the register, newest first: inspections, hazards and their
    escalation (reminder, order, rectified, verified), cases and tip-offs."""
    events: list[tuple] = []
    for r in reg.inspections.itertuples(index=False):
        detail = i18n.label("inspection_type", r.type, lang)
        if isinstance(r.campaign, str) and r.campaign:
            detail = _t("in_campaign", lang, type=detail, campaign=r.campaign)
        staff = _people(r.staff, lang) or r.lead_staff
        events.append((r.date, "inspection", r.inspection_id, f"{detail} · {staff}"))
    for r in reg.hazards.itertuples(index=False):
        what = f"{i18n.label('hazard_level', r.level, lang)} · {r.category}"
        found = what + (f" · {r.description}" if isinstance(r.description, str) and r.description else "")
        events.append((r.found_date, "hazard_found", r.hazard_id, found))
        for column in ("reminder_date", "order_date", "rectified_date", "verified_date"):
            when = getattr(r, column)
            if not pd.isna(when):
                events.append((when, column.removesuffix("_date"), r.hazard_id, what))
    for r in reg.cases.itertuples(index=False):
        about = r.hazard_id if isinstance(r.hazard_id, str) else ""
        events.append((r.filed_date, "case_filed", r.case_id, about))
        if not pd.isna(r.interview_date):
            events.append((r.interview_date, "interview", r.case_id, about))
        if not pd.isna(r.decided_date):
            detail = i18n.label("measure", r.measure, lang)
            if not pd.isna(r.penalty_amount):
                detail += " · " + _t("penalty", lang, amount=f"{r.penalty_amount:,.0f}")
            if _known_true(r.collective_review):
                detail += " · " + _t("collective_review", lang)
            events.append((r.decided_date, "case_decided", r.case_id, detail))
    for r in reg.tipoffs.itertuples(index=False):
        # Whether a tip-off was verified may not be recorded (null): then the timeline says nothing of it.
        events.append((r.received_date, "tipoff", r.tipoff_id,
                       _yes_no_word(r.verified, "verified", "unverified", lang)))
        if not pd.isna(r.closed_date):
            events.append((r.closed_date, "tipoff_closed", r.tipoff_id, ""))
    frame = pd.DataFrame(events, columns=["date", "event", "reference", "detail"])
    if frame.empty:
        return _localise_columns(frame, "timeline", lang)
    frame["date"] = frame["date"].map(_date)
    frame["rank"] = frame["event"].map(EVENT_ORDER.index)
    frame = frame.sort_values(["date", "rank", "reference"], ascending=False, kind="stable").drop(columns="rank")
    frame["event"] = frame["event"].map(lambda code: _t(f"event.{code}", lang))
    return _localise_columns(frame.reset_index(drop=True), "timeline", lang)


def _localise_columns(frame: pd.DataFrame, section: str, lang: str) -> pd.DataFrame:
    return frame.rename(columns={c: _t(f"column.{section}.{c}", lang) for c in frame.columns})


def section(reg: Register, name: str, lang: str) -> pd.DataFrame:
    """One section of the register as people read it: labels for codes, dates as text,
    column headers in ``lang``."""
    if name == "timeline":
        return timeline(reg, lang)
    frame = getattr(reg, name).drop(columns=list(HIDDEN.get(name, ())), errors="ignore")
    if name == "hazards" and "last_step" in frame.columns:
        # A hazard rectified without any escalation needed none: say nothing rather than "nothing yet".
        quiet = ~frame["status"].isin(OPEN_STATUSES) & (frame["last_step"] == "none")
        frame["last_step"] = frame["last_step"].astype(object).where(~quiet, None)
    if name == "hazards" and {"next_step", "last_step"} <= set(frame.columns):
        # Once a case is filed the ladder has no next rung (the case's decision follows): say so
        # rather than leave the cell blank, which reads as "nothing to do".
        decided = frame["status"].isin(OPEN_STATUSES) & frame["last_step"].isin(("case", "suspension"))
        frame["next_step"] = frame["next_step"].where(~decided | frame["next_step"].notna(), "per_case")
    step = lambda code: _step(code, lang)  # noqa: E731
    special = {**dict.fromkeys(STEP_COLUMNS if name == "hazards" else (), step),
               **({"staff": lambda names: _people(names, lang)} if name == "inspections" else {})}
    return labelling.for_people(
        frame, lang, headers=f"register.column.{name}.", codes=CODED.get(name, {}), special=special,
        yes_no=(_t("yes", lang), _t("no", lang)), dates=[c for c in frame.columns if c.endswith("date")],
        blank=None)


def open_now(reg: Register) -> pd.DataFrame:
    """The hazards not rectified at the as-of date (open or overdue), in the query's urgency
    order: major before general, overdue before open, most days overdue first, then the
    nearest deadline."""
    rows = reg.hazards[reg.hazards["status"].isin(OPEN_STATUSES)]
    return rows.sort_values("urgency", kind="stable").reset_index(drop=True)


def _step_is_due(row, as_of: date) -> bool:
    return not _missing(row.next_step_due) and pd.Timestamp(row.next_step_due).date() <= as_of


@dataclass(frozen=True)
class OpenSummary:
    """The figures of the open-now block: what is open, how late, what the ladder says is due,
    and the last inspection (None when there was none by the as-of date)."""

    open: int
    major: int
    overdue: int
    most_days_overdue: int | None
    steps_due: int
    last_inspection: dict | None


def open_summary(reg: Register) -> OpenSummary:
    """Counts of the open-now block and the last inspection by the as-of date."""
    rows = open_now(reg)
    overdue = rows[rows["status"] == "overdue"]
    last = reg.inspections.iloc[0].to_dict() if len(reg.inspections) else None
    return OpenSummary(
        open=len(rows),
        major=int((rows["level"] == "major").sum()),
        overdue=len(overdue),
        most_days_overdue=int(overdue["days_overdue"].max()) if len(overdue) else None,
        steps_due=sum(_step_is_due(r, reg.as_of) for r in rows.itertuples(index=False)),
        last_inspection=last,
    )


def open_lines(reg: Register, lang: str) -> list[str]:
    """The open-now block in sentences: open and overdue counts, the last inspection and its
    outcome (未记录 / not recorded when the data has none), listed supervision."""
    summary = open_summary(reg)
    if summary.overdue:
        lines = [_t("open.counts_overdue", lang, open=summary.open, major=summary.major, overdue=summary.overdue,
                    days=summary.most_days_overdue)]
    elif summary.open:
        lines = [_t("open.counts", lang, open=summary.open, major=summary.major)]
    else:
        lines = [_t("open.none", lang, as_of=reg.as_of.isoformat())]
    if summary.steps_due:
        lines.append(_t("open.steps_due", lang, n=summary.steps_due))
    last, listed = summary.last_inspection, listed_text(reg, lang)
    if last is None:
        lines.append(_t("open.never_inspected", lang, as_of=reg.as_of.isoformat(), listed=listed))
    else:
        outcome = last.get("outcome")
        lines.append(_t("open.last_inspection", lang, date=_date(last["date"]),
                        days=(reg.as_of - pd.Timestamp(last["date"]).date()).days,
                        type=i18n.label("inspection_type", last["type"], lang),
                        lead="" if _missing(last.get("lead_staff")) else str(last["lead_staff"]),
                        outcome=_t("not_recorded", lang) if _missing(outcome) or not str(outcome).strip()
                        else str(outcome).strip(), listed=listed))
    return lines


OPEN_COLUMNS = ("status", "level", "days_overdue", "deadline", "hazard", "last_step", "next_step",
                "next_step_due", "hazard_id")


def open_table(reg: Register, lang: str) -> pd.DataFrame:
    """The open-now hazards as people read them: status and level first, days overdue, the
    hazard in words, the last step taken (with its date) and the next step with the day it
    is due (marked ⚠ when that day has come and the step was not taken)."""
    rows = open_now(reg)
    out = pd.DataFrame({
        "status": [i18n.label("hazard_status", v, lang) for v in rows["status"]],
        "level": [i18n.label("hazard_level", v, lang) for v in rows["level"]],
        "days_overdue": rows["days_overdue"].astype("Int64"),
        "deadline": [_date(v) or _t("no_deadline", lang) for v in rows["deadline"]],
        "hazard": [f"{c}：{d}" if isinstance(d, str) and d else str(c)
                   for c, d in zip(rows["category"], rows["description"], strict=True)],
        "last_step": [_step(code, lang) + (f" {_date(when)}" if not _missing(when) else "")
                      for code, when in zip(rows["last_step"], rows["last_step_date"], strict=True)],
        "next_step": [_next_step(code, last, lang) for code, last in zip(rows["next_step"], rows["last_step"],
                                                                          strict=True)],
        "next_step_due": [("" if _missing(r.next_step_due) else
                           ("⚠ " if _step_is_due(r, reg.as_of) else "") + _date(r.next_step_due))
                          for r in rows.itertuples(index=False)],
        "hazard_id": rows["hazard_id"].astype(str),
    }, columns=list(OPEN_COLUMNS))
    return out.rename(columns={c: _t(f"column.open.{c}", lang) for c in OPEN_COLUMNS})


def context_lines(reg: Register, lang: str, data_as_of: date) -> list[str]:
    """What every export of the register says about itself."""
    return [
        _t("export_title", lang, name=reg.header.get("name", ""), id=reg.enterprise_id),
        _t("export_as_of", lang, as_of=reg.as_of.isoformat(), data_as_of=data_as_of.isoformat()),
    ]


def xlsx(reg: Register, lang: str, data_as_of: date) -> bytes:
    """The register as an Excel workbook: the open-now block, the profile, one sheet per section."""
    header = pd.DataFrame(header_rows(reg, lang), columns=[_t("field_label", lang), _t("field_value", lang)])
    sheets = {_t("sheet.open", lang): open_table(reg, lang), _t("sheet.header", lang): header}
    for name in SECTIONS:
        sheets[_t(f"section.{name}", lang)] = section(reg, name, lang)
    lines = context_lines(reg, lang, data_as_of)
    return exports.xlsx_bytes(sheets, header_lines=lines)


PDF_COLUMNS = {
    "open": (15, 16, 12, 19, 40, 26, 19, 21, 12),
    "timeline": (22, 22, 24, 112),
    "hazards": ("status", "level", "days_overdue", "deadline", "category", "description", "next_step",
                "found_date", "hazard_id"),
    "inspections": ("inspection_id", "date", "type", "campaign", "staff", "outcome", "score", "hazards_found"),
    "cases": ("case_id", "hazard_id", "filed_date", "interview_date", "decided_date", "measure",
              "penalty_amount"),
    "tipoffs": ("tipoff_id", "received_date", "verified", "closed_date", "reward_amount"),
}


def pdf(reg: Register, lang: str, data_as_of: date) -> bytes:
    """The register as a printable A4 PDF with Chinese text; page 1 is the open-now block."""
    title = _t("pdf_title", lang, name=reg.header.get("name", ""))
    doc = Document(title, subtitle_lines=context_lines(reg, lang, data_as_of),
                   footer_text=f"{reg.header.get('name', '')} · {reg.enterprise_id}")
    doc.heading(_t("open.header", lang, as_of=reg.as_of.isoformat()))
    for line in open_lines(reg, lang):
        doc.paragraph(line)
    table = open_table(reg, lang)
    if len(table):
        doc.frame_table(table, col_widths=PDF_COLUMNS["open"])
    doc.add_page()
    doc.heading(_t("sheet.header", lang))
    header = pd.DataFrame(header_rows(reg, lang), columns=[_t("field_label", lang), _t("field_value", lang)])
    doc.frame_table(header, col_widths=(45, 135), font_size=9)
    empty = _t("empty", lang)
    for name in SECTIONS:
        doc.heading(_t(f"section.{name}", lang))
        if name == "timeline":
            doc.frame_table(timeline(reg, lang), col_widths=PDF_COLUMNS["timeline"], empty_text=empty)
            continue
        keep = [c for c in PDF_COLUMNS[name] if c in getattr(reg, name).columns]
        narrowed = Register(**{**reg.__dict__, name: getattr(reg, name)[keep]})
        doc.frame_table(section(narrowed, name, lang), empty_text=empty)
    return doc.to_bytes()
