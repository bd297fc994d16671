"""``python -m gridwatch serve``: what it preloads before handing over to Streamlit."""

import sys

from gridwatch.commands import serve


def test_imported_modules_lists_top_level_imports_once_in_order(tmp_path):
    script = tmp_path / "page.py"
    script.write_text(
        '"""A page."""\n'
        "import html\n"
        "import plotly.express as px\n"
        "from gridwatch import ui, figures\n"
        "from gridwatch.links import enterprise_url\n"
        "from . import sibling\n"
        "import html\n"
        "def later():\n"
        "    import json\n",
        encoding="utf-8",
    )
    assert serve.imported_modules([script]) == [
        "html", "plotly.express", "gridwatch", "gridwatch.ui", "gridwatch.figures",
        "gridwatch.links", "gridwatch.links.enterprise_url",
    ]


def test_preload_loads_what_the_pages_use_and_skips_names_that_are_not_modules():
    loaded = serve.preload()
    for name in ("pandas", "plotly.express", "streamlit", "gridwatch.ui", "gridwatch.figures",
                 "gridwatch.briefing", "gridwatch.rectification", "gridwatch.hazards"):
        assert name in loaded and name in sys.modules
    assert "gridwatch.links.enterprise_url" not in loaded


def test_serve_passes_streamlit_options_after_the_separator():
    from gridwatch.cli import build_parser

    args = build_parser().parse_args(["serve", "--port", "8600", "--", "--server.headless", "true"])
    assert args.port == 8600 and args.streamlit_options == ["--server.headless", "true"]
