"""Rectification and enforcement closed loop (整改闭环): does the loop from hazard to verification close?"""

from datetime import timedelta

import streamlit as st

from gridwatch import chart_top, display, exports, figures, formatting, lists, metrics, registers, rules, ui
from gridwatch import rectification as rect

ui.require_data()
chosen = ui.filters()
comparison = metrics.compare(chosen, "last_year")
last_year = comparison.baseline
lang = ui.lang()
recorded = ui.recorded()
rule_set = rules.load()
soon_days = rule_set["rectification"]["due_soon_days"]


def table(frame, key, height=None, order=None):
    rows = rect.for_screen(ui.page_of(frame, key), order)
    register = ui.t("rectification.col.register")
    links = {register: st.column_config.LinkColumn(register, display_text=ui.t("rectification.open_register"),
                                                   width=80)} if "register" in rows.columns else {}
    ui.dataframe(rect.labelled(rows, lang), hide_index=True, height=height or "auto", column_config=links,
                 percent=tuple(ui.t(f"rectification.col.{c}") for c in rows.columns if c.endswith("_rate")),
                 widths={ui.t("rectification.col.description"): 180})


def download(frame, name):
    # Built when clicked: overdue lists run to tens of thousands of rows at province scale.
    ui.download_button(ui.t("rectification.download"),
                       lambda context=header: exports.csv_bytes(rect.labelled(frame, lang), context),
                       file_name=f"{name}.csv", mime="text/csv", key=f"rect_download_{name}", kind="gap_list",
                       what=f"rectification {name}: {header}")


def printable_list(frame, name, key, heading, caption):
    """A list of records (paged), with CSV and printable Excel downloads of every row."""
    st.markdown(f"**{heading}**")
    st.caption(caption)
    st.dataframe(lists.labelled(ui.page_of(frame, key), lang), hide_index=True,
                 height=min(38 + 35 * len(frame), 400))
    title = ui.t(f"registers.{name}.title")
    left, right = st.columns(2)
    ui.download_button(ui.t("registers.download.csv"), lambda: lists.csv_bytes(frame, header, lang),
                       file_name=f"{title}-{chosen.as_of.isoformat()}.csv", mime="text/csv", key=f"{key}_csv",
                       kind="gap_list", what=f"rectification {name}: {header}", where=left)
    ui.download_button(ui.t("registers.download.xlsx"),
                       lambda: lists.xlsx([("", frame)], title, header, lang, ui_as_of),
                       file_name=f"{title}-{chosen.as_of.isoformat()}.xlsx", mime=registers.XLSX,
                       key=f"{key}_xlsx", kind="gap_list", what=f"rectification {name}: {header}", where=right)


def chart(data, title, x_title, y_title, percent=False, xaxis=None, **layout):
    yaxis = {"title": {"text": y_title}}
    if percent:
        yaxis |= {"tickformat": ".0%", "range": [0, 1.05]}
    ui.plotly_chart(ui.figure(figures.from_spec, data, {
        "title": {"text": title}, "xaxis": {"title": {"text": x_title}, **(xaxis or {})}, "yaxis": yaxis,
        "showlegend": True, "legend": {"orientation": "h", "y": -0.25}, "margin": {"t": 60}, **layout,
    }), width="stretch")


def bars(x, y, name):
    return {"type": "bar", "x": list(x), "y": list(y), "name": name}


def card(column, key, figures_now, figures_before=None):
    shown = display.card(key, figures_now, figures_before, recorded=recorded)
    note = ui.t("rectification.last_year", value=shown.previous_shown(lang)) if figures_before is not None else ""
    display.draw(column, shown, lang, note=note)


st.title(ui.t("app.page.rectification"))
st.caption(ui.t("rectification.caption", start=chosen.start, end=chosen.end, as_of=chosen.as_of,
                ly_start=last_year.start, ly_end=last_year.end, ly_as_of=last_year.as_of))
st.caption(ui.md("rectification.scope", scope=ui.join(chosen.towns) if chosen.towns
                 else ui.t("rectification.whole_county")))

bad = ui.query("rectification_date_errors", chosen.params())
if len(bad):
    st.warning(ui.t("rectification.date_errors", n=len(bad)))
    with st.expander(ui.t("rectification.date_errors_list")):
        table(bad, "rect_bad", height=250)

st.subheader(ui.t("rectification.headline.header"))
st.caption(ui.t("rectification.headline.note"))
now, before = ui.headline(chosen), ui.headline(last_year)
scope_now = metrics.blank_unrecorded_columns(ui.query("rectification_by_dimension", rect.params(chosen)), recorded)
scope_before = metrics.blank_unrecorded_columns(ui.query("rectification_by_dimension", rect.params(last_year)),
                                                recorded)
total_now, total_before = (f[f["dimension"] == "all"].iloc[0].to_dict() for f in (scope_now, scope_before))
for row in display.rows([*rect.HEADLINE_CARDS, "p90_days_to_rectify"]):
    for column, key in zip(st.columns(len(row)), row, strict=True):
        if key in now:
            card(column, key, now, before)
        else:
            card(column, key, total_now, total_before)
if now["rectified_date_unknown"]:
    st.caption(ui.t("overview.left_out", n=f"{now['rectified_date_unknown']:,}"))
st.caption(ui.t("rectification.headline.ageing_header"))
for bucket, column in enumerate(st.columns(4), start=1):
    card(column, f"aged_{bucket}", total_now, total_before)

st.subheader(ui.t("rectification.story.header"))
story = rect.laggards(scope_now)
if story["squadron"]:
    s = story["squadron"]
    st.warning("🔁 " + ui.md("rectification.story.squadron", name=str(s["name"]),
                             rate=formatting.rate(s["rate"]), overall=formatting.rate(s["overall"]),
                             days=formatting.number(s["median_days_to_verify"])))
if story["town"]:
    s = story["town"]
    st.warning("⚠️ " + ui.md("rectification.story.town", name=str(s["name"]),
                           count=s["overdue_major"], overall=s["overall"]))
if not story["squadron"] and not story["town"]:
    st.info(ui.t("rectification.story.none"))

st.subheader(ui.t("rectification.filters.header"))
left, right = st.columns(2)
squadrons = left.multiselect(ui.t("rectification.filters.squadrons"),
                             list(ui.query("rectification_squadrons", chosen.params())["squadron"]),
                             placeholder=ui.t("app.filters.all"), key="rect_squadrons")
levels = right.multiselect(ui.t("rectification.filters.levels"), rect.HAZARD_LEVELS,
                           format_func=ui.code_formatter("hazard_level"),
                           placeholder=ui.t("app.filters.all"), key=ui.follows_language("rect_levels"))
params = rect.params(chosen, squadrons, levels)
ui_as_of = ui.data_as_of()
header = rect.export_header(chosen, squadrons, levels, ui_as_of, lang)
detail = metrics.blank_unrecorded_columns(ui.query("rectification_by_dimension", params), recorded)

st.subheader(ui.t("rectification.breakdown.header"))
dimension = st.segmented_control(ui.t("rectification.breakdown.dimension"), rect.DIMENSIONS,
                                 format_func=ui.formatter("rectification.breakdown.dim"),
                                 default="squadron", key="rect_dimension") or "squadron"
dim_name = ui.t(f"rectification.breakdown.dim.{dimension}")
rows = detail[detail["dimension"] == dimension].drop(columns="dimension")
if rows["hazards_found"].sum() == 0 and rows["overdue_open"].sum() == 0:
    st.info(ui.t("rectification.breakdown.empty"))
else:
    def names_of(frame):
        if dimension == "level":
            return [ui.label("hazard_level", v) for v in frame["value"]]
        return rect.labelled(frame[["value"]], lang).iloc[:, 0].tolist()

    left, right = st.columns(2)
    with left:
        worst = chart_top.top_categories(rows, "value", "rectification_rate", ascending=True)
        chart([bars(names_of(worst.frame), worst.frame[k], ui.t(f"rectification.series.{k}"))
               for k in ("rectification_rate", "on_time_rate", "verification_rate")],
              ui.t("rectification.breakdown.rates_title", dimension=dim_name), dim_name,
              ui.t("rectification.breakdown.rate_axis"), percent=True)
        if worst.cut:
            st.caption(chart_top.caption(worst, ui.t("rectification.col.rectification_rate"), lang))
    with right:
        most = chart_top.top_categories(rows, "value", "overdue_open")
        chart([bars(names_of(most.frame), most.frame[f"aged_{b}"], rect.ageing_label(b, lang)) for b in range(1, 5)],
              ui.t("rectification.breakdown.overdue_title", dimension=dim_name), dim_name,
              ui.t("rectification.breakdown.count_axis"), barmode="stack")
        if most.cut:
            st.caption(chart_top.caption(most, ui.t("rectification.col.overdue_open"), lang))
    table(rows, "rect_breakdown", height=min(38 + 35 * len(rows), 420))
    download(rows, f"rectification_by_{dimension}")

st.subheader(ui.t("rectification.trend.header"))
trend = metrics.blank_unrecorded_columns(ui.query("rectification_trend", params), recorded)
months, unfinished = rect.trend_months(trend["month"], chosen.as_of)
chart([{"type": "scatter", "x": months, "y": list(trend[k]), "mode": "lines+markers",
        "name": ui.t(f"rectification.series.{k}")}
       for k in ("rectification_rate", "on_time_rate", "verification_rate")],
      ui.t("rectification.trend.title"), ui.t("rectification.trend.month_axis"),
      ui.t("rectification.breakdown.rate_axis"), percent=True, xaxis={"type": "category"})
st.caption(ui.t("rectification.trend.note"))
if unfinished:
    st.caption(ui.t("rectification.trend.unfinished", month=unfinished, as_of=chosen.as_of.isoformat()))

st.subheader(ui.t("rectification.due_soon.header"))
due = ui.query("rectification_due_soon", params)
st.caption(ui.t("rectification.due_soon.caption", as_of=chosen.as_of, days=soon_days,
                until=chosen.as_of + timedelta(days=soon_days)))
if due.empty:
    st.info(ui.t("rectification.due_soon.empty", days=soon_days))
else:
    soonest = chart_top.top_categories(detail[(detail["dimension"] == "squadron") & (detail["due_soon"] > 0)],
                                       "value", "due_soon")
    per_squadron = soonest.frame
    chart([bars(rect.labelled(per_squadron[["value"]], lang).iloc[:, 0], per_squadron["due_soon"],
                ui.t("rectification.col.due_soon"))],
          ui.t("rectification.due_soon.title"), ui.t("rectification.col.squadron"),
          ui.t("rectification.breakdown.count_axis"))
    if soonest.cut:
        st.caption(chart_top.caption(soonest, ui.t("rectification.col.due_soon"), lang))
    table(due, "rect_due", height=400, order="due_soon")
    download(due, "rectification_due_soon")

st.subheader(ui.t("rectification.overdue.header"))
overdue = ui.query("rectification_overdue", params)
if overdue.empty:
    st.info(ui.t("rectification.overdue.empty"))
else:
    st.caption(ui.t("rectification.overdue.caption", n=len(overdue),
                    order=rule_set["rectification"]["order_after_overdue_days"],
                    case=rule_set["rectification"]["case_after_overdue_days"]))
    table(overdue, "rect_overdue", height=400, order="overdue")
    download(overdue, "rectification_overdue")

st.subheader(ui.t("rectification.five.header"))
st.caption(ui.t("rectification.five.caption"))
five = ui.query("rectification_five", params).iloc[0]
if five["majors"] == 0:
    st.info(ui.t("rectification.five.empty"))
else:
    for column, key in zip(st.columns(3), rect.FIVE_CARDS, strict=True):
        card(column, key, rect.figures(five, rect.FIVE_CARDS))
if five["majors"] and five["recorded"]:
    chart([bars([ui.t(f"rectification.col.{k}") for k in rect.FIVE], [int(five[f"missing_{k}"]) for k in rect.FIVE],
                ui.t("rectification.five.incomplete"))],
          ui.t("rectification.five.title"), ui.t("rectification.five.header"),
          ui.t("rectification.five.axis"))
    missing = ui.query("rectification_five_missing", params)
    if missing.empty:
        st.success(ui.t("rectification.five.all_complete"))
    else:
        table(missing, "rect_missing", height=300, order="five_missing")
        download(missing, "rectification_five_missing")

st.subheader(ui.t("rectification.escalation.header"))
st.caption(ui.t("rectification.escalation.caption"))
ladder = ui.query("rectification_escalation", params)
if ladder["hazards"].iloc[0] == 0:
    st.info(ui.t("rectification.escalation.empty"))
else:
    chart([{"type": "funnel", "y": [ui.t(f"rectification.step.{s}") for s in ladder["step"]],
            "x": list(ladder["hazards"]), "textinfo": "value+percent initial",
            "name": ui.t("rectification.col.hazards")}],
          ui.t("rectification.escalation.title"), ui.t("rectification.col.hazards"),
          ui.t("rectification.col.step"))
    table(ladder.drop(columns="step_order"), "rect_ladder", order="ladder")

st.subheader(ui.t("rectification.cases.header"))
fine = rule_set["rectification"]["collective_review_fine"]
st.caption(ui.t("rectification.cases.caption", fine=f"{fine:,}"))
cases = ui.query("rectification_cases", params).iloc[0]
if cases["filed"] == 0:
    st.info(ui.t("rectification.cases.empty"))
else:
    for column, key in zip(st.columns(len(rect.CASE_CARDS)), rect.CASE_CARDS, strict=True):
        card(column, key, rect.figures(cases, rect.CASE_CARDS))
    st.caption(ui.t("rectification.cases.review_help", done=int(cases["reviewed_where_required"]),
                    required=int(cases["review_required"])))
    by_measure = ui.query("rectification_cases_by_measure", params)
    measures = [ui.label("measure", m) for m in by_measure["measure"]]
    chart([bars(measures, by_measure["cases"], ui.t("rectification.series.cases")),
           {"type": "scatter", "x": measures, "y": list(by_measure["penalty_total"]), "yaxis": "y2",
            "mode": "markers", "marker": {"size": 12}, "name": ui.t("rectification.series.penalty_total")}],
          ui.t("rectification.cases.title"), ui.t("rectification.col.measure"),
          ui.t("rectification.cases.cases_axis"),
          yaxis2={"overlaying": "y", "side": "right", "rangemode": "tozero",
                  "title": {"text": ui.t("rectification.cases.penalty_axis")}})
    case_list = ui.query("rectification_case_list", params)
    printable_list(case_list, "cases", "rect_case_list", ui.t("registers.cases.list_header"),
                   ui.t("registers.cases.list_caption", n=len(case_list)))

st.subheader(ui.t("rectification.listed.header"))
st.caption(ui.t("rectification.listed.caption"))
listed = ui.query("rectification_listed", params)
if listed.empty:
    st.info(ui.t("rectification.listed.empty"))
else:
    table(listed, "rect_listed", height=min(38 + 35 * len(listed), 400), order="listed")
    download(listed, "rectification_listed")

st.subheader(ui.t("rectification.tipoffs.header"))
st.caption(ui.t("rectification.tipoffs.caption"))
tips = ui.query("rectification_tipoffs", params).iloc[0]
for column, key in zip(st.columns(len(rect.TIPOFF_CARDS)), rect.TIPOFF_CARDS, strict=True):
    card(column, key, rect.figures(tips, rect.TIPOFF_CARDS))
st.caption(ui.t("rectification.tipoffs.rewarded_help", n=int(tips["rewarded"])))
ledger = ui.query("rectification_tipoff_ledger", params)
if ledger.empty:
    st.info(ui.t("registers.tipoffs.empty"))
else:
    printable_list(ledger, "tipoffs", "rect_tipoff_ledger", ui.t("registers.tipoffs.ledger_header"),
                   ui.t("registers.tipoffs.ledger_caption", n=len(ledger)))

st.subheader(ui.t("rectification.mix.header"))
mix = ui.query("rectification_inspection_mix", params)
if mix.empty:
    st.info(ui.t("rectification.mix.empty"))
else:
    left, right = st.columns(2)
    with left:
        types = mix[mix["dimension"] == "type"]
        chart([bars([ui.label("inspection_type", v) for v in types["value"]], types["inspections"],
                    ui.t("rectification.col.inspections"))],
              ui.t("rectification.mix.type_title"), ui.t("rectification.col.type"),
              ui.t("rectification.mix.axis"))
    with right:
        campaigns = mix[mix["dimension"] == "campaign"]
        if campaigns.empty:
            st.info(ui.t("rectification.mix.no_campaign"))
        else:
            chart([bars(campaigns["value"], campaigns["inspections"], ui.t("rectification.col.inspections"))],
                  ui.t("rectification.mix.campaign_title"), ui.t("rectification.mix.header"),
                  ui.t("rectification.mix.axis"))
