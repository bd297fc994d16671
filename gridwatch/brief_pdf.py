"""The weekly brief as a printable A4 PDF (``to_pdf``), from the tables and texts of ``gridwatch.briefing``."""

from dataclasses import dataclass

from fpdf.fonts import FontFace

from gridwatch import brief_charts, display, formatting, i18n, pdf
from gridwatch.briefing import WHERE_EMPTY, Brief, header_lines, summary_text, where_tables

COLOURS = {display.BETTER: (21, 128, 61), display.WORSE: (200, 30, 30), display.NEUTRAL: (90, 90, 90)}


@dataclass(frozen=True)
class _Layout:
    """Sizes of the PDF brief (mm, pt): standard, and tighter for a last page that would be nearly empty."""

    summary_line: float = 6
    card_line: float = 5.5
    trend_height: float = 36
    table_font: int = 8
    table_line: float = 5


STANDARD = _Layout()
# The PDF's trend panels per row: the six of the brief fit one row of A4.
PDF_PANELS_PER_ROW = 6
COMPACT = _Layout(summary_line=5.2, card_line=4.6, trend_height=30, table_font=7, table_line=4.2)
# A last page filled less than this is "nearly empty": the brief is set again with COMPACT and
# the tighter version kept if it needs fewer pages.
NEAR_EMPTY = 0.25
# A list's title stays with its header row and this many rows (or the whole list when shorter).
KEEP_ROWS = 3


def _draw_trends(doc: pdf.Document, brief: Brief, lang: str, layout: _Layout) -> None:
    """The trend panels across the page (the six in one row; more wrap into even rows), caption below."""
    gap, height = 2.4, layout.trend_height
    grid = display.rows(brief_charts.panels(brief, lang), PDF_PANELS_PER_ROW)
    cols = len(grid[0]) if grid else 1
    width = (doc.epw - gap * (cols - 1)) / cols
    if doc.get_y() + len(grid) * (height + gap) > doc.page_break_trigger:
        doc.add_page()
    top = doc.get_y()
    weeks = list(brief.trends["week"])
    placed = [(r, c, panel) for r, row in enumerate(grid) for c, panel in enumerate(row)]
    for r, c, (title, values, ymax) in placed:
        x0 = doc.l_margin + c * (width + gap)
        y0 = top + r * (height + gap)
        doc.set_draw_color(200, 200, 200)
        doc.rect(x0, y0, width, height)
        doc.set_font("cjk", size=7)
        doc.set_xy(x0 + 0.8, y0 + 0.5)
        doc.cell(width - 1.6, 4, title)
        left, right, ptop, pbottom = x0 + 7, x0 + width - 2, y0 + 7, y0 + height - 5
        doc.set_font("cjk", size=5.5)
        doc.set_text_color(110, 110, 110)
        for frac in (0, 0.5, 1):
            y = pbottom - frac * (pbottom - ptop)
            doc.line(left, y, right, y)
            doc.set_xy(x0 + 0.3, y - 2)
            doc.cell(6.2, 4, f"{ymax * frac:g}", align="R")
        if weeks:
            doc.set_xy(left - 2, pbottom + 0.3)
            doc.cell(10, 3.5, brief_charts.short_week(weeks[0]))
            doc.set_xy(right - 8, pbottom + 0.3)
            doc.cell(10, 3.5, brief_charts.short_week(weeks[-1]), align="R")
        doc.set_text_color(0, 0, 0)
        step = (right - left) / max(len(values) - 1, 1)
        points = [(left + j * step, pbottom - v / ymax * (pbottom - ptop)) for j, v in enumerate(values)]
        doc.set_draw_color(37, 99, 235)
        doc.set_line_width(0.4)
        if len(points) > 1:
            doc.polyline(points)
        doc.set_fill_color(37, 99, 235)
        for x, y in points:
            doc.circle(x, y, 0.5, style="F")
        doc.set_line_width(0.2)
    doc.set_draw_color(0, 0, 0)
    doc.set_fill_color(255, 255, 255)
    doc.set_xy(doc.l_margin, top + len(grid) * (height + gap) - gap + 1.5)
    doc.set_font("cjk", size=7)
    doc.set_text_color(110, 110, 110)
    doc.multi_cell(0, 3.6, i18n.text("briefing.trend.caption", lang), new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(0, 0, 0)


def _cards_pdf(doc: pdf.Document, brief: Brief, lang: str, layout: _Layout) -> None:
    doc.set_font("cjk", size=9)
    say = lambda key: i18n.text(f"briefing.{key}", lang)  # noqa: E731
    headings = FontFace(emphasis=None, fill_color=(230, 230, 230))
    with doc.table(col_widths=(70, 36, 36, 38), headings_style=headings, line_height=layout.card_line,
                   text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")) as table:
        table.row([say("figure"), say("this_week"), i18n.text(f"briefing.basis_column.{brief.comparison.basis}", lang),
                   say("change")])
        for card in brief.cards:
            row = table.row()
            row.cell(card.label(lang))
            row.cell(card.shown(lang))
            row.cell(card.previous_shown(lang))
            row.cell(card.delta(lang) or formatting.DASH, style=FontFace(color=COLOURS[card.judgement]))
    doc.ln(2)


def _room(doc: pdf.Document) -> float:
    return doc.page_break_trigger - doc.get_y()


def _pdf(brief: Brief, lang: str, layout: _Layout) -> pdf.Document:
    lines = header_lines(brief, lang)
    doc = pdf.Document(lines[0], subtitle_lines=lines[1:],
                       footer_text=i18n.text("briefing.export.footer", lang, week=brief.week.label))
    say = lambda key: i18n.text(f"briefing.{key}", lang)  # noqa: E731
    doc.heading(say("section.summary"))
    doc.set_font("cjk", size=10)
    doc.multi_cell(0, layout.summary_line, summary_text(brief, lang), align="L", new_x="LMARGIN", new_y="NEXT")
    doc.heading(say("section.figures"))
    _cards_pdf(doc, brief, lang, layout)
    # The heading, the panels and their caption stay together.
    if _room(doc) < 10 + layout.trend_height + 12:
        doc.add_page()
    doc.heading(say("section.trends"))
    _draw_trends(doc, brief, lang, layout)
    # The where-to-act lists start a page rather than split across two when a page holds them all.
    with doc.offset_rendering() as trial:
        first = trial.page
        trial.add_page()
        _where(trial, brief, lang, layout)
        fits_a_page = trial.page == first + 1
    with doc.offset_rendering() as trial:
        _where(trial, brief, lang, layout)
    if trial.page_break_triggered and fits_a_page:
        doc.add_page()
    _where(doc, brief, lang, layout)
    return doc


def _where(doc: pdf.Document, brief: Brief, lang: str, layout: _Layout) -> None:
    """The where-to-act section: its heading and three lists, each list's title kept with its first rows."""
    say = lambda key: i18n.text(f"briefing.{key}", lang)  # noqa: E731
    widths = {"top_towns": (60, 40, 40, 40), "top_enterprises": (52, 26, 22, 26, 22, 32),
              "majors_found": (20, 38, 18, 24, 44, 20, 16)}
    row = layout.table_line * 2  # a row whose text wraps onto a second line
    for i, (key, frame) in enumerate(where_tables(brief, lang, links=False).items()):
        needed = 7 + row * (1 + min(len(frame), KEEP_ROWS)) + (10 if i == 0 else 0)
        if _room(doc) < needed:
            doc.add_page()
        if i == 0:
            doc.heading(say("section.where"))
        doc.set_font("cjk", size=11)
        doc.multi_cell(0, 7, say(f"where.{key}"), new_x="LMARGIN", new_y="NEXT")
        doc.frame_table(frame, col_widths=widths[key], font_size=layout.table_font, line_height=layout.table_line,
                        empty_text=say(f"where.{WHERE_EMPTY[key]}"))


def last_page_fill(doc: pdf.Document) -> float:
    """How much of the last page's writing area ``doc`` has used so far (0 to 1)."""
    return (doc.get_y() - doc.t_margin) / (doc.page_break_trigger - doc.t_margin)


def to_pdf(brief: Brief, lang: str) -> bytes:
    """The brief as a printable A4 PDF: summary, cards, trend charts and where-to-act lists.

    Set with the standard sizes; when that leaves a nearly empty last page, set again a little
    tighter and kept if it saves the page.
    """
    doc = _pdf(brief, lang, STANDARD)
    if doc.page > 1 and last_page_fill(doc) < NEAR_EMPTY:
        tighter = _pdf(brief, lang, COMPACT)
        if tighter.page < doc.page:
            doc = tighter
    return doc.to_bytes()
