"""The page style and print copies: what the browser tests look at, checked without a browser."""

import pandas as pd
import pytest

from gridwatch import ui
from tests.conftest import build_fixture_db
from tests.test_app import start


@pytest.mark.parametrize("path", [ui.STYLE, ui.PRINT_SCRIPT])
def test_injected_files_hold_no_less_than_sign(path):
    # Streamlit's HTML sanitiser drops a style or script whose text holds one, silently.
    assert "<" not in path.read_text(encoding="utf-8")


def test_paper_table_escapes_and_formats():
    frame = pd.DataFrame({"企业<名称>": ["<b>甲</b> & 乙", None], "隐患": [1234, 5], "率": [0.5, float("nan")]})
    html = ui.paper_table(frame, title="标题 <i>")
    assert html.startswith('<table class="gw-paper-table"><caption>标题 &lt;i&gt;</caption>')
    assert "<th>企业&lt;名称&gt;</th>" in html
    assert "<td>&lt;b&gt;甲&lt;/b&gt; &amp; 乙</td>" in html and "<b>" not in html
    assert '<td class="num">1,234</td>' in html and '<td class="num">0.5</td>' in html
    assert html.count("<td></td>") == 2  # missing is blank, not "None" or "nan"


def test_brief_page_has_print_copies_and_card_groups(tmp_path, monkeypatch):
    at = start(build_fixture_db(tmp_path / "brief.duckdb", "briefing.sql"), monkeypatch)
    assert not at.exception
    bodies = [h.proto.body for h in at.get("html")]
    assert any(b.startswith("<style>") and "@media print" in b for b in bodies)
    copies = [b for b in bodies if 'class="gw-paper-table"' in b]
    assert len(copies) == 3  # towns, enterprises, majors found
    # The towns list as printed: W47's two towns with overdue hazards (tests/test_briefing.py), no link column.
    assert "<caption>逾期隐患最多的镇街</caption>" in copies[0] and "西镇" in copies[0] and "东镇" in copies[0]
    assert "一企一册" not in "".join(copies) and "/enterprise?" not in "".join(copies)
