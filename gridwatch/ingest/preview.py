"""What the import page shows before anything is written: each file's detected table, encoding,
header row, column mapping and first rows; and raw headers for the mapping builder."""

import csv
import io
from dataclasses import dataclass, field

import pandas as pd
from python_calamine import CalamineWorkbook

from gridwatch import i18n
from gridwatch.ingest import loading
from gridwatch.ingest.mapping import Mapping
from gridwatch.ingest.reading import HEADER_SCAN_CHARS, Unreadable, decode, kind_of, read

SAMPLE_ROWS = 5


@dataclass
class SheetPreview:
    """One detected table in an uploaded file."""

    file: str
    sheet: str
    table: str | None
    encoding: str
    header_row: int
    rows: int
    mapping: pd.DataFrame = field(default_factory=pd.DataFrame)
    sample: pd.DataFrame = field(default_factory=pd.DataFrame)


def preview(name: str, content: bytes, mapping: Mapping | None = None
            ) -> tuple[list[SheetPreview], list[loading.FileProblem]]:
    """The tables found in a file, or why none could be."""
    try:
        sheets, skipped = read(name, content, mapping)
    except Unreadable as exc:
        params = dict(exc.params)
        return [], [loading.FileProblem(name, params.pop("sheet", ""), exc.code, params)]
    problems = [loading.FileProblem(name, s, exc.code, dict(exc.params)) for s, exc in skipped]
    out = []
    for sheet in sheets:
        by_position = {p: c for c, p in sheet.columns.items()}
        mapped = pd.DataFrame({"header": sheet.headers,
                               "column": [by_position.get(i, "") for i in range(len(sheet.headers))]})
        sample = sheet.data.slice(0, SAMPLE_ROWS).to_pandas()
        sample = sample[[f"c{i}" for i in range(len(sheet.headers))]]
        sample.columns = _unique(sheet.headers)
        out.append(SheetPreview(sheet.file, sheet.sheet, sheet.table, sheet.encoding, sheet.header_row, sheet.rows,
                                mapped, sample))
    return out, problems


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        h = h or "—"
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return out


def raw_headers(name: str, content: bytes) -> dict[str, list[str]]:
    """The first non-empty row of a CSV or of each Excel sheet, for the mapping builder; {} if unreadable."""
    try:
        if kind_of(content) == "csv":
            text, _ = decode(content)
            for row in csv.reader(io.StringIO(text[:HEADER_SCAN_CHARS])):
                if any(c.strip() for c in row):
                    return {"": [c.strip() for c in row]}
            return {}
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        out = {}
        for sheet in book.sheet_names:
            for row in book.get_sheet_by_name(sheet).to_python():
                cells = [str(c).strip() for c in row]
                if any(cells):
                    out[sheet] = cells
                    break
        return out
    except Exception:  # any unreadable file simply offers nothing to map; preview() explains why
        return {}


def issue_table(issues: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Problems as the page lists them: file, sheet, row, severity and one readable message."""
    if issues.empty:
        return pd.DataFrame(columns=["file", "sheet", "row_number", "severity", "message"])
    return pd.DataFrame({
        "file": issues["file"],
        "sheet": issues["sheet"],
        "row_number": issues["row_number"].astype("Int64"),
        "severity": [i18n.text(f"data_import.severity.{s}", lang) for s in issues["severity"]],
        "message": [loading.issue_message(r, lang).split(": ", 1)[-1] for _, r in issues.iterrows()],
    })
