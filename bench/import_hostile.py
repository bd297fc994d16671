"""Benchmark: what hostile files cost the import page and CLI — wall time and peak memory.

    .venv/bin/python bench/import_hostile.py

Each case runs in a fresh process (so its peak RSS is its own) and times the page's preview
and a dry-run import of one file:

- ``wide_csv``: a hazards header plus 100,000 columns, one row (a tab once froze 259 s on it);
- ``bomb_dimension``: an XLSX whose sheet declares A1:XFD1048576 (17 billion cells);
- ``bomb_size``: an XLSX whose one sheet is 1.5 GB of XML deflated into a few MB;
- ``long_field``: a CSV with one 1,000,000-character field (csv's limit is 131,072).

Nothing here is asserted; tests/test_import_files.py checks the behaviour.
"""

import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CASES = ("wide_csv", "bomb_dimension", "bomb_size", "long_field")


def build(case: str) -> tuple[str, bytes]:
    """The hostile file of a case: (name, bytes)."""
    if case == "wide_csv":
        # A hazards table's headers, then 100,000 more: it looks like an export until its width.
        head = "隐患编号,检查编号,企业编号,发现日期,隐患等级,隐患类别,"
        row = "H1,I1,E1,2026-03-10,一般,电气,"
        return "wide.csv", (head + ",".join(f"c{i}" for i in range(100_000)) + "\n"
                            + row + ",".join("1" * 100_000) + "\n").encode()
    if case == "long_field":
        header = "隐患编号,企业编号,发现日期,隐患等级,隐患类别,隐患描述\n"
        return "long.csv", (header + "H1,E1,2026-03-10,一般,电气," + "x" * 1_000_000 + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b"<worksheet>")
            if case == "bomb_dimension":
                sheet.write(b'<dimension ref="A1:XFD1048576"/>')
            sheet.write(b"<sheetData>")
            row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 10_000
            for _ in range(3_000 if case == "bomb_size" else 1):
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
    return f"{case}.xlsx", buffer.getvalue()


def run_case(case: str) -> dict:
    """Time the preview and a dry-run import of one hostile file in this process."""
    from gridwatch.ingest import import_files
    from gridwatch.ingest import preview as ip

    name, content = build(case)
    if isinstance(content, str):
        content = content.encode()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    _, problems = ip.preview(name, content)
    preview_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        report = import_files(Path(tmp) / "w.duckdb", [(name, content)], dry_run=True, raw_dir=Path(tmp) / "raw")
        import_s = time.perf_counter() - started
    outcome = [p.code for p in report.problems] or [f"loaded {report.loaded}, warned {report.warned}"]
    return {"case": case, "file_mb": round(len(content) / 2**20, 2), "preview_s": round(preview_s, 3),
            "import_s": round(import_s, 3), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                                                                 / 1024, 1),
            "rss_before_mb": round(before / 1024, 1), "preview": [p.code for p in problems], "import": outcome}


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--case":
        print(json.dumps(run_case(sys.argv[2]), ensure_ascii=False))
        return
    for case in CASES:
        done = subprocess.run([sys.executable, __file__, "--case", case], capture_output=True, text=True)
        print(done.stdout.strip() or done.stderr.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
