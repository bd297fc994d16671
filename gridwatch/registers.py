"""The registers a clerk hands to a town: 一镇一册, 一村一册, 一部门一册 and 一队一册.

One row per enterprise of the unit (town, village, department or squadron) from
``queries/coverage_enterprises.sql``: its grid and the grid's village inspectors, risk,
status, last inspection and who led it, whether it is overdue for inspection, and its
open and overdue hazards. Each unit is one printable sheet (``gridwatch.workbook``):
title with the unit, the filters and the data-as-of date, frozen and filtered header,
real dates, page numbers, A4 landscape one page wide.

Offered as one workbook with a sheet per unit, or one file per unit (a zip; the CLI
writes the same files to a folder). Villages are many (the demo county has 251), so the
village register is never one workbook of all villages: its "workbook" is one workbook
per town with a sheet per village (what a town's office hands on to its villages), and
its files are one per village in a folder per town.
"""

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import pandas as pd

from gridwatch import i18n, labelling, workbook
from gridwatch.workbook import DATE, INT, TEXT, Column

BY = ("town", "village", "department", "squadron")
# Every column a register may hold, in order, with its kind.
COLUMNS = (
    ("enterprise_id", TEXT), ("name", TEXT), ("credit_code", TEXT), ("industry", TEXT),
    ("town", TEXT), ("village", TEXT), ("department", TEXT), ("squadron", TEXT),
    ("grid_id", TEXT), ("grid_name", TEXT), ("grid_inspectors", INT),
    ("risk_level", TEXT), ("status", TEXT), ("last_inspection", DATE), ("last_inspector", TEXT),
    ("days_since_inspection", INT), ("overdue_for_inspection", TEXT),
    ("open_hazards", INT), ("overdue_hazards", INT),
)
# A unit's own columns say the same thing on every row of its sheet: left out.
OWN = {"town": ("town",), "village": ("town", "village"), "department": ("department",),
       "squadron": ("squadron",)}
# Left out of the whole register when the data records none of them.
OPTIONAL = ("credit_code", "grid_name", "grid_inspectors", "last_inspector")
_UNSAFE_FILE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP = "application/zip"


@dataclass(frozen=True)
class Context:
    """What a register was made from: the as-of date, the filters and the data's as-of date."""

    as_of: date
    data_as_of: date
    towns: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unit:
    """One unit of a register: its town (villages only), its name, and the rows' positions."""

    town: str | None
    name: str | None
    rows: tuple[int, ...]


def _text(key: str, lang: str, **values) -> str:
    return i18n.text(f"registers.{key}", lang, **values)


def title(by: str, lang: str) -> str:
    """The register's name: 一镇一册, 一村一册, 一部门一册, 一队一册."""
    return _text(f"title.{by}", lang)


def unassigned(by: str, lang: str) -> str:
    """The name of the unit of enterprises with the field blank (未填镇街 …)."""
    return _text(f"unassigned.{by}", lang)


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["town", "village", "enterprise_id"], na_position="last").reset_index(drop=True)


def units(enterprises: pd.DataFrame, by: str) -> list[Unit]:
    """The register's units in order (names sorted, the blank one last), each with its rows.

    ``enterprises`` must be ordered as ``_ordered`` leaves it; ``rows`` are positions in it.
    For villages, a unit is a (town, village) pair, ordered by town and village.
    """
    if by not in BY:
        raise ValueError(f"unknown register {by!r}: one of {', '.join(BY)}")
    if by == "village":
        towns = enterprises["town"].astype(object).where(enterprises["town"].notna(), None)
        villages = enterprises["village"].astype(object).where(enterprises["village"].notna(), None)
        keys = list(zip(towns, villages, strict=True))
    else:
        column = enterprises[by].astype(object).where(enterprises[by].notna(), None)
        keys = [(None, v) for v in column]
    positions: dict[tuple, list[int]] = {}
    for i, key in enumerate(keys):
        positions.setdefault(key, []).append(i)

    def order(key):
        town, name = key
        return (town is None, town or "", name is None, name or "")

    return [Unit(town, name, tuple(positions[(town, name)])) for town, name in sorted(positions, key=order)]


def _columns(enterprises: pd.DataFrame, by: str) -> list[tuple[str, str]]:
    chosen = []
    for key, kind in COLUMNS:
        if key in OWN[by]:
            continue
        if key in OPTIONAL and not enterprises[key].notna().any():
            continue
        chosen.append((key, kind))
    return chosen


def _cells(enterprises: pd.DataFrame, columns: list[tuple[str, str]], lang: str) -> list[tuple]:
    """Every row's values for people: codes as labels, 是/否, dates as dates ("never" for a last
    inspection never made), blanks as None (an empty cell)."""
    keys = [key for key, _kind in columns]
    values = labelling.for_people(
        enterprises[keys], lang, codes={"risk_level": "risk_level", "status": "status"},
        yes_no=(i18n.text("coverage.yes", lang), i18n.text("coverage.no", lang)), date_format=None, blank=None,
        missing={"risk_level": None, "last_inspection": i18n.text("coverage.gaps.never", lang)})
    out = [[workbook.plain(v) for v in values[key]] for key in keys]
    return list(zip(*out, strict=True)) if out else [() for _ in range(len(enterprises))]


def _unit_label(by: str, unit: Unit, lang: str) -> str:
    name = unit.name if unit.name is not None else unassigned(by, lang)
    if by != "village":
        return name
    town = unit.town if unit.town is not None else unassigned("town", lang)
    return f"{town} {name}"


def context_line(ctx: Context, lang: str) -> str:
    """The filters and the data-as-of date, as every sheet states them."""
    scope = i18n.join(ctx.towns, lang) if ctx.towns else i18n.text("coverage.whole_county", lang)
    if ctx.departments:
        scope += "; " + i18n.text("coverage.departments", lang, names=i18n.join(ctx.departments, lang))
    if ctx.industries:
        scope += "; " + i18n.text("coverage.industries", lang, names=i18n.join(ctx.industries, lang))
    risks = (i18n.join((i18n.label("risk_level", r, lang) for r in ctx.risks), lang) if ctx.risks
             else i18n.text("coverage.all_risks", lang))
    return _text("context", lang, as_of=ctx.as_of.isoformat(), scope=scope, risks=risks,
                 data_as_of=ctx.data_as_of.isoformat())


def summary_line(rows: pd.DataFrame, lang: str) -> str:
    """How many enterprises a sheet lists, how many operate, are overdue, and their open hazards."""
    return _text("summary", lang, n=f"{len(rows):,}", operating=f"{int(rows['in_scope'].sum()):,}",
                 overdue=f"{int(rows['overdue_for_inspection'].sum()):,}",
                 open=f"{int(rows['open_hazards'].sum()):,}", late=f"{int(rows['overdue_hazards'].sum()):,}")


class _Register:
    """A register's rows labelled once, split into one printable sheet per unit on demand."""

    def __init__(self, enterprises: pd.DataFrame, by: str, lang: str, ctx: Context):
        self.by, self.lang, self.ctx = by, lang, ctx
        self.frame = _ordered(enterprises)
        keys = _columns(self.frame, by)
        self.columns = [Column(i18n.text(f"coverage.col.{key}", lang), kind) for key, kind in keys]
        self.cells = _cells(self.frame, keys, lang)
        self.units = units(self.frame, by)
        self.context = context_line(ctx, lang)
        self.title = title(by, lang)

    def sheet(self, unit: Unit, name: str) -> workbook.Sheet:
        rows = self.frame.iloc[list(unit.rows)]
        label = _unit_label(self.by, unit, self.lang)
        heading = f"{self.title} · {label}"
        return workbook.Sheet(
            name=name, title=heading, lines=[self.context, summary_line(rows, self.lang)],
            columns=self.columns, rows=[self.cells[i] for i in unit.rows],
            header=heading, footer=_text("footer", self.lang, data_as_of=self.ctx.data_as_of.isoformat()),
            page_numbers=_text("page_numbers", self.lang, page="&P", pages="&N"), frozen_columns=2,
        )

    def book(self, chosen: list[Unit], label) -> bytes:
        names = workbook.sheet_names([label(u) for u in chosen])
        return workbook.write(self.sheet(u, names[label(u)]) for u in chosen)


def workbook_bytes(enterprises: pd.DataFrame, by: str, lang: str, ctx: Context) -> bytes:
    """The whole register as one workbook, one sheet per unit (villages named 镇-村)."""
    register = _Register(enterprises, by, lang, ctx)
    if by == "village":
        return register.book(register.units, lambda u: "-".join(_unit_label(by, u, lang).split(" ", 1)))
    return register.book(register.units, lambda u: _unit_label(by, u, lang))


def file_name(text: str) -> str:
    """``text`` as a file or folder name on Windows and Linux alike."""
    cleaned = _UNSAFE_FILE.sub("_", str(text)).strip().rstrip(".")
    return cleaned[:80] or "_"


def _distinct(paths: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for path in paths:
        stem, dot, ext = path.rpartition(".")
        candidate, n = path, 2
        while candidate.lower() in seen:
            candidate, n = f"{stem}~{n}{dot}{ext}", n + 1
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def files(enterprises: pd.DataFrame, by: str, lang: str, ctx: Context) -> Iterator[tuple[str, bytes]]:
    """One workbook per unit as (relative path, bytes); villages in a folder per town.

    Names: ``一镇一册-东河镇.xlsx``; villages ``东河镇/一村一册-东河镇-一村.xlsx``.
    """
    register = _Register(enterprises, by, lang, ctx)
    prefix = file_name(_text(f"file.{by}", lang))
    paths = []
    for unit in register.units:
        name = unit.name if unit.name is not None else unassigned(by, lang)
        if by == "village":
            town = file_name(unit.town if unit.town is not None else unassigned("town", lang))
            paths.append(f"{town}/{prefix}-{town}-{file_name(name)}.xlsx")
        else:
            paths.append(f"{prefix}-{file_name(name)}.xlsx")
    for unit, path in zip(register.units, _distinct(paths), strict=True):
        sheet_name = workbook.sheet_names([_unit_label(by, unit, lang)])[_unit_label(by, unit, lang)]
        yield path, workbook.write([register.sheet(unit, sheet_name)])


def town_books(enterprises: pd.DataFrame, lang: str, ctx: Context) -> Iterator[tuple[str, bytes]]:
    """The village register as one workbook per town, a sheet per village: (file name, bytes)."""
    register = _Register(enterprises, "village", lang, ctx)
    prefix = file_name(_text("file.village", lang))
    by_town: dict[str | None, list[Unit]] = {}
    for unit in register.units:
        by_town.setdefault(unit.town, []).append(unit)
    paths = _distinct([f"{prefix}-{file_name(t if t is not None else unassigned('town', lang))}.xlsx"
                       for t in by_town])
    for (_town, chosen), path in zip(by_town.items(), paths, strict=True):
        yield path, register.book(chosen, lambda u: u.name if u.name is not None else unassigned("village", lang))


def zip_bytes(items: Iterator[tuple[str, bytes]]) -> bytes:
    """A zip of (path, bytes) items. XLSX is already compressed: stored, not deflated again."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for path, data in items:
            archive.writestr(path, data)
    return buffer.getvalue()


def town_count(enterprises: pd.DataFrame) -> int:
    """How many towns (the blank one included) the village register's workbooks cover."""
    return enterprises["town"].nunique() + int(enterprises["town"].isna().any())


def unit_count(enterprises: pd.DataFrame, by: str) -> int:
    """How many units (sheets or files) the register by ``by`` holds."""
    if by == "village":
        return len(enterprises[["town", "village"]].drop_duplicates())
    return enterprises[by].nunique() + int(enterprises[by].isna().any())


@dataclass(frozen=True)
class Download:
    """One register download: what the button builds, its file name and type."""

    build: Callable[[], bytes]
    file_name: str
    mime: str


def downloads(enterprises: pd.DataFrame, by: str, lang: str, ctx: Context) -> tuple[Download, Download]:
    """The register's two downloads: (one workbook, one file per unit in a zip).

    For villages the first is one workbook per town (a sheet per village): a single
    workbook when one town is covered, else a zip of them.
    """
    stamp = ctx.as_of.isoformat()
    prefix = file_name(_text(f"file.{by}", lang))
    if by == "village":
        if town_count(enterprises) == 1:
            first = Download(lambda: next(town_books(enterprises, lang, ctx))[1],
                             f"{prefix}-{stamp}.xlsx", XLSX)
        else:
            first = Download(lambda: zip_bytes(town_books(enterprises, lang, ctx)),
                             f"{prefix}-{_text('file.per_town', lang)}-{stamp}.zip", ZIP)
    else:
        first = Download(lambda: workbook_bytes(enterprises, by, lang, ctx), f"{prefix}-{stamp}.xlsx", XLSX)
    per_unit = Download(lambda: zip_bytes(files(enterprises, by, lang, ctx)),
                        f"{prefix}-{_text('file.per_unit', lang)}-{stamp}.zip", ZIP)
    return first, per_unit
