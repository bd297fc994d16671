"""The brief as files people print and open in Excel: PDF pages well filled, an office-grade workbook.

PDF pages are measured from the PDF itself (``pdftotext -bbox-layout``): how far down the last
page the writing goes, and what it starts with. The files are written by ``brief_pdf``,
``brief_html`` and ``brief_xlsx`` from the model in ``briefing``, which knows nothing of them.
"""

import ast
import io
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from gridwatch import brief_html, brief_pdf, brief_xlsx, briefing, i18n, links, warehouse
from tests.test_briefing import brief_of

ROOT = Path(__file__).resolve().parent.parent
FILE_MACHINERY = ("fpdf", "openpyxl", "gridwatch.pdf", "gridwatch.brief_pdf", "gridwatch.brief_html",
                  "gridwatch.brief_xlsx", "gridwatch.brief_charts")
MM = 72 / 25.4
PAGE_TOP, PAGE_BOTTOM = 15 * MM, (297 - 15) * MM  # the writing area between the margins (points)


def _pages(data: bytes, tmp_path) -> list[list[tuple[float, str]]]:
    """Each page's text lines as (bottom in points, text), the page-number footer left out."""
    path = tmp_path / "brief.pdf"
    path.write_bytes(data)
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    pages = []
    for page in xml.split("<page ")[1:]:
        lines = []
        for bottom, body in re.findall(r'<line [^>]*yMax="([\d.]+)">(.*?)</line>', page, re.S):
            text = " ".join(re.findall(r">([^<]*)</word>", body))
            if float(bottom) < PAGE_BOTTOM:
                lines.append((float(bottom), text))
        pages.append(lines)
    return pages


def _fill(lines: list[tuple[float, str]]) -> float:
    return (max(bottom for bottom, _ in lines) - PAGE_TOP) / (PAGE_BOTTOM - PAGE_TOP)


def _assert_last_page_is_no_leftover(pages, lang):
    """The last page is the first, or well filled, or opens a section of its own (not a list's last rows)."""
    last = pages[-1]
    assert last, "the last page holds text"
    opens_section = last[0][1].replace(" ", "") == i18n.text("briefing.section.where", lang).replace(" ", "")
    assert len(pages) == 1 or _fill(last) >= brief_pdf.NEAR_EMPTY or opens_section, (len(pages), _fill(last), last)


@pytest.fixture(scope="module")
def demo_con(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    warehouse.build_demo(path)
    con = warehouse.open_readonly(path)
    yield con
    con.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_county_briefs_fill_two_pages(demo_con, tmp_path, lang):
    """The demo county's last six weekly briefs: two pages each, the second well filled.

    Set with the standard sizes, one of these weeks (2026-W43 in English) ran three rows onto a
    third page; the brief is then set a little tighter (``brief_pdf.COMPACT``).
    """
    as_of = warehouse.data_as_of(warehouse.meta(demo_con))
    week = briefing.last_full_week(as_of)
    source = briefing.source_for(demo_con)
    for _ in range(6):
        brief = briefing.compute(source, week, briefing.Scope(), as_of)
        standard = brief_pdf._pdf(brief, lang, brief_pdf.STANDARD)
        pages = _pages(brief_pdf.to_pdf(brief, lang), tmp_path)
        if brief_pdf.last_page_fill(standard) < brief_pdf.NEAR_EMPTY:
            assert len(pages) < standard.page, week
        assert len(pages) == 2, (week, len(pages))
        assert _fill(pages[-1]) >= brief_pdf.NEAR_EMPTY, (week, _fill(pages[-1]))
        # The trend charts share page 1 (the where-to-act lists start page 2 rather than split).
        assert any(text == i18n.text("briefing.section.trends", lang) for _, text in pages[0]), week
        week = week.previous()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_small_brief_leaves_no_leftover_page(con, tmp_path, lang):
    pages = _pages(brief_pdf.to_pdf(brief_of(con), lang), tmp_path)
    _assert_last_page_is_no_leftover(pages, lang)
    # A list's title never ends a page without its rows.
    titles = {i18n.text(f"briefing.where.{key}", lang).replace(" ", "") for key in briefing.WHERE_EMPTY}
    for page in pages:
        assert page[-1][1].replace(" ", "") not in titles


@pytest.fixture
def con(tmp_path):
    from tests.conftest import build_fixture_db

    c = warehouse.open_readonly(build_fixture_db(tmp_path / "brief.duckdb", "briefing.sql"))
    yield c
    c.close()


def _rows(sheet):
    return list(sheet.iter_rows(min_row=brief_xlsx.XLSX_HEADER_ROW + 1))


def test_workbook_cells_are_typed_and_formatted(con):
    b = brief_of(con)
    book = openpyxl.load_workbook(io.BytesIO(brief_xlsx.to_xlsx(b, "zh", base_url="http://gw.example:8501/")))
    cards = {row[0].value: row for row in _rows(book["指标"])}
    rate = cards["按期整改率"]
    assert rate[1].value == pytest.approx(1 / 3) and rate[1].number_format == "0.0%"
    assert rate[3].value == -16.7 and rate[3].number_format == '+0.0" 个百分点";-0.0" 个百分点";0.0" 个百分点"'
    assert cards["罚款金额（元）"][1].value == 30000 and cards["罚款金额（元）"][1].number_format == "#,##0"
    assert cards["罚款金额（元）"][3].number_format == "+#,##0;-#,##0;0"

    trends = _rows(book["近12周趋势"])
    header = [c.value for c in book["近12周趋势"][brief_xlsx.XLSX_HEADER_ROW]]
    last = {h: c for h, c in zip(header, trends[-1], strict=True)}
    assert last["周次"].value == "2026-W47"
    assert (last["周一"].value, last["周一"].number_format) == (datetime(2026, 11, 16), "yyyy-mm-dd")
    assert last["周日"].value == datetime(2026, 11, 22)
    # W47's on-time rate: 1 of the 3 hazards due that week was rectified on time (tests/test_briefing.py).
    assert last["按期整改率"].value == pytest.approx(1 / 3) and last["按期整改率"].number_format == "0.0%"
    assert not any(isinstance(c.value, str) and c.value.endswith("%") for row in trends for c in row)

    majors = book["本周重大隐患"]
    first = _rows(majors)[0]
    # K1 at B1, found 2026-11-16, due 2026-11-20 (tests/fixtures/briefing.sql).
    assert (first[0].value, first[0].number_format) == (datetime(2026, 11, 16), "yyyy-mm-dd")
    assert first[2].value == "打开"
    assert first[2].hyperlink.target == "http://gw.example:8501/enterprise?enterprise=B1&lang=zh"
    assert (first[6].value, first[6].number_format) == (datetime(2026, 11, 20), "yyyy-mm-dd")

    for sheet in book:
        assert sheet.freeze_panes == f"A{brief_xlsx.XLSX_HEADER_ROW + 1}", sheet.title
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
        widths = {letter: d.width for letter, d in sheet.column_dimensions.items()}
        assert widths and all(w >= 8 for w in widths.values()), sheet.title
    assert majors.auto_filter.ref == "A6:H8"
    # The enterprise column is as wide as its longest name (two widths a Chinese character) plus a margin.
    assert book["企业重大隐患"].column_dimensions["A"].width == 2 * max(
        len(c.value) for c in book["企业重大隐患"]["A"][brief_xlsx.XLSX_HEADER_ROW:]) + 2


def test_workbook_links_use_the_configured_address(con, monkeypatch):
    b = brief_of(con)
    monkeypatch.delenv("GRIDWATCH_BASE_URL", raising=False)
    assert links.base_url() == "http://localhost:8501"
    assert links.base_url("https://gw.county.gov.cn/briefing?lang=en") == "https://gw.county.gov.cn"
    monkeypatch.setenv("GRIDWATCH_BASE_URL", "http://gridwatch.ajj.local/")
    assert links.base_url("https://elsewhere/") == "http://gridwatch.ajj.local"
    book = openpyxl.load_workbook(io.BytesIO(brief_xlsx.to_xlsx(b, "en")))
    link = _rows(book["Enterprises major"])[0][-1]
    assert (link.value, link.hyperlink.target) == ("Open", "http://gridwatch.ajj.local/enterprise?enterprise=B1&lang=en")
    assert 'href="http://gridwatch.ajj.local/enterprise?enterprise=B1&amp;lang=en"' in brief_html.to_html(b, "en")


def _imports(path: Path) -> set[str]:
    """The modules a source file imports, ``from gridwatch import pdf`` counted as ``gridwatch.pdf``."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _is_machinery(name: str) -> bool:
    return any(name == m or name.startswith(f"{m}.") for m in FILE_MACHINERY)


def test_the_model_knows_nothing_of_files():
    """``gridwatch.briefing`` imports no PDF, Excel or HTML writer, directly or through what it imports."""
    assert not {n for n in _imports(ROOT / "gridwatch" / "briefing.py") if _is_machinery(n)}
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, gridwatch.briefing; print(*sorted(sys.modules), sep='\\n')"],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()
    assert "gridwatch.briefing" in loaded
    assert not [n for n in loaded if _is_machinery(n)]
    for writer in ("brief_pdf", "brief_html", "brief_xlsx"):
        assert "gridwatch.briefing" in _imports(ROOT / "gridwatch" / f"{writer}.py"), writer
