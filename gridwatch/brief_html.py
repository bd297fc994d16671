"""The weekly brief as one self-contained HTML page (``to_html``), from the tables and texts of
``gridwatch.briefing``."""

import html
import re

import pandas as pd

from gridwatch import brief_charts, display, formatting, i18n, links
from gridwatch.briefing import WHERE_EMPTY, Brief, cards_table, column_title, header_lines, summary_text, where_tables

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;
margin:24px auto;max-width:900px;color:#111}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;border-bottom:1px solid #ccc;padding-bottom:3px;margin-top:22px}
h3{font-size:14px;margin:14px 0 6px}.meta{color:#555;font-size:12px;margin:2px 0}
table{border-collapse:collapse;width:100%;font-size:12px}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left}
th{background:#eee}td.num{text-align:right}.better{color:#15803d}.worse{color:#c81e1e}.neutral{color:#555}
.charts{display:grid;gap:8px}
.charts svg{border:1px solid #ddd;width:100%;height:auto}
@media print{body{margin:0}}
"""


def _svg_panel(title: str, values: list[int], ymax: int, weeks: list[str]) -> str:
    w, h, left, right, top, bottom = 280, 170, 36, 270, 28, 145
    step = (right - left) / max(len(values) - 1, 1)
    pts = [(left + j * step, bottom - v / ymax * (bottom - top)) for j, v in enumerate(values)]
    levels = [(f, bottom - f * (bottom - top)) for f in (0, 0.5, 1)]
    grid = "".join(
        f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#ddd"/>'
        f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" fill="#666">{ymax * f:g}</text>'
        for f, y in levels)
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#2563eb"><title>{html.escape(wk)}: {v}</title>'
                   f"</circle>" for (x, y), v, wk in zip(pts, values, weeks, strict=True))
    xlabels = ""
    if weeks:
        xlabels = (f'<text x="{left}" y="{bottom + 16}" font-size="10" fill="#666">'
                   f"{html.escape(brief_charts.short_week(weeks[0]))}</text>"
                   f'<text x="{right}" y="{bottom + 16}" font-size="10" text-anchor="end" fill="#666">'
                   f"{html.escape(brief_charts.short_week(weeks[-1]))}</text>")
    return (f'<svg viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg" role="img" '
            f'aria-label="{html.escape(title)}">'
            f'<text x="8" y="17" font-size="13">{html.escape(title)}</text>{grid}'
            f'<polyline points="{line}" fill="none" stroke="#2563eb" stroke-width="2"/>{dots}{xlabels}</svg>')


def _html_table(frame: pd.DataFrame, link_column: str | None = None, link_text: str = "",
                classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    last = len(frame.columns) - 1
    for i, values in enumerate(frame.itertuples(index=False)):
        cells = []
        for j, (column, value) in enumerate(zip(frame.columns, values, strict=True)):
            text = "" if formatting.is_missing(value) else str(value)
            if column == link_column:
                cells.append(f'<td><a href="{html.escape(text)}">{html.escape(link_text or text)}</a></td>')
                continue
            numeric = isinstance(value, int | float) or re.fullmatch(r"[+-]?[\d,.]+( pp| 个百分点|%)?", text)
            cls = " ".join(c for c in ("num" if numeric else "", classes[i] if classes and j == last else "") if c)
            cells.append(f'<td class="{cls}">{html.escape(text)}</td>' if cls else f"<td>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def to_html(brief: Brief, lang: str, base_url: str | None = None) -> str:
    """The brief as one self-contained HTML page (no external files); every data value escaped.

    Register links are absolute against ``base_url`` (default ``links.base_url()``), so they
    work from a file opened anywhere.
    """
    say = lambda key, **kw: i18n.text(f"briefing.{key}", lang, **kw)  # noqa: E731
    lines = header_lines(brief, lang)
    weeks = list(brief.trends["week"])
    panels = brief_charts.panels(brief, lang)
    charts = "".join(_svg_panel(title, values, ymax, weeks) for title, values, ymax in panels)
    columns = len(display.rows(panels, display.PANELS_PER_ROW)[0])
    parts = [
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        f"<title>{html.escape(lines[0])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(lines[0])}</h1>",
        *(f'<p class="meta">{html.escape(line)}</p>' for line in lines[1:]),
        f"<h2>{html.escape(say('section.summary'))}</h2><p>{html.escape(summary_text(brief, lang))}</p>",
        f"<h2>{html.escape(say('section.figures'))}</h2>",
        _html_table(cards_table(brief, lang), classes=[c.judgement for c in brief.cards]),
        f"<h2>{html.escape(say('section.trends'))}</h2><div class=\"charts\" "
        f'style="grid-template-columns:repeat({columns},1fr)">{charts}</div>',
        f'<p class="meta">{html.escape(say("trend.caption"))}</p>',
        f"<h2>{html.escape(say('section.where'))}</h2>",
    ]
    register = column_title("register", lang)
    for key, frame in where_tables(brief, lang).items():
        parts.append(f"<h3>{html.escape(say(f'where.{key}'))}</h3>")
        if frame.empty:
            parts.append(f"<p>{html.escape(say(f'where.{WHERE_EMPTY[key]}'))}</p>")
            continue
        if register in frame.columns:
            frame = frame.assign(**{register: [links.absolute(u, base_url) for u in frame[register]]})
        parts.append(_html_table(frame, link_column=register if register in frame.columns else None,
                                 link_text=say("where.open")))
    parts.append("</body></html>")
    return "\n".join(parts)
