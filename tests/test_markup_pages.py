"""Markup in the data is shown as text on every page, never rendered (issue 15, point 6).

The tiny county is loaded with every name replaced by ``page_payload.injected``: a
Markdown link to evil.example, bold, a heading, ``<b>``, ``<img onerror>``, ``<script>``,
a Streamlit colour directive and a bare www link, followed by the original name. That
goes for towns, villages, grids, departments, industries, squadrons, enterprise names,
staff names and roles, hazard categories, descriptions and the campaign. Every page is
walked as in the scope test, and everything it sends is checked by
``page_payload.created``: Markdown (rendered as GitHub-flavoured Markdown) shows each
injected value literally and holds no link, image or script made from it; plotly strings
carry it escaped; map tooltips carry no HTML character; nothing else carries it.
"""

import re

import pytest

from gridwatch import warehouse
from gridwatch.navigation import PAGES
from tests import page_payload
from tests.conftest import FIXTURES
from tests.test_auth_app import clock, open_url, served_through_app_py  # noqa: F401

# Names of tiny.sql and auth_scope.sql (enterprise ids stay as they are).
NAMES = (
    "甲一机械厂", "甲二食品厂", "乙一化工厂", "乙二建材厂", "乙三仓储", "甲三冶炼厂", "粉尘防爆专项整治",
    "配电箱无防护", "灭火器过期", "除尘器未接地", "储罐标识缺失", "台账不全", "防护罩缺失",
    "甲镇网格", "一村网格", "乙镇网格", "二村网格", "甲镇", "乙镇", "一村", "二村",
    "应急局", "市场监管局", "经信局", "交通局", "机械制造", "食品加工", "危险化学品", "建材", "仓储物流", "冶金",
    "第一中队", "第二中队", "张三", "李四", "中队长", "执法人员",
    "电气安全", "消防安全", "粉尘防爆", "危化品储存", "安全管理", "机械防护",
)
ENTERPRISES = ("E1", "E2", "E3", "E4", "E5", "E6")
DATA_PAGES = {spec.key for spec in PAGES} - {"data_import", "admin"}


def injected_sql(*files: str) -> str:
    """The fixture files with every name in ``NAMES`` replaced by an injected value ending in that name."""
    sql = "\n".join((FIXTURES / name).read_text(encoding="utf-8") for name in files)
    pattern = re.compile("|".join(re.escape(n) for n in sorted(NAMES, key=len, reverse=True)))
    return pattern.sub(lambda m: page_payload.injected(m.group(0)).replace("'", "''"), sql)


@pytest.fixture
def markup_db(tmp_path, monkeypatch):
    db = tmp_path / "markup.duckdb"
    with warehouse.rewrite(db, fresh=True) as con:
        con.execute(injected_sql("tiny.sql", "auth_scope.sql"))
        warehouse.set_meta(con, is_demo="false")
    monkeypatch.setenv("GRIDWATCH_DB", str(db))
    return db


def start():
    from streamlit.testing.v1 import AppTest

    from tests.test_app import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "zh"
    return at.run()


def test_the_fixture_holds_the_markup(markup_db):
    import duckdb

    con = duckdb.connect(str(markup_db), read_only=True)
    name, town = con.execute("select name, town from enterprises where enterprise_id = 'E1'").fetchone()
    con.close()
    assert name == page_payload.injected("甲一机械厂") and town == page_payload.injected("甲镇")
    assert name.startswith("# 标题丙 [链接甲](http://evil.example/phish)")


@pytest.mark.parametrize("page", [spec.key for spec in PAGES])
def test_markup_in_the_data_is_shown_as_text(markup_db, page):
    at = start()
    shown = 0
    for state in page_payload.walk(at, page, open_url, enterprises=ENTERPRISES):
        assert not at.exception, (state, at.exception)
        problems = page_payload.created(at)
        assert not problems, (state, problems[:8])
        shown += sum(1 for p in page_payload.pieces(at) if any(m in p.text for m in page_payload.MARKERS))
    if page in DATA_PAGES:
        assert shown, f"no injected value reached {page}: the test would prove nothing"


def test_markup_typed_by_a_user_is_shown_as_text(markup_db):
    """What a user types (a URL's enterprise id, a search, SQL) comes back only as text too."""
    typed = page_payload.injected("typed")
    at = start()
    at.query_params["enterprise"] = typed
    open_url(at, "enterprise")
    assert any("链接甲" in e.value for e in at.error)
    at.text_input(key="reg_search").input(typed).run()
    assert not page_payload.created(at)
    open_url(at, "explore")
    at.text_area(key="ex_sql").input(f"select '{typed}' as x from nowhere")
    at.button(key="ex_run").click().run()
    assert at.error and not page_payload.created(at)
    link = start()
    link.query_params["ds"] = typed
    open_url(link, "explore")
    assert link.warning and not page_payload.created(link)


def test_the_checker_sees_markup_made_from_data():
    """``created`` is not blind: raw data in Markdown, in a chart and in a map tooltip is reported."""
    from streamlit.testing.v1 import AppTest

    def raw_page():
        import plotly.graph_objects as go
        import streamlit as st

        from tests.page_payload import injected

        st.markdown(f"**{injected('x')}**")
        st.plotly_chart(go.Figure(go.Bar(x=[injected("x")], y=[1])))
        st.table({"a": [injected("x")]})

    def safe_page():
        import plotly.graph_objects as go
        import streamlit as st

        from gridwatch import safe
        from tests.page_payload import injected

        st.markdown(f"**{safe.md(injected('x'))}**")
        st.plotly_chart(safe.figure(go.Figure(go.Bar(x=[injected("x")], y=[1]))))
        st.table(safe.md_table(__import__("pandas").DataFrame({"a": [injected("x")]})))
        st.selectbox("pick", [injected("x")])

    problems = page_payload.created(AppTest.from_function(raw_page, default_timeout=30).run())
    assert any("Markdown.body (markdown): made a" in p for p in problems), problems
    assert any("(plotly)" in p for p in problems), problems
    assert any("Table.arrow_data" in p for p in problems), problems
    assert not page_payload.created(AppTest.from_function(safe_page, default_timeout=30).run())


@pytest.mark.usefixtures("clock")
def test_markup_in_a_users_name_and_towns_is_shown_as_text(markup_db, monkeypatch, tmp_path):
    """A display name and a town scope (chosen from the data's towns on the admin page) are data too."""
    import yaml

    from tests.test_auth_app import FIXTURE, fresh, sign_in

    config = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    config["users"]["li"].update(towns=[page_payload.injected("乙镇")], display_name=page_payload.injected("李四"))
    users = tmp_path / "auth.yaml"
    users.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("GRIDWATCH_AUTH", str(users))
    monkeypatch.setenv("GRIDWATCH_DB", str(markup_db))
    at = sign_in(fresh(), "li")
    assert any("链接甲" in c.value for c in at.sidebar.caption)
    for page in sorted(DATA_PAGES):
        open_url(at, page)
        assert not at.exception, (page, at.exception)
        assert not page_payload.created(at), (page, page_payload.created(at)[:8])
