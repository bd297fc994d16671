"""Values from the data made inert for the places that would render them as markup.

Streamlit renders GitHub-flavoured Markdown, with its own directives (``:red[…]``,
``:material/…:``, ``$…$`` maths), in ``st.markdown``, captions, titles and headers,
alerts, metric labels, values and deltas, every widget label and tooltip, radio and
pills options, expander and tab labels, and every cell and header of ``st.table``.
plotly.js renders a subset of HTML (``<b>``, ``<a href>``, ``<br>``, ``<span style>``…)
in every text of a chart: titles, axis categories, legend names, hover labels. An
enterprise named ``[整改通知](http://evil.example/phish)`` must reach those places as the
text it is, never as a link.

- ``md``: any value put into Markdown (``ui.md`` applies it to every value a UI string
  interpolates); ``md_table`` for ``st.table``.
- ``figure``: a whole plotly figure with every string escaped (``ui.figure`` applies it
  to every chart it builds; templates such as ``hovertemplate`` are ours and kept).

Text that is shown as text needs nothing: dataframe cells, selectbox and multiselect
options, exports. Map tooltips are made inert in ``gridwatch.maps`` (look-alike
characters, because Streamlit escapes tooltip values itself).
"""

import base64
import html
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

# Every ASCII character Markdown or Streamlit's directives give a meaning to. A backslash
# before ASCII punctuation always reads as that character; "<", ">" and "&" become HTML
# entities first (which Markdown shows as the character), so no tag and no entity of the
# data is read. ":" keeps "http://…" from being linked and ":red[…]" from colouring, "."
# keeps "www.…" and "1." lists literal, "=" and "-" keep a value from underlining a heading.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:=])")
_LINE_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")
# Streamlit links bare URLs and e-mail addresses in the text *after* parsing the Markdown,
# where escapes are already gone ("http\://evil\.example" was seen linked in Chromium).
# An invisible WORD JOINER inside "http://", "www." and after "@" keeps them from
# reading as links.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(?=://)|(?<=www)(?=\.)|(?<=@)")
WORD_JOINER = "\u2060"


def md(value) -> str:
    """``value`` as Markdown that shows exactly its text (on one line); None as an empty string.

    The text shown is the value's, but for an invisible word joiner inside what would
    otherwise be linked as a bare URL or e-mail address.
    """
    if value is None:
        return ""
    text = _AUTOLINK.sub(WORD_JOINER, _LINE_BREAKS.sub(" ", str(value)).strip())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def md_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` for ``st.table``, which renders every cell and header as Markdown."""
    out = frame.map(lambda cell: md(cell) if isinstance(cell, str) else cell)
    out.columns = [md(c) for c in frame.columns]
    return out


def chart_text(value):
    """A string as plotly shows it literally (``<`` → ``&lt;``; plotly.js decodes the entity); others as they are."""
    return html.escape(value, quote=False) if isinstance(value, str) else value


# Keys whose strings are plotly templates we write ourselves ("%{x}<extra></extra>"),
# and the theme template: kept as they are.
_OURS = ("hovertemplate", "texttemplate", "template", "hovertemplatefallback", "texttemplatefallback")


def _escaped(value):
    if isinstance(value, str):
        return chart_text(value)
    if isinstance(value, dict) and {"bdata", "dtype"} <= value.keys():
        # A numeric array as plotly's to_dict encodes it: numbers, given back as the array.
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        return array.reshape([int(n) for n in str(shape).split(",")]) if shape else array
    if isinstance(value, dict):
        return {key: item if key in _OURS else _escaped(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_escaped(item) for item in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "OUS":
        return np.array([_escaped(item) for item in value.ravel()], dtype=object).reshape(value.shape)
    return value


def figure(fig: go.Figure) -> go.Figure:
    """A copy of ``fig`` whose every string (titles, categories, names, hover and tick text) is escaped.

    A click on a chart reports the escaped values; ``html.unescape`` gives the data back.
    """
    return go.Figure(_escaped(fig.to_dict()))
