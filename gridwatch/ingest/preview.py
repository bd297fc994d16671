"""What the import page shows before anything is written: each file's detected tables, encoding,
header row, how each column is built and the first rows; raw headers and sample values for the
mapping builder; problems grouped for reading.

A preview reads the start of a file only (``reading.PREVIEW_BYTES`` of a CSV, the first rows of
a sheet), so a huge or hostile file cannot freeze the page; the row count is then an estimate.
"""

import csv
import io
from dataclasses import dataclass, field

import pandas as pd
from python_calamine import CalamineWorkbook

from gridwatch import i18n
from gridwatch.ingest import loading
from gridwatch.ingest.mapping import Field, Filter, Mapping, Part, Recipe, date_formats
from gridwatch.ingest.reading import (
    CONTROL,
    DELIMITERS,
    HEADER_SCAN_CHARS,
    HEADER_SCAN_ROWS,
    MAX_COLUMNS,
    PREVIEW_BYTES,
    Unreadable,
    check_xlsx,
    decode,
    kind_of,
    read,
    targets_for,
)
from gridwatch.ingest.validation import columns_of_type, required_columns

SAMPLE_ROWS = 5
BUILDER_VALUES = 30  # distinct values offered per column in the mapping builder


@dataclass
class SheetPreview:
    """One table an uploaded file (or sheet) feeds."""

    file: str
    sheet: str
    table: str | None
    encoding: str
    header_row: int
    rows: int
    mapping: pd.DataFrame = field(default_factory=pd.DataFrame)
    sample: pd.DataFrame = field(default_factory=pd.DataFrame)
    estimated: bool = False
    recipe: bool = False


@dataclass
class SourcePreview:
    """A sheet as the mapping builder sees it: its headers and a few distinct values per column."""

    file: str
    sheet: str
    headers: list[str]
    values: dict[str, list[str]]


def preview(name: str, content: bytes, mapping: Mapping | None = None, encoding: str | None = None
            ) -> tuple[list[SheetPreview], list[loading.FileProblem]]:
    """The tables found in a file, or why none could be."""
    try:
        sheets, skipped = read(name, content, mapping, encoding=encoding, preview=True)
    except Unreadable as exc:
        params = dict(exc.params)
        return [], [loading.FileProblem(name, params.pop("sheet", ""), exc.code, params)]
    problems = [loading.FileProblem(name, s, exc.code, dict(exc.params)) for s, exc in skipped]
    out = []
    for sheet in sheets:
        sample = sheet.data.slice(0, SAMPLE_ROWS).to_pandas()
        sample = sample[[f"c{i}" for i in range(len(sheet.headers))]]
        sample.columns = _unique(sheet.headers)
        rows = sheet.estimated_rows if sheet.estimated_rows is not None else sheet.rows
        for target in sheet.targets:
            mapped = pd.DataFrame({"column": list(target.fields),
                                   "source": [f.describe() for f in target.fields.values()]},
                                  columns=["column", "source"])
            out.append(SheetPreview(sheet.file, sheet.sheet, target.table, sheet.encoding, sheet.header_row, rows,
                                    mapped, sample, sheet.estimated_rows is not None, target.recipe is not None))
    return out, problems


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        h = h or "—"
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return out


def sources(name: str, content: bytes, encoding: str | None = None) -> list[SourcePreview]:
    """Each sheet's header row and sample values, for the mapping builder; [] if the file is unreadable.

    The header row is the first non-empty row unless a known table's headers sit lower.
    """
    try:
        sheets, _ = read(name, content, Mapping(), encoding=encoding, preview=True)
    except Unreadable:
        return _raw_sources(name, content, encoding)
    return [_source(s.file, s.sheet, s.headers, s.data.to_pandas()) for s in sheets]


def _raw_sources(name: str, content: bytes, encoding: str | None) -> list[SourcePreview]:
    """Headers of a file no table's headers match (that is what the builder is for): its first non-empty row."""
    if kind_of(content) != "csv":
        return _raw_excel_sources(name, content)
    try:
        text, _ = decode(content[:PREVIEW_BYTES], encoding)
    except Unreadable:
        return []
    lines = text[:HEADER_SCAN_CHARS].splitlines()
    first = next((line for line in lines if line.strip()), "")
    delimiter = max(DELIMITERS, key=first.count)
    rows = [r for r in csv.reader(io.StringIO("\n".join(lines[: HEADER_SCAN_ROWS + 200])), delimiter=delimiter)
            if any(c.strip() for c in r)]
    return [_rows_source(name, "", rows)] if rows and len(rows[0]) <= MAX_COLUMNS else []


def _raw_excel_sources(name: str, content: bytes) -> list[SourcePreview]:
    try:
        if kind_of(content) == "xlsx":
            check_xlsx(content)
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        out = []
        for sheet in book.sheet_names:
            rows = [[str(c) for c in r] for r in book.get_sheet_by_name(sheet).to_python(
                skip_empty_area=True, nrows=HEADER_SCAN_ROWS + 200)]
            rows = [r for r in rows if any(c.strip() for c in r)]
            if rows and len(rows[0]) <= MAX_COLUMNS:
                out.append(_rows_source(name, sheet, rows))
        return out
    except Exception:  # an unreadable workbook offers nothing to map; preview() says why
        return []


def _rows_source(name: str, sheet: str, rows: list[list[str]]) -> SourcePreview:
    headers = [CONTROL.sub("", c).strip() for c in rows[0]]
    body = pd.DataFrame([(r + [""] * len(headers))[: len(headers)] for r in rows[1:]],
                        columns=[f"c{i}" for i in range(len(headers))])
    return _source(name, sheet, headers, body)


def _source(file: str, sheet: str, headers: list[str], data: pd.DataFrame) -> SourcePreview:
    values = {}
    for i, header in enumerate(headers):
        if not header or f"c{i}" not in data:
            continue
        column = data[f"c{i}"].astype(str).str.strip()
        values[header] = sorted(set(column) - {""})[:BUILDER_VALUES] + ([""] if (column == "").any() else [])
    return SourcePreview(file, sheet, headers, values)


def issue_table(issues: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Problems row by row as the page lists them: file, sheet, row, column as headed, severity, message."""
    columns = ["file", "sheet", "row_number", "column", "severity", "message"]
    if issues.empty:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame({
        "file": issues["file"].astype(object),
        "sheet": issues["sheet"].astype(object),
        "row_number": issues["row_number"].astype("Int64"),
        "column": [loading.column_shown(r, lang) for _, r in issues.iterrows()],
        "severity": [i18n.text(f"data_import.severity.{s}", lang) for s in issues["severity"]],
        "message": [loading.reason(r, lang) for _, r in issues.iterrows()],
    }, columns=columns)


def group_table(groups: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Problems grouped as the page lists them: one line per file, column and reason, with count and first rows."""
    columns = ["severity", "file", "column", "count", "rows", "message"]
    if groups.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for _, g in groups.iterrows():
        first = loading.group_rows(g)
        more = "…" if first and int(g["count"]) > len(first) else ""
        rows.append({
            "severity": i18n.text(f"data_import.severity.{g['severity']}", lang),
            "file": loading.text_of(g["file"]) + (f" [{g['sheet']}]" if loading.text_of(g["sheet"]) else ""),
            "column": loading.column_shown(g, lang),
            "message": loading.reason(g, lang, loading.group_value(g, lang), grouped=int(g["count"]) > 1),
            # A column the file lacks is said of the file, not of rows: no count (text, so the
            # table shows a blank rather than "None").
            "count": f"{int(g['count']):,}" if first else "",
            "rows": i18n.join(first, lang) + more,
        })
    return pd.DataFrame(rows, columns=columns)


DATE_COLUMNS = columns_of_type("DATE")
BOOL_COLUMNS = columns_of_type("BOOLEAN")


def codes_of(kind: str) -> list[str]:
    """The codes of a coded column's kind (``hazard_level`` → general, major)."""
    return [k.split(".")[-1] for k in i18n.catalogue() if k.startswith(f"codes.{kind}.")]


DATE_FORMATS = ("m/d/Y", "d/m/Y", "Y-m-d", "Y/m/d", "d.m.Y", "m/d/y", "Ymd", "m/d/Y I:M:S p")


@dataclass
class FieldChoice:
    """What the recipe builder's widgets say about one field: its source and refinements."""

    kind: str = ""  # "" (not imported), "column", "value", "concat"
    column: str = ""
    value: str = ""
    parts: list[str] = field(default_factory=list)
    sep: str = ""
    date_format: str = ""
    values: dict[str, str] = field(default_factory=dict)  # source value ("" = blank) → code or text


def recipe_from_choices(table: str, choices: dict[str, FieldChoice], drop_column: str = "",
                        drop_values: list[str] | None = None, distinct: bool = False) -> Recipe:
    """A recipe part from the builder's choices (fields left unchosen are not imported)."""
    fields: dict[str, Field | None] = {}
    for column, choice in choices.items():
        if choice.kind == "column" and choice.column:
            spec = Field(column=choice.column)
            if choice.date_format:
                spec.formats = date_formats(choice.date_format, column)
            spec.map = {k: v for k, v in choice.values.items() if v}
            fields[column] = spec
        elif choice.kind == "value" and choice.value.strip():
            fields[column] = Field(value=choice.value.strip())
        elif choice.kind == "concat" and choice.parts:
            fields[column] = Field(concat=tuple(Part("column", p) for p in choice.parts), sep=choice.sep)
    where = (Filter(drop_column, "not_in", tuple(drop_values)),) if drop_column and drop_values else ()
    return Recipe(table, fields, where, distinct=distinct)


def add_recipe(mapping: Mapping | None, recipe: Recipe, encoding: str | None = None) -> Mapping:
    """The mapping with ``recipe`` as its part for that table (replacing an earlier one built from the same columns)."""
    out = Mapping() if mapping is None else Mapping(dict(mapping.columns), dict(mapping.values),
                                                   {t: list(p) for t, p in mapping.recipes.items()},
                                                   dict(mapping.encoding), mapping.delimiter)
    parts = [p for p in out.recipes.get(recipe.table, []) if set(p.sources()) != set(recipe.sources())]
    out.recipes[recipe.table] = [*parts, recipe]
    if encoding:
        out.encoding = {"*": encoding}
    return out


def missing_required(table: str, recipe: Recipe, headers: list[str]) -> list[str]:
    """Required columns of ``table`` that neither the recipe nor a matching header builds."""
    target = targets_for("", headers, "", Mapping(recipes={table: [recipe]}))
    built = set(target[0].fields) if target else set(recipe.fields)
    return [c for c in required_columns()[table] if c not in built]
