"""Streamlit glue shared by ``app.py`` and every page, one module per job; pages use it as ``ui.<name>``.

- ``routing``: which page a run draws, and a fresh server's first deep link sent through app.py
- ``text``: the session's language and UI strings (``t``, ``md``, ``error_md``, ``join``,
  ``label``, ``formatter``, ``code_formatter``, ``lang``)
- ``data``: the cached read-only connection, named queries cached per data version
  (``query``), metadata (``meta``, ``data_as_of``, ``is_demo``), ``filter_options``,
  ``headline``, ``recorded``
- ``charts``: plotly figures built once per distinct input (``figure``)
- ``access``: the signed-in role and town scope, and the page gate ``require_data``
- ``sidebar``: language switch, global filters (``sidebar_filters``, ``filters``), demo badge
  and as-of stamp (``stamps``)
- ``downloads``: ``download_button``, allowed by role, built on click, audited
- ``tables``: ``dataframe`` and long lists a page at a time (``page_of``)

Each module imports only modules listed before it, so there is no import cycle. Settings a
test may change (``tables.PAGE_ROWS``, ``charts.FIGURE_CACHE_MAX_ROWS``) are not re-exported:
they are read from their own module, so change them there.
"""

from gridwatch.ui.access import in_scope, own_staff_id, require_data, role, town_scope
from gridwatch.ui.charts import figure
from gridwatch.ui.data import (
    connection,
    data_as_of,
    data_first_date,
    db_path,
    filter_options,
    headline,
    is_demo,
    meta,
    query,
    recorded,
)
from gridwatch.ui.downloads import download_button
from gridwatch.ui.sidebar import FILTERS_KEY, filters, language_switch, sidebar_filters, stamps
from gridwatch.ui.tables import dataframe, page_of
from gridwatch.ui.text import LANG_KEY, code_formatter, error_md, formatter, join, label, lang, md, t

__all__ = [
    "FILTERS_KEY", "LANG_KEY", "code_formatter", "connection", "data_as_of", "data_first_date", "dataframe",
    "db_path", "download_button", "error_md", "figure", "filter_options", "filters", "formatter", "headline",
    "in_scope", "is_demo", "join", "label", "lang", "language_switch", "md", "meta", "own_staff_id", "page_of",
    "query", "recorded", "require_data", "role", "sidebar_filters", "stamps", "t", "town_scope",
]
