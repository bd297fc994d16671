"""Printable A4 PDF documents with Chinese text (fpdf2 with a system CJK font, embedded).

The font comes from ``$GRIDWATCH_CJK_FONT`` or the usual Debian locations
(``fonts-noto-cjk``, ``fonts-wqy-zenhei``); nothing is downloaded.
"""

import os
from datetime import datetime
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace

from gridwatch import i18n

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


class FontMissing(i18n.LocalisedError, RuntimeError):
    """No CJK font is installed; the message says how to install one."""

    prefix = "app."


def cjk_font() -> Path:
    """The CJK font file to embed."""
    env = os.environ.get("GRIDWATCH_CJK_FONT")
    for candidate in ([env] if env else []) + list(FONT_CANDIDATES):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    raise FontMissing("font_missing")


class Document(FPDF):
    """An A4 portrait document: a title band on the first page, page numbers on every page."""

    def __init__(self, title: str, subtitle_lines: list[str] | None = None, footer_text: str = ""):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.add_font("cjk", fname=str(cjk_font()))
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)
        self.footer_text = footer_text
        self.set_title(title)
        self.set_creator("gridwatch")
        self.set_creation_date(datetime.now())
        self.add_page()
        self.set_font("cjk", size=18)
        self.multi_cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
        self.set_font("cjk", size=9)
        self.set_text_color(90, 90, 90)
        for line in subtitle_lines or []:
            self.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(3)

    def footer(self) -> None:
        """Page number and the footer text, on every page."""
        self.set_y(-12)
        self.set_font("cjk", size=8)
        self.set_text_color(120, 120, 120)
        self.cell(0, 6, f"{self.footer_text}    {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str) -> None:
        """A section heading."""
        self.ln(2)
        self.set_font("cjk", size=13)
        self.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("cjk", size=10)

    def paragraph(self, text: str) -> None:
        """A paragraph of running text."""
        self.set_font("cjk", size=10)
        self.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def frame_table(self, frame: pd.DataFrame, col_widths: tuple[float, ...] | None = None,
                    font_size: float = 8, empty_text: str = "—", line_height: float = 5) -> None:
        """A table of a DataFrame with a repeated header row; all cells shown as text."""
        self.set_font("cjk", size=font_size)
        if frame.empty:
            self.paragraph(empty_text)
            return
        headings = FontFace(emphasis=None, fill_color=(230, 230, 230))
        with self.table(col_widths=col_widths, headings_style=headings, line_height=line_height,
                        text_align="LEFT", repeat_headings=1) as table:
            table.row([str(c) for c in frame.columns])
            for values in frame.itertuples(index=False):
                table.row(["" if _missing(v) else str(v) for v in values])
        self.ln(2)

    def to_bytes(self) -> bytes:
        """The finished PDF."""
        return bytes(self.output())


def _missing(value) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
