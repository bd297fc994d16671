"""Supervision quality (监管质量): does the loop really close? For leadership and the safety committee office.

Every figure comes from ``gridwatch.signals`` (queries ``quality_*``); this script draws
the overview, one chart and ranked list per signal, and the records behind every count.
"""

import html

import pandas as pd
import streamlit as st

from gridwatch import figures, formatting, rules, safe, ui
from gridwatch import signals as sig

OFFSET_SPAN = 30
CHART_ROWS = 20
NEEDS_LOOK_COLOUR = "#d97706"
BELOW_COLOUR = "#94a3b8"

ui.require_data()
chosen = ui.filters()
lang = ui.lang()
rule_set = rules.load()
data_as_of = ui.data_as_of()

st.title(ui.t("app.page.quality"))
scope = safe.md(ui.join(chosen.towns)) if chosen.towns else ui.t("quality.whole_county")
st.caption(ui.t("quality.caption", start=chosen.start, end=chosen.end, as_of=chosen.as_of, scope=scope))
st.info("🧭 " + ui.t("quality.neutral"))

left, right = st.columns([2, 1])
units = left.multiselect(ui.t("quality.filters.units"), list(ui.query("quality_units")["unit"]),
                         placeholder=ui.t("app.filters.all"), key="quality_units")
dimension = right.segmented_control(ui.t("quality.filters.dimension"), sig.DIMENSIONS,
                                    format_func=ui.formatter("quality.dimension"), default="unit",
                                    key="quality_dimension") or "unit"
dim_name = ui.t(f"quality.dimension.{dimension}")
dim_title = ui.t(f"quality.dimension_title.{dimension}")
frame = ui.cached(sig.summary, chosen, tuple(units))


def group_name(row) -> str:
    if pd.isna(row["key"]):
        return ui.t("quality.unknown")
    if dimension == "person":
        unit = row["unit"] if isinstance(row["unit"], str) else ui.t("quality.unknown")
        return f"{row['name'] or row['key']}（{unit}）" if lang == "zh" else f"{row['name'] or row['key']} ({unit})"
    return str(row["name"])


def status(row: dict) -> str:
    if not row["recorded"]:
        return ui.t("quality.status.not_recorded")
    if not row["records"]:
        return ui.t("quality.status.no_records")
    return ui.t("quality.status.needs_look" if row["needs_look"] else "quality.status.below")


st.subheader(ui.t("quality.overview.header"))
overview = []
for family, measures in sig.FAMILIES:
    for measure in measures:
        row = sig.overall(frame, measure)
        groups = frame[(frame["measure"] == measure) & (frame["dimension"] == dimension)]
        overview.append({
            ui.t("quality.overview.family"): ui.t(f"quality.family.{family}"),
            ui.t("quality.overview.signal"): ui.t(f"quality.measure.{measure}.title"),
            ui.t("quality.overview.share"): formatting.rate(row["share"]),
            ui.t("quality.overview.flagged"): formatting.count(row["flagged"]),
            ui.t("quality.overview.records"): formatting.count(row["records"]),
            ui.t("quality.overview.threshold"): formatting.rate(row["threshold"], 0),
            ui.t("quality.overview.groups", dimension=dim_name): formatting.count(groups["needs_look"].sum())
            if row["recorded"] else formatting.DASH,
            ui.t("quality.overview.status"): status(row),
        })
st.dataframe(overview, hide_index=True, height=38 + 35 * len(overview))
st.caption(ui.t("quality.overview.caption", dimension=dim_name))

families = [family for family, _ in sig.FAMILIES]
wanted = st.query_params.get("signal")
family = st.segmented_control(ui.t("quality.family.label"), families, format_func=ui.formatter("quality.family"),
                              default=wanted if wanted in families else families[0],
                              key="quality_family") or families[0]


def offsets_chart(measure: str, group_dimension: str, key) -> None:
    offsets = ui.query("quality_deadline_offsets", sig.params(chosen, units, group_dimension, key))
    if offsets.empty:
        return
    days = offsets["days_from_deadline"].clip(-OFFSET_SPAN, OFFSET_SPAN)
    pooled = offsets.groupby(days)["rectified"].sum()
    labels = [f"≤{d}" if d == -OFFSET_SPAN else f"≥{d}" if d == OFFSET_SPAN else str(d) for d in pooled.index]
    colours = [NEEDS_LOOK_COLOUR if d == 0 else BELOW_COLOUR for d in pooled.index]
    ui.plotly_chart(ui.figure(figures.from_spec, [
        {"type": "bar", "x": labels, "y": [int(v) for v in pooled], "marker": {"color": colours},
         "name": ui.t("quality.offsets.series")},
    ], {
        "title": {"text": ui.t("quality.offsets.title")},
        "xaxis": {"title": {"text": ui.t("quality.offsets.x_axis")}, "type": "category"},
        "yaxis": {"title": {"text": ui.t("quality.offsets.y_axis")}},
        "showlegend": True, "legend": figures.TOP_LEGEND, "margin": {"t": 70},
    }), width="stretch")
    on_day = int(pooled.get(0, 0))
    before = int(pooled.get(-1, 0))
    st.caption(ui.t("quality.offsets.note", on_day=f"{on_day:,}", day_before=f"{before:,}"))


def share_chart(measure: str, ranked) -> None:
    rows = ranked[ranked["rank"].notna()].head(CHART_ROWS)
    if rows.empty:
        st.info(ui.t("quality.chart.none_ranked", dimension=dim_name))
        return
    # Plotly reads tags in labels: names from the data are escaped.
    names = [html.escape(group_name(r)) for _, r in rows.iterrows()]
    threshold = float(rows["threshold"].iloc[0])
    data = []
    for looked, name_key, colour in ((True, "needs_look", NEEDS_LOOK_COLOUR), (False, "below", BELOW_COLOUR)):
        part = rows["needs_look"].to_numpy() == looked
        data.append({"type": "bar", "orientation": "h", "name": ui.t(f"quality.chart.{name_key}"),
                     "x": [float(v) for v in rows["share"][part]],
                     "y": [n for n, p in zip(names, part, strict=True) if p], "marker": {"color": colour}})
    data.append({"type": "scatter", "mode": "lines", "name": ui.t("quality.chart.threshold",
                                                                   threshold=formatting.rate(threshold, 0)),
                 "x": [threshold, threshold], "y": [names[0], names[-1]],
                 "line": {"color": "#b91c1c", "dash": "dash"}})
    title = ui.t("quality.chart.title", signal=ui.t(f"quality.measure.{measure}.title"), dimension=dim_name)
    ui.plotly_chart(ui.figure(figures.from_spec, data, {
        "title": {"text": title},
        "xaxis": {"title": {"text": ui.t("quality.chart.share_axis")}, "tickformat": ".0%",
                  "range": [0, 1.08 * max(threshold, float(rows["share"].max()))]},
        "yaxis": {"title": {"text": dim_title}, "categoryorder": "array", "categoryarray": list(reversed(names)),
                  "type": "category"},
        "barmode": "overlay", "showlegend": True, "legend": figures.TOP_LEGEND,
        "height": 160 + 24 * len(names), "margin": {"t": 80, "l": 10},
    }), width="stretch")


def ranked_list(measure: str, ranked) -> None:
    st.markdown(f"**{ui.t('quality.list.header')}**")
    table = {
        ui.t("quality.list.rank"): [None if pd.isna(r) else int(r) for r in ranked["rank"]],
        ui.t("quality.list.name"): [group_name(r) for _, r in ranked.iterrows()],
        ui.t("quality.list.records"): [int(v) for v in ranked["records"]],
        ui.t("quality.list.flagged"): [int(v) for v in ranked["flagged"]],
        ui.t("quality.list.share"): list(ranked["share"]),
        ui.t(f"quality.measure.{measure}.median"): list(ranked["median_figure"]),
        ui.t("quality.list.needs_look"): [ui.t("quality.list.yes") if v else ui.t("quality.list.no")
                                         for v in ranked["needs_look"]],
    }
    st.dataframe(table, hide_index=True, height=min(38 + 35 * len(ranked), 360), column_config={
        ui.t("quality.list.share"): st.column_config.NumberColumn(format="percent"),
        ui.t(f"quality.measure.{measure}.median"): st.column_config.NumberColumn(format="%.1f"),
    })
    min_volume = int(sig.overall(frame, measure)["min_volume"])
    st.caption(ui.t("quality.too_few", min_volume=min_volume, dimension=dim_name))


def records_view(measure: str, ranked, total_flagged: int) -> None:
    groups = ranked[ranked["flagged"] > 0]
    options = [("all", None)] + [(dimension, r["key"]) for _, r in groups.iterrows()]
    labels = [ui.t("quality.records.all", n=f"{total_flagged:,}")] + [
        ui.t("quality.records.group", name=group_name(r), n=f"{int(r['flagged']):,}") for _, r in groups.iterrows()]
    index = st.selectbox(ui.t("quality.records.choose"), range(len(options)), format_func=labels.__getitem__,
                         index=1 if len(options) > 1 else 0, key=f"quality_group_{measure}_{dimension}")
    group_dimension, key = options[index]
    group = ui.t("quality.all") if group_dimension == "all" else group_name(groups.iloc[index - 1])
    found = ui.query("quality_records", sig.params(chosen, units, group_dimension, key, measure))
    with st.expander(ui.t("quality.records.header", group=safe.md(group), n=f"{len(found):,}")):
        if found.empty:
            st.info(ui.t("quality.records.empty"))
            return
        register = ui.t("quality.col.register")
        st.dataframe(sig.labelled_records(ui.page_of(found, f"quality_rec_{measure}"), measure, lang),
                     hide_index=True, column_config={register: st.column_config.LinkColumn(
                         register, display_text=ui.t("quality.records.open"))})
        everything = ui.t("quality.all")
        header = [
            ui.t(f"quality.measure.{measure}.title"),
            ui.t("quality.export_filters", start=chosen.start, end=chosen.end, as_of=chosen.as_of,
                 towns=ui.join(chosen.towns) or everything, units=ui.join(units) or everything,
                 dimension=dim_name, group=group),
            ui.t("quality.export_as_of", date=data_as_of.isoformat()),
        ]
        ui.download_button(ui.t("quality.download"), lambda: sig.csv_download(found, measure, header, lang),
                           file_name=f"quality_{measure}.csv", mime="text/csv", kind="gap_list",
                           key=f"quality_download_{measure}", what=f"quality {measure}: {' / '.join(header[1:])}")


def draw(measure: str) -> None:
    st.subheader(ui.t(f"quality.measure.{measure}.title"))
    st.caption(ui.t(f"quality.measure.{measure}.definition", **sig.parameters(measure, rule_set)))
    row = sig.overall(frame, measure)
    if not row["recorded"]:
        st.info(ui.t("quality.not_recorded", field=ui.t(f"quality.field.{row['missing_field']}")))
        return
    if measure in sig.STOCK:
        st.caption(ui.t("quality.stock_note"))
    share, flagged, median = st.columns(3)
    share.metric(ui.t("quality.card.share"), formatting.rate(row["share"]), border=True,
                 help=ui.t("quality.card.share_help", threshold=formatting.rate(row["threshold"], 0),
                           min_volume=int(row["min_volume"])))
    flagged.metric(ui.t("quality.card.flagged"), f"{int(row['flagged']):,} / {int(row['records']):,}", border=True)
    median.metric(ui.t(f"quality.measure.{measure}.median"), formatting.number(row["median_figure"]), border=True)
    if not row["records"]:
        st.info(ui.t("quality.no_records"))
        return
    ranked = sig.ranked(frame, measure, dimension)
    if measure == "deadline_day":
        offsets_chart(measure, "all", None)
    chart, listed = st.columns([3, 2])
    with chart:
        share_chart(measure, ranked)
    with listed:
        ranked_list(measure, ranked)
    records_view(measure, ranked, int(row["flagged"]))


for measure in dict(sig.FAMILIES)[family]:
    draw(measure)
