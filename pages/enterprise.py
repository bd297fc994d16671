"""The register of one enterprise (一企一册): found by search or opened from a link (?enterprise=ID).

It opens on what an inspector needs first, the open-now block (unrectified hazards, most
urgent first, with the escalation step the rules call for; the last inspection; listed
supervision), then the profile and every record, hazards first in order of urgency.
"""

import pandas as pd
import streamlit as st

from gridwatch import pdf, register, rules, safe, ui

RISK_BADGE = {"red": "red", "orange": "orange", "yellow": "yellow", "blue": "blue"}
# Widths (px) that keep the key columns within a 1280 px window beside the sidebar.
# At 1280 px the block holds about 780 px of table: every column a person reads fits without
# wrapping a four-character label; only the ID (least read) runs past the edge.
# At 1280 px the grid has about 790 px: the last step keeps "Reminder 2025-03-14" on one line
# (English does not wrap inside it), the least read column (the ID) comes last and scrolls.
OPEN_WIDTHS = {"status": 70, "level": 76, "days_overdue": 66, "deadline": 86, "hazard": 140,
               "last_step": 146, "next_step": 80, "next_step_due": 98, "hazard_id": 84}
# Rows taller than 4rem let the grid wrap text: the hazard is read in full, not cut at its column's edge.
OPEN_ROW_HEIGHT = 66
HAZARD_WIDTHS = {"status": 92, "level": 86, "days_overdue": 72, "deadline": 88, "category": 90,
                 "description": 150, "next_step": 70, "next_step_due": 100}

ui.require_data()
chosen = ui.filters()
lang = ui.lang()


def choose() -> None:
    picked = st.session_state.get("reg_pick")
    if picked:
        st.query_params["enterprise"] = picked


def search_box(where) -> None:
    """The search on name or credit code; choosing a match opens its register."""
    left, right = where.columns([1, 2])
    text = left.text_input(ui.t("register.search"), key="reg_search",
                           placeholder=ui.t("register.search_placeholder"))
    if not text.strip():
        return
    found = ui.cached(register.search, text, towns=ui.town_scope())
    if found.empty:
        right.warning(ui.md("register.no_match", text=text.strip()))
        return
    names = {r.enterprise_id: " · ".join(str(v) for v in (r.name, r.town, r.credit_code) if isinstance(v, str))
             for r in found.itertuples(index=False)}
    right.selectbox(ui.t("register.matches", limit=register.SEARCH_LIMIT), list(names), index=None,
                    format_func=names.get, key="reg_pick", on_change=choose)


wanted = st.query_params.get("enterprise", "").strip()
if not wanted:
    st.title(ui.t("app.page.enterprise"))
    search_box(st)
    st.info(ui.t("register.choose"))
    st.stop()

reg = ui.cached(register.load, wanted, chosen.as_of, towns=ui.town_scope())
if reg is None or not ui.in_scope(reg.header["town"]):
    st.title(ui.t("app.page.enterprise"))
    search_box(st)
    st.error(ui.md("register.unknown", id=wanted))
    st.stop()

st.title(safe.md(reg.header["name"]), anchor=False)
badges = st.container(horizontal=True, vertical_alignment="center")
badges.badge(ui.label("risk_level", reg.header["risk_level"]), color=RISK_BADGE.get(reg.header["risk_level"], "gray"))
badges.badge(ui.label("status", reg.header["status"]), color="green" if reg.header["status"] == "operating" else "gray")
if register.is_listed(reg):
    badges.badge(register.listed_text(reg, lang), color="violet")
if reg.header["major_hazard_source"]:
    badges.badge(ui.t("register.field.major_hazard_source"), color="red")
badges.caption(ui.md("register.caption", id=reg.enterprise_id, as_of=chosen.as_of))
search_box(badges.popover("🔍 " + ui.t("register.open.search_other")))


def widths(columns: dict[str, int], section: str) -> dict:
    return {ui.t(f"register.column.{section}.{c}"): w for c, w in columns.items()}


with st.container(border=True, key="reg_open_now"):
    st.subheader(ui.t("register.open.header", as_of=chosen.as_of), anchor=False)
    st.markdown("  \n".join(safe.md(line) for line in register.open_lines(reg, lang)))
    open_table = register.open_table(reg, lang)
    if len(open_table):
        ui.dataframe(open_table, hide_index=True, key="reg_open_table", widths=widths(OPEN_WIDTHS, "open"),
                     row_height=OPEN_ROW_HEIGHT, height=min(OPEN_ROW_HEIGHT * len(open_table) + 38, 440))
        ladder = rules.load()["rectification"]
        st.caption(ui.t("register.open.steps_note", order=ladder["order_after_overdue_days"],
                        case=ladder["case_after_overdue_days"]))

# Side by side at their own width: quarter-width columns cut the English labels short.
downloads = st.container(horizontal=True)
ui.download_button(ui.t("register.download_xlsx"), data=lambda: register.xlsx(reg, lang, ui.data_as_of()),
                   file_name=f"register_{reg.enterprise_id}_{chosen.as_of}.xlsx", where=downloads,
                   kind="enterprise_register",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="reg_xlsx",
                   what=f"enterprise register {reg.enterprise_id}")
try:
    pdf.cjk_font()
except pdf.FontMissing as missing:
    downloads.warning(ui.t("register.pdf_unavailable", reason=ui.error_md(missing)))
else:
    ui.download_button(ui.t("register.download_pdf"), data=lambda: register.pdf(reg, lang, ui.data_as_of()),
                       file_name=f"register_{reg.enterprise_id}_{chosen.as_of}.pdf", mime="application/pdf",
                       key="reg_pdf", where=downloads, kind="enterprise_register",
                       what=f"enterprise register {reg.enterprise_id}")

st.subheader(ui.t("register.sheet.header"), anchor=False)
fields = register.header_rows(reg, lang)
half = (len(fields) + 1) // 2
for column, part in zip(st.columns(2), (fields[:half], fields[half:]), strict=True):
    column.table(safe.md_table(pd.DataFrame({ui.t("register.field_label"): [k for k, _ in part],
                                             ui.t("register.field_value"): [v for _, v in part]})),
                 hide_index=True)

for tab, name in zip(st.tabs([ui.t(f"register.section.{s}") for s in register.SECTIONS]), register.SECTIONS,
                     strict=True):
    frame = register.section(reg, name, lang)
    if frame.empty:
        tab.info(ui.t("register.empty_section", as_of=chosen.as_of))
        continue
    if name == "hazards":
        tab.caption(ui.t("register.hazards_order"))
    ui.dataframe(frame, where=tab, hide_index=True, key=f"reg_{name}",
                 widths=widths(HAZARD_WIDTHS, "hazards") if name == "hazards" else None,
                 height=min(35 * (len(frame) + 1) + 3, 560))
