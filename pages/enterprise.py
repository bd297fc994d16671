"""The register of one enterprise (一企一册): found by search or opened from a link (?enterprise=ID)."""

import pandas as pd
import streamlit as st

from gridwatch import pdf, register, safe, ui

RISK_BADGE = {"red": "red", "orange": "orange", "yellow": "yellow", "blue": "blue"}

ui.require_data()
chosen = ui.filters()
lang = ui.lang()

st.title(ui.t("app.page.enterprise"))


def choose() -> None:
    picked = st.session_state.get("reg_pick")
    if picked:
        st.query_params["enterprise"] = picked


left, right = st.columns([1, 2])
text = left.text_input(ui.t("register.search"), key="reg_search", placeholder=ui.t("register.search_placeholder"))
if text.strip():
    found = register.search(ui.query, text, towns=ui.town_scope())
    if found.empty:
        right.warning(ui.md("register.no_match", text=text.strip()))
    else:
        names = {r.enterprise_id: " · ".join(str(v) for v in (r.name, r.town, r.credit_code) if isinstance(v, str))
                 for r in found.itertuples(index=False)}
        right.selectbox(ui.t("register.matches", limit=register.SEARCH_LIMIT), list(names), index=None,
                        format_func=names.get, key="reg_pick", on_change=choose)

wanted = st.query_params.get("enterprise", "").strip()
if not wanted:
    st.info(ui.t("register.choose"))
    st.stop()

reg = register.load(ui.query, wanted, chosen.as_of, towns=ui.town_scope())
if reg is None:
    st.error(ui.md("register.unknown", id=wanted))
    st.stop()

st.header(safe.md(reg.header["name"]), anchor=False)
badges = st.container(horizontal=True)
badges.badge(ui.label("risk_level", reg.header["risk_level"]), color=RISK_BADGE.get(reg.header["risk_level"], "gray"))
badges.badge(ui.label("status", reg.header["status"]), color="green" if reg.header["status"] == "operating" else "gray")
if register.is_listed(reg):
    badges.badge(register.listed_text(reg, lang), color="violet")
if reg.header["major_hazard_source"]:
    badges.badge(ui.t("register.field.major_hazard_source"), color="red")
st.caption(ui.md("register.caption", id=reg.enterprise_id, as_of=chosen.as_of))

fields = register.header_rows(reg, lang)
half = (len(fields) + 1) // 2
for column, part in zip(st.columns(2), (fields[:half], fields[half:]), strict=True):
    column.table(safe.md_table(pd.DataFrame({ui.t("register.field_label"): [k for k, _ in part],
                                             ui.t("register.field_value"): [v for _, v in part]})),
                 hide_index=True)

d1, d2, _ = st.columns([1, 1, 2])
ui.download_button(ui.t("register.download_xlsx"), data=lambda: register.xlsx(reg, lang, ui.data_as_of()),
                   file_name=f"register_{reg.enterprise_id}_{chosen.as_of}.xlsx", where=d1, kind="enterprise_register",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="reg_xlsx",
                   what=f"enterprise register {reg.enterprise_id}")
try:
    pdf.cjk_font()
except pdf.FontMissing as missing:
    d2.warning(ui.t("register.pdf_unavailable", reason=ui.error_md(missing)))
else:
    ui.download_button(ui.t("register.download_pdf"), data=lambda: register.pdf(reg, lang, ui.data_as_of()),
                       file_name=f"register_{reg.enterprise_id}_{chosen.as_of}.pdf", mime="application/pdf",
                       key="reg_pdf", where=d2, kind="enterprise_register",
                       what=f"enterprise register {reg.enterprise_id}")

for tab, name in zip(st.tabs([ui.t(f"register.section.{s}") for s in register.SECTIONS]), register.SECTIONS,
                     strict=True):
    frame = register.section(reg, name, lang)
    if frame.empty:
        tab.info(ui.t("register.empty_section", as_of=chosen.as_of))
    else:
        tab.dataframe(frame, hide_index=True, key=f"reg_{name}", height=min(35 * (len(frame) + 1) + 3, 560))
