"""Streamlit glue shared by ``app.py`` and every page, one module per job; pages use it as ``ui.<name>``.

- ``routing``: which page a run draws, and a fresh server's first deep link sent through app.py
- ``text``: the session's language and UI strings (``t``, ``md``, ``error_md``, ``join``,
  ``label``, ``formatter``, ``code_formatter``, ``lang``), and ``follows_language`` for widgets
  whose option labels change with it
- ``data``: the one way pages read the warehouse, cached per data version: named queries
  (``query``), library computations (``cached``; ``read`` for a one-off download),
  metadata (``has_warehouse``, ``meta``, ``data_as_of``, ``is_demo``), ``filter_options``,
  ``headline``, ``recorded``
- ``charts``: plotly figures built once per distinct input and language (``figure``), drawn in
  the UI language (``plotly_chart``)
- ``access``: the signed-in role and town scope, and the page gate ``require_data``
- ``sidebar``: language switch (it re-asserts the widgets that follow the language and keeps
  ``?lang=`` in the address), global filters (``sidebar_filters``, ``filters``), demo badge
  and as-of stamp (``stamps``)
- ``downloads``: ``download_button``, allowed by role, built on click, audited
- ``tables``: ``dataframe``, long lists a page at a time (``page_of``), and ``table``: a titled grid
  with a plain copy for printing (``paper_table``)
- ``page``: the page style and print script (``page_style``, ``STYLE``, ``PRINT_SCRIPT``)

Each module imports only modules listed before it, so there is no import cycle. Settings a
test may change (``tables.PAGE_ROWS``, ``tables.PRINT_ROWS``, ``charts.FIGURE_CACHE_MAX_ROWS``) are
not re-exported: they are read from their own module, so change them there.
"""

from gridwatch.ui.access import in_scope, own_staff_id, require_data, role, town_scope
from gridwatch.ui.charts import figure, plotly_chart
from gridwatch.ui.data import (
    cached,
    data_as_of,
    data_first_date,
    db_path,
    filter_options,
    has_warehouse,
    headline,
    is_demo,
    meta,
    query,
    read,
    recorded,
)
from gridwatch.ui.downloads import download_button
from gridwatch.ui.page import PRINT_SCRIPT, STYLE, page_style
from gridwatch.ui.sidebar import FILTERS_KEY, filters, language_switch, sidebar_filters, stamps
from gridwatch.ui.tables import dataframe, page_of, paper_table, table
from gridwatch.ui.text import (
    LANG_KEY,
    code_formatter,
    error_md,
    follows_language,
    formatter,
    join,
    label,
    lang,
    md,
    t,
)

__all__ = [
    "FILTERS_KEY", "LANG_KEY", "PRINT_SCRIPT", "STYLE", "cached", "code_formatter", "data_as_of", "data_first_date",
    "dataframe", "db_path", "download_button", "error_md", "figure", "filter_options", "filters", "follows_language",
    "formatter", "has_warehouse", "headline", "in_scope", "is_demo", "join", "label", "lang", "language_switch",
    "md", "meta", "own_staff_id", "page_of", "page_style", "paper_table", "plotly_chart", "query", "read",
    "recorded", "require_data", "role", "sidebar_filters", "stamps", "t", "table", "town_scope",
]
