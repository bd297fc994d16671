"""Which figures each field (or whole table) feeds: the one list of what a missing field switches off.

DESIGN.md "Honest figures on real data": when the data never records a field that a figure
needs, the figure is "not recorded", not zero. The data-quality page and ``gridwatch status``
read this list to say, for every field never recorded, which figures it switches off. A key
``(table, None)`` stands for the whole table (it holds no rows).

Figure keys are those of ``gridwatch.metrics.KEYS`` where the figure is a headline figure;
each has a label ``data_quality.figure.<key>`` in both languages.
"""

FIVE = ("responsibility", "measures", "funds", "time_limit", "plan")
BLIND_SPOT_FIELDS = ("town", "village", "department", "squadron", "grid_id")

NEEDS: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("hazards", "verified_date"): ("verification_rate",),
    **{("hazards", flag): ("five_in_place",) for flag in FIVE},
    ("hazards", "deadline"): ("on_time_rate", "overdue_open", "due_soon"),
    ("hazards", "rectified_date"): ("on_time_rate", "median_days_to_rectify", "rectified_in_period"),
    ("hazards", "reminder_date"): ("escalation",),
    ("hazards", "order_date"): ("escalation",),
    ("grids", None): ("grid_coverage", "blind_spots", "uninspected_grids", "staffing"),
    ("grids", "population"): ("staffing",),
    ("grids", "grid_staff"): ("staffing",),
    ("grids", "geometry"): ("grid_map",),
    ("staff", None): ("staffing", "scoring"),
    ("staff", "active"): ("scoring_peer_group",),
    ("inspections", None): ("coverage_rate", "overdue_for_inspection", "scoring"),
    ("inspections", "outcome"): ("register_outcome",),
    ("inspections", "score"): ("register_score",),
    ("inspections", "staff_ids"): ("scoring_joined",),
    ("hazards", None): ("hazards_found", "rectification_rate", "overdue_open"),
    ("enterprises", "lat"): ("map_placement",),
    ("enterprises", "lon"): ("map_placement",),
    ("enterprises", "industry"): ("industry_breakdown",),
    **{("enterprises", field): ("blind_spots",) for field in BLIND_SPOT_FIELDS},
    ("cases", None): ("cases", "escalation"),
    ("tipoffs", None): ("tipoffs",),
    ("worklogs", None): ("worklog_completeness",),
}


def figures() -> tuple[str, ...]:
    """Every figure key the list names, in first-mention order."""
    seen: dict[str, None] = {}
    for keys in NEEDS.values():
        seen.update(dict.fromkeys(keys))
    return tuple(seen)


def switched_off(never_recorded: dict[str, list[str]], empty_tables: list[str]) -> dict[str, list[str]]:
    """Figure → the missing fields (``table.field``, or ``table`` for an empty table) that switch it off.

    ``never_recorded`` maps a table to its fields never recorded; ``empty_tables`` lists the
    tables without rows. Figures come in the order of ``figures()``; fields in the order given.
    """
    missing = [(table, None) for table in empty_tables]
    missing += [(table, field) for table, fields in never_recorded.items() if table not in empty_tables
                for field in fields]
    out: dict[str, list[str]] = {}
    for key in missing:
        for figure in NEEDS.get(key, ()):
            out.setdefault(figure, []).append(key[0] if key[1] is None else f"{key[0]}.{key[1]}")
    order = {figure: i for i, figure in enumerate(figures())}
    return dict(sorted(out.items(), key=lambda item: order[item[0]]))
