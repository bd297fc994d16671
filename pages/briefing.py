"""Weekly leadership briefing (领导周报), the home page: one ISO week against the week before.

Cards, twelve-week trends, where-to-act lists and a written summary, all from
``gridwatch.briefing.compute``; the same brief exports as PDF, HTML and Excel
(``gridwatch.brief_pdf``, ``brief_html``, ``brief_xlsx``).
"""

import streamlit as st

from gridwatch import brief_html, brief_pdf, brief_xlsx, briefing, display, figures, links, pdf, safe, ui

ui.require_data()
lang = ui.lang()
chosen = ui.filters()
data_as_of = ui.data_as_of()
scope = briefing.Scope(towns=chosen.towns, departments=chosen.departments, industries=chosen.industries)

st.title(ui.t("app.page.briefing"))

weeks = briefing.week_choices(data_as_of)
options = {w.label: briefing.week_option(w, data_as_of, lang) for w in weeks}
default = briefing.last_full_week(data_as_of).label
wanted = st.query_params.get("week", default)
index = list(options).index(wanted) if wanted in options else list(options).index(default)
week = briefing.Week.parse(st.selectbox(ui.t("briefing.week"), list(options), index=index,
                                        format_func=options.get, key=ui.follows_language("briefing_week")))
brief = ui.cached(briefing.compute_for, week, scope, data_as_of)

st.caption(briefing.caption(brief, lang))
st.caption(ui.md("briefing.scope", scope=scope.describe(lang)) + " · "
           + ui.t("briefing.data_as_of", date=data_as_of.isoformat()))

if not brief.enterprises_in_scope:
    st.warning(ui.t("briefing.no_enterprises"))
st.subheader(ui.t("briefing.section.summary"))
st.info(safe.md(briefing.summary_text(brief, lang)))

for section in briefing.SECTIONS:
    st.subheader(ui.t(f"briefing.section.{section}"))
    cards = st.container(key=f"gw_cards_{section}")  # two to a row on a phone (gridwatch/app.css)
    for row in display.rows(c for c in brief.cards if briefing.SECTION_OF[c.key] == section):
        for column, card in zip(cards.columns(len(row)), row, strict=True):
            display.draw(column, card, lang, delta_description=ui.t("briefing.vs", basis=brief.basis(lang)),
                         chart_data=list(brief.trends[card.key]) if card.key in briefing.TREND_KEYS else None)
    if section == "rectification" and brief.rectified_date_unknown:
        st.caption(ui.t("briefing.section.left_out", n=f"{brief.rectified_date_unknown:,}"))

st.subheader(ui.t("briefing.section.trends"))
figure = ui.figure(figures.small_multiples, brief.trends, list(briefing.TREND_KEYS),
                   [ui.t(f"briefing.trend.{k}") for k in briefing.TREND_KEYS], "week",
                   {"y_axis": ui.t("briefing.trend.y_axis"), "x_axis": ui.t("briefing.trend.x_axis"),
                    "title": ui.t("briefing.section.trends")})
ui.plotly_chart(figure, width="stretch")
st.caption(ui.t("briefing.trend.caption"))

st.subheader(ui.t("briefing.section.where"))
tables = briefing.where_tables(brief, lang)
register = ui.t("briefing.col.register")
# Names get a fixed width and counts a narrow one, so the counts stay in view at 1280 px.
name = ui.t("briefing.col.name")
columns = {register: st.column_config.LinkColumn(register, display_text=ui.t("briefing.where.open"),
                                               help=ui.t("briefing.where.link_help"), width="small"),
         name: st.column_config.TextColumn(name, width=170),
         **{ui.t(f"briefing.col.{k}"): st.column_config.NumberColumn(ui.t(f"briefing.col.{k}"), width=100)
            for k in briefing.WHERE_COUNTS}}
left, right = st.columns(2)
for column, key in ((left, "top_towns"), (right, "top_enterprises"), (st.container(), "majors_found")):
    title = ui.t(f"briefing.where.{key}")
    if tables[key].empty:
        column.markdown(f"**{title}**")
        column.info(ui.t(f"briefing.where.{briefing.WHERE_EMPTY[key]}"))
    else:
        ui.table(tables[key], key=f"briefing_{key}", title=title, where=column, hide_index=True,
                 column_config=columns, height=min(38 + 35 * len(tables[key]), 400),
                 print_columns=[c for c in tables[key].columns if c != register])

export = st.container(key="gw_screen_only_export")  # not printed: buttons do nothing on paper
export.subheader(ui.t("briefing.section.export"))
town_options = [""] + ui.filter_options().get("town", [])
town_labels = {"": ui.t("briefing.export.as_page", scope=scope.describe(lang)), **{t: t for t in town_options[1:]}}
town = export.selectbox(ui.t("briefing.export.town"), town_options, format_func=town_labels.get,
                    help=ui.t("briefing.export.town_help"), key=ui.follows_language("briefing_export_town"))
exported = brief if not town else ui.cached(
    briefing.compute_for, week,
    briefing.Scope(towns=(town,), departments=scope.departments, industries=scope.industries), data_as_of)
base_url = links.base_url(st.context.url)
pdf_col, html_col, xlsx_col = export.columns(3)
try:
    pdf.cjk_font()
except pdf.FontMissing as missing:
    pdf_col.warning(ui.t("briefing.export.pdf_unavailable", reason=ui.error_md(missing)))
else:
    ui.download_button(ui.t("briefing.export.pdf"), data=lambda: brief_pdf.to_pdf(exported, lang),
                       file_name=briefing.file_name(exported, "pdf"), mime="application/pdf",
                       key="briefing_pdf", where=pdf_col, kind="report",
                       what=f"briefing pdf: {briefing.file_name(exported, 'pdf')}")
ui.download_button(ui.t("briefing.export.html"),
                   data=lambda: brief_html.to_html(exported, lang, base_url=base_url),
                   file_name=briefing.file_name(exported, "html"), mime="text/html",
                   key="briefing_html", where=html_col, kind="report",
                   what=f"briefing html: {briefing.file_name(exported, 'html')}")
ui.download_button(ui.t("briefing.export.xlsx"), data=lambda: brief_xlsx.to_xlsx(exported, lang, base_url=base_url),
                   file_name=briefing.file_name(exported, "xlsx"),
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   key="briefing_xlsx", where=xlsx_col, kind="report",
                   what=f"briefing xlsx: {briefing.file_name(exported, 'xlsx')}")
