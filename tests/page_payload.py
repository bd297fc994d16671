"""What a page sends to the browser, as text, for tests that look for leaks and created markup.

``pieces(at)`` walks every element and block of an AppTest run (main area and sidebar)
and returns every string the page sent, each with where it was and how the browser
treats it:

- ``markdown``: rendered as GitHub-flavoured Markdown (bodies of markdown, captions,
  headings and alerts; metric labels, values and deltas; every widget label and tooltip;
  radio and pills/segmented-control options; expander and tab labels; every cell and
  header of ``st.table``);
- ``html``: markdown sent with ``unsafe_allow_html``;
- ``text``: shown as text (dataframe cells and headers, selectbox and multiselect
  options, placeholders, code);
- ``plotly``: a string of a plotly figure, which plotly.js renders as its HTML subset;
- ``deck``: a string of a pydeck chart (its tooltip template inserts data as HTML);
- ``other``: everything else (ids, formats, column configuration, …).

Dataframes' and tables' Arrow bytes are decoded cell by cell; plotly specs, deck.gl JSON
and column configurations are parsed so that escaped non-ASCII text is read as sent.

``leaks(at, words, ids)`` finds other towns' names and ids anywhere in that; ``created``
finds markup that data made: ``MARKUP`` holds the injected values, and a marker word of
each may only ever reach the user inside the whole injected value, shown literally.
"""

import html
import io
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

import pyarrow as pa
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt
from streamlit.testing.v1.element_tree import Selectbox

MARKDOWN, HTML, TEXT, PLOTLY, DECK, OTHER = "markdown", "html", "text", "plotly", "deck", "other"
RAW_HTML = "raw html"  # st.html: drawn as HTML, never read as Markdown nor linked

# Proto fields shown as Markdown, by proto message name (any widget's label and help are
# Markdown too, see _kind). st.table cells are Markdown; st.dataframe cells are not.
_MARKDOWN_FIELDS = {
    "Markdown": {"body", "help"},
    "Heading": {"body", "help"},
    "Alert": {"body"},
    "Toast": {"body"},
    "Metric": {"label", "body", "delta", "delta_description", "help"},
    "Expandable": {"label"},
    "Tab": {"label"},
    "Popover": {"label", "help"},
    "Radio": {"options", "captions"},
    "Option": {"content"},
}
_TEXT_FIELDS = {
    "Selectbox": {"options", "default", "raw_value", "placeholder"},
    "MultiSelect": {"options", "default", "raw_values", "placeholder"},
    "TextInput": {"value", "default", "placeholder"},
    "TextArea": {"value", "default", "placeholder"},
    "Code": {"code_text"},
}
_SKIP_KEYS = {"bdata", "dtype", "shape"}


@dataclass(frozen=True)
class Piece:
    """One string a page sent: where (element path and field), how it is rendered, and the text."""

    where: str
    kind: str
    text: str


def _kind(message: str, field: str, widget: bool) -> str:
    if message == "Html" and field == "body":
        return RAW_HTML  # the printable copies of tables (ui.table)
    if field in _MARKDOWN_FIELDS.get(message, ()):
        return MARKDOWN
    if field in _TEXT_FIELDS.get(message, ()):
        return TEXT
    if widget and field in ("label", "help"):
        return MARKDOWN
    return OTHER


def _json_strings(value, where: str, kind: str, out: list[Piece]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _SKIP_KEYS:
                continue
            out.append(Piece(f"{where}.{key}#key", kind, str(key)))
            _json_strings(item, f"{where}.{key}", kind, out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _json_strings(item, f"{where}[{i}]", kind, out)
    elif isinstance(value, str):
        out.append(Piece(where, kind, value))


def _arrow_strings(data: bytes, where: str, kind: str, out: list[Piece]) -> None:
    try:
        table = pa.ipc.open_stream(io.BytesIO(data)).read_all()
    except (pa.ArrowInvalid, OSError):
        out.append(Piece(where, OTHER, data.decode("utf-8", "replace")))
        return
    metadata = table.schema.metadata or {}
    for key, value in metadata.items():
        out.append(Piece(f"{where}#meta", OTHER, (key + b"=" + value).decode("utf-8", "replace")))
    for name, column in zip(table.column_names, table.columns, strict=True):
        out.append(Piece(f"{where}#header", kind, str(name)))
        for i, cell in enumerate(column.to_pylist()):
            if cell is not None:
                out.append(Piece(f"{where}[{name!r}][{i}]", kind, str(cell)))


def _message_strings(message, where: str, out: list[Piece], widget: bool) -> None:
    name = message.DESCRIPTOR.name
    for field, value in message.ListFields():
        path = f"{where}.{field.name}"
        values = value if field.is_repeated else [value]
        for i, item in enumerate(values):
            at = f"{path}[{i}]" if field.is_repeated else path
            if field.type == field.TYPE_MESSAGE:
                if name in ("Dataframe", "Table") and field.name == "arrow_data":
                    _arrow_strings(item.data, at, MARKDOWN if name == "Table" else TEXT, out)
                else:
                    _message_strings(item, at, out, widget)
            elif field.type == field.TYPE_BYTES:
                _arrow_strings(item, at, TEXT, out)
            elif field.type == field.TYPE_STRING:
                _string(message, field.name, item, at, out, widget)


def _string(proto, field: str, text: str, where: str, out: list[Piece], widget: bool) -> None:
    message = proto.DESCRIPTOR.name
    if message == "PlotlyChart" and field in ("spec", "config"):
        _json_strings(json.loads(text), where, PLOTLY, out)
    elif message == "DeckGlJsonChart" and field in ("json", "tooltip"):
        _json_strings(json.loads(text) if text else {}, where, DECK, out)
    elif message == "Dataframe" and field == "columns":
        _json_strings(json.loads(text) if text else {}, where, OTHER, out)
    elif message == "Markdown" and field == "body":
        out.append(Piece(where, HTML if proto.allow_html else MARKDOWN, text))
    else:
        out.append(Piece(where, _kind(message, field, widget), text))


def _node_pieces(node, where: str, out: list[Piece]) -> None:
    proto = getattr(node, "proto", None)
    if proto is not None:
        widget = any(f.name == "id" for f, _ in proto.ListFields()) and proto.DESCRIPTOR.name not in (
            "PlotlyChart", "DeckGlJsonChart")
        here = f"{where}/{type(node).__name__}"
        _message_strings(proto, here, out, widget)
        where = here
    for key, child in getattr(node, "children", {}).items():
        _node_pieces(child, f"{where}/{key}", out)


def pieces(at) -> list[Piece]:
    """Every string the AppTest run ``at`` sent (main area and sidebar), classified by how it is shown."""
    out: list[Piece] = []
    _node_pieces(at._tree, "", out)
    return out


class _ChosenByPosition(Selectbox):
    """A selectbox answered as the browser answers: with the label at a position.

    AppTest's own ``select_index`` maps the label back through the page's format_func,
    which fails for the usual ``format_func=names.get``.
    """

    position: int = 0

    @property
    def index(self) -> int:
        return self.position


def choose(at, key: str, position: int) -> bool:
    """Choose the option at ``position`` of the selectbox ``key`` and rerun; False if there is none."""
    box = next((s for s in at.selectbox if s.key == key), None)
    if box is None or position >= len(box.options):
        return False
    box.__class__ = _ChosenByPosition
    box.position = position
    at.run()
    return True


def _word_pattern(word: str) -> re.Pattern:
    """An id (ASCII) matches as a whole token (``E1`` not in ``E10``); a Chinese name anywhere."""
    if word.isascii():
        return re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(word)}(?![A-Za-z0-9_-])")
    return re.compile(re.escape(word))


def leaks(at, words: tuple[str, ...]) -> list[str]:
    """Where the page sent any of ``words`` (other towns' names, their enterprises' names and ids)."""
    patterns = {word: _word_pattern(word) for word in words}
    found = []
    for piece in pieces(at):
        for word, pattern in patterns.items():
            if pattern.search(piece.text):
                found.append(f"{word!r} in {piece.where} ({piece.kind}): {piece.text[:160]!r}")
    return found


# Injected values: (marker, value). A marker is a word that appears only in its value.
MARKUP = (
    ("标题丙", "# 标题丙"),
    ("链接甲", "[链接甲](http://evil.example/phish)"),
    ("加粗乙", "**加粗乙**"),
    ("粗体丁", "<b>粗体丁</b>"),
    ("图片戊", "<img src=x onerror=alert(1)>图片戊"),
    ("脚本己", "<script>alert('脚本己')</script>"),
    ("红色庚", ":red[红色庚]"),
    ("网址辛", "www.evil.example/网址辛"),
)
MARKERS = tuple(marker for marker, _ in MARKUP)


def injected(tag: str) -> str:
    """A data value carrying every injected value, the heading first (a heading needs the line start).

    ``tag`` keeps values of different fields apart (two towns must not share a name).
    """
    return " ".join(value for _, value in MARKUP) + " " + tag


_RENDER = MarkdownIt("gfm-like", {"html": True, "linkify": True})
# Streamlit links bare URLs in the text after parsing, past any escape: what the user
# reads must hold nothing linkable either.
_LINKIFY = LinkifyIt()
_INVISIBLE = "\u2060"
_DIRECTIVE = re.compile(r"(?<!\\):[A-Za-z]+(?:-[A-Za-z]+)?\[[^\]]*\]")
_DANGEROUS_TAGS = {"a", "img", "script", "iframe", "object", "embed", "svg", "style", "b", "strong", "em", "i",
                   "h1", "h2", "h3", "h4", "h5", "h6", "span", "font", "u", "sup", "sub", "br"}


class _Rendered(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _read_html(markup: str) -> _Rendered:
    parsed = _Rendered()
    parsed.feed(markup)
    parsed.close()
    return parsed


def _shown_whole(shown: str) -> list[str]:
    """Markers in ``shown`` (what the user reads) that do not sit inside their whole injected value."""
    shown = shown.replace(_INVISIBLE, "")
    bad = []
    for marker, value in MARKUP:
        if shown.count(marker) != shown.count(value):
            bad.append(marker)
    return bad


def _created_in_markdown(source: str, as_html: bool, linkified: bool = True) -> list[str]:
    rendered = source if as_html else _RENDER.render(source)
    parsed = _read_html(rendered)
    problems = [f"made {tag} {attrs}" for tag, attrs in parsed.tags
                if tag in ("a", "img", "script", "iframe") and (tag != "a" or "evil" in attrs.get("href", ""))]
    shown = "".join(parsed.text)
    problems += [f"{marker!r} not shown literally" for marker in _shown_whole(shown)]
    if linkified:
        problems += [f"the browser links {m.url}" for m in _LINKIFY.match(shown) or () if "evil" in m.url]
    if not as_html and any(m in d for d in _DIRECTIVE.findall(source) for m in MARKERS):
        problems.append("made a Streamlit directive")
    return problems


def _created_in_plotly(text: str) -> list[str]:
    """plotly.js renders <b>, <a href>, <br>… and decodes &lt; &gt; &amp;: what it draws must hold the value whole."""
    if "<" in text and any(m in text for m in MARKERS):
        tags = re.findall(r"<\s*([A-Za-z]+)", text)
        if any(tag.lower() in _DANGEROUS_TAGS for tag in tags):
            return [f"raw tag beside data: {tags}"]
    shown = html.unescape(re.sub(r"<[^>]*>", "", text))
    return [f"{marker!r} not shown literally" for marker in _shown_whole(shown)]


def created(at) -> list[str]:
    """Markup created from injected data, anywhere in what the page sent (empty when every value is inert).

    Markdown is rendered as GitHub-flavoured Markdown with raw HTML and link detection
    on (as strict as the browser, which also turns ``:red[…]`` into colour), and must
    show every injected value literally and hold no link, image or script made from it;
    plotly strings must carry data only escaped; deck.gl tooltip values hold no HTML
    special character; any other field that carries a marker is reported, so that a new
    kind of element cannot slip through unclassified.
    """
    problems = []
    for piece in pieces(at):
        if not any(m in piece.text for m in MARKERS):
            continue
        if piece.kind in (MARKDOWN, HTML):
            found = _created_in_markdown(piece.text, piece.kind == HTML)
        elif piece.kind == RAW_HTML:
            found = _created_in_markdown(piece.text, as_html=True, linkified=False)
        elif piece.kind == PLOTLY:
            found = _created_in_plotly(piece.text)
        elif piece.kind == DECK:
            found = ["HTML special character in a map value"] if re.search(r"[<>&]", piece.text) else []
        elif piece.kind == TEXT:
            found = [f"{m!r} not shown literally" for m in _shown_whole(piece.text)]
        else:
            found = ["data in an unclassified field"]
        problems += [f"{piece.where} ({piece.kind}): {p}: {piece.text[:200]!r}" for p in found]
    return problems


def each_option(at, key: str, first: int | None = None, skip=lambda label: False):
    """Choose each option of the selectbox ``key`` (the ``first`` ones, those not ``skip``-ped) in turn.

    Yields each position chosen; nothing if there is no such selectbox.
    """
    position = 0
    while first is None or position < first:
        box = next((s for s in at.selectbox if s.key == key), None)
        if box is None or position >= len(box.options):
            return
        if not skip(box.options[position]):
            choose(at, key, position)
            yield position
        position += 1


def each_multiselect_option(at, key: str):
    """Choose each option of the multiselect ``key`` alone in turn, yielding it."""
    boxes = [m for m in at.multiselect if m.key == key]
    for option in boxes[0].options if boxes else []:
        at.multiselect(key=key).set_value([option]).run()
        yield option


CONSOLE_TABLES = ("enterprises", "grids", "inspections", "hazards", "cases", "tipoffs", "quarantine")
# The scoring page's most recent quarters walked (the fixtures' records fall in them).
QUARTERS = 3


@lru_cache(maxsize=1)
def _named_groupings() -> frozenset[str]:
    from gridwatch import explore, i18n

    return frozenset(explore.dimension_label(name, lang) for columns in explore.DATASETS.values()
                     for name, column in columns.items() for lang in i18n.LANGS
                     if (column.kind == explore.CODE and not column.labels) or name in explore.GROUPABLE_NAMES)


def _unnamed(label: str) -> bool:
    """A grouping whose values name nothing of a town (a date part, a yes/no, a code's label)."""
    return label not in _named_groupings()


def walk(at, page: str, open_page, enterprises: tuple[str, ...] = ()):
    """Open ``page`` and walk the choices whose answer names towns, enterprises or records; yield a label per state.

    ``open_page(at, key)`` opens a page (as a typed URL does); ``enterprises`` are the
    enterprise ids whose register is opened. The recent quarters, every role and person of
    the scoring page; each grid at both levels; each sort and category of the hazards page;
    each dimension and squadron of the rectification page; each export town of the
    briefing; each dataset of the explorer grouped by each column that holds names, a
    two-way heatmap, and the console over every table.
    """
    open_page(at, page)
    yield page
    if page == "performance":
        for q in each_option(at, "perf_quarter", first=QUARTERS):
            roles = each_option(at, "perf_role") if any(s.key == "perf_role" for s in at.selectbox) else [None]
            for r in roles:
                for p in each_option(at, "perf_person"):
                    yield f"performance quarter {q} role {r} person {p}"
    elif page == "enterprise":
        for enterprise_id in enterprises:
            at.query_params["enterprise"] = enterprise_id
            open_page(at, page)
            yield f"enterprise {enterprise_id}"
        at.text_input(key="reg_search").input("厂").run()
        yield "enterprise search"
        for p in each_option(at, "reg_pick"):
            yield f"enterprise search pick {p}"
    elif page == "coverage":
        for level in ("town", "village"):
            at.segmented_control(key="coverage_level").set_value(level).run()
            for g in each_option(at, "coverage_grid"):
                yield f"coverage {level} grid {g}"
    elif page == "hazards":
        for s in each_option(at, "hz_sort"):
            yield f"hazards sort {s}"
        for category in each_multiselect_option(at, "hz_category"):
            yield f"hazards category {category}"
    elif page == "rectification":
        for dimension in ("town", "squadron", "department", "industry", "level"):
            at.segmented_control(key="rect_dimension").set_value(dimension).run()
            yield f"rectification by {dimension}"
        for squadron in each_multiselect_option(at, "rect_squadrons"):
            yield f"rectification squadron {squadron}"
    elif page == "briefing":
        for t in each_option(at, "briefing_export_town"):
            yield f"briefing export town {t}"
    elif page == "explore":
        for _ in each_option(at, "ex_ds"):
            dataset = at.session_state["ex_ds"]
            for g in each_option(at, f"ex_g1_{dataset}", skip=_unnamed):
                yield f"explore {dataset} group {g}"
        at.selectbox(key="ex_ds").set_value("enterprises").run()
        at.selectbox(key="ex_g1_enterprises").set_value("town").run()
        at.selectbox(key="ex_g2_enterprises").set_value("industry").run()
        at.radio(key="ex_chart").set_value("heatmap").run()
        yield "explore heatmap"
        for table in CONSOLE_TABLES:
            at.text_area(key="ex_sql").input(f"select * from {table}")
            at.button(key="ex_run").click().run()
            yield f"explore console {table}"
