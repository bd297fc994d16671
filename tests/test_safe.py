"""gridwatch/safe.py: values from the data reach Markdown and plotly as the text they are."""

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt

from gridwatch import safe
from tests.page_payload import injected

RENDER = MarkdownIt("gfm-like", {"html": True, "linkify": True})


def shown(markdown: str) -> str:
    """The text a reader sees of rendered Markdown (tags dropped, entities decoded)."""
    from tests.page_payload import _read_html

    return "".join(_read_html(RENDER.render(markdown)).text).strip()


@pytest.mark.parametrize("value", [
    "[整改通知](http://evil.example/phish)", "**粗体**", "# 标题", "<b>x</b>", "<img src=x onerror=alert(1)>",
    "<script>alert('x')</script>", "www.evil.example", "http://evil.example", "a@evil.example", ":red[x]",
    "1. 第一", "- 列表", "> 引用", "`code`", "~~删除~~", "$x^2$", "a | b", "&lt;已转义&gt;", "&amp;", "\\*",
    "foo_bar_baz", "100%", "安康五金厂（东镇）", "2026-03-01",
])
def test_md_shows_the_value_literally_and_makes_nothing(value):
    rendered = RENDER.render(safe.md(value))
    assert shown(safe.md(value)).replace(safe.WORD_JOINER, "") == value
    # Streamlit links bare URLs and addresses in the shown text, after the Markdown is parsed.
    assert not LinkifyIt().test(shown(safe.md(value)))
    assert not any(tag in rendered for tag in ("<a ", "<img", "<script", "<strong>", "<em>", "<h1>", "<code>",
                                               "<ol", "<ul", "<blockquote", "<s>", "<del>", "<table"))


def test_md_keeps_a_value_on_one_line():
    assert safe.md("甲\n\n    乙\n===") == "甲 乙 \\=\\=\\="
    assert shown(safe.md("甲\n# 乙")) == "甲 # 乙"
    assert safe.md(None) == ""
    assert safe.md("东镇") == "东镇"


def test_md_table_escapes_cells_and_headers_not_missing_values():
    frame = pd.DataFrame({"**名称**": ["[a](http://evil.example)", None], "n": [1, 2]})
    out = safe.md_table(frame)
    assert list(out.columns) == ["\\*\\*名称\\*\\*", "n"]
    assert out.iloc[0, 0] == "\\[a\\]\\(http\u2060\\://evil\\.example\\)" and pd.isna(out.iloc[1, 0])
    assert list(out["n"]) == [1, 2]


def test_figure_escapes_every_string_but_our_templates():
    name = injected("甲一机械厂")
    fig = go.Figure(go.Bar(x=[name, "乙"], y=[1, 2], name=name, customdata=[[name], ["乙"]], text=[name, "2"],
                           hovertemplate="%{x}: %{y}<extra></extra>"),
                    layout={"title": {"text": f"{name} 的隐患"},
                            "xaxis": {"type": "category", "categoryarray": [name, "乙"]}})
    out = safe.figure(fig).to_dict()
    trace = out["data"][0]
    escaped = html.escape(name, quote=False)
    assert list(trace["x"]) == [escaped, "乙"] and trace["name"] == escaped and list(trace["text"]) == [escaped, "2"]
    assert [list(c) for c in trace["customdata"]] == [[escaped], ["乙"]]
    assert trace["hovertemplate"] == "%{x}: %{y}<extra></extra>"
    assert out["layout"]["title"]["text"] == f"{escaped} 的隐患"
    assert list(out["layout"]["xaxis"]["categoryarray"]) == [escaped, "乙"]
    assert "<" not in str(trace["x"]) and list(trace["y"]) == [1, 2]
    assert html.unescape(trace["customdata"][0][0]) == name, "a click gives the data back"
    assert fig.to_dict()["data"][0]["x"][0] == name, "the figure given is left as it was"


def test_figure_gives_numbers_back_as_numbers():
    z = [[1.5, 2.0], [3.0, 4.0]]
    out = safe.figure(go.Figure(go.Heatmap(z=np.array(z), x=["<b>甲</b>", "乙"], y=["a", "b"])))
    assert isinstance(out.data[0].z, np.ndarray) and out.data[0].z.tolist() == z
    assert list(out.data[0].x) == ["&lt;b&gt;甲&lt;/b&gt;", "乙"]
