-- purpose: the main weekly figures for the $weeks ISO weeks ending on the Sunday $end,
--   one row per week, each week's status taken at its Sunday or at $as_of (the data's
--   as-of date) if earlier: the definitions of headline_metrics, through the same schema
--   macros (found_in, rectified_in, due_in, on_time_at, overdue_at over valid_hazards),
--   joined to the weeks so that twelve weeks cost one pass (a test checks every row).
-- params: $end, $as_of, $weeks, $towns, $departments, $industries
-- columns: week_start, week_end, inspections, hazards_found, major_hazards_found,
--   rectified_in_period, due_in_period, rectified_on_time, on_time_rate, overdue_open,
--   overdue_major
with weeks as (
    select
        w::date as week_start,
        (w + interval 6 day)::date as week_end,
        least((w + interval 6 day)::date, $as_of::date) as week_as_of
    from (
        select unnest(generate_series(
            $end::date - to_days(7 * $weeks - 1),
            $end::date - to_days(6),
            interval 7 day
        )) as w
    )
),

scoped as (
    select enterprise_id
    from scoped_enterprises($towns, $departments, $industries)
),

scoped_inspections as (
    select i.date
    from inspections as i
    semi join scoped as e on i.enterprise_id = e.enterprise_id
),

scoped_hazards as (
    select
        h.hazard_id,
        h.level,
        h.found_date,
        h.deadline,
        h.rectified_date,
        h.rectified_from,
        h.overdue_from
    from valid_hazards() as h
    semi join scoped as e on h.enterprise_id = e.enterprise_id
),

inspection_figures as (
    select
        w.week_start,
        count(i.date) as inspections
    from weeks as w
    left join scoped_inspections as i on i.date between w.week_start and w.week_end
    group by w.week_start
),

found_figures as (
    select
        w.week_start,
        count(h.hazard_id) as hazards_found,
        count(h.hazard_id) filter (where h.level = 'major') as major_hazards_found
    from weeks as w
    left join scoped_hazards as h
        on found_in(h.found_date, w.week_start, w.week_end, w.week_as_of)
    group by w.week_start
),

flow_figures as (
    select
        w.week_start,
        count(h.hazard_id) as rectified_in_period
    from weeks as w
    left join scoped_hazards as h
        on rectified_in(h.rectified_date, w.week_start, w.week_end, w.week_as_of)
    group by w.week_start
),

due_figures as (
    select
        w.week_start,
        count(h.hazard_id) as due_in_period,
        count(h.hazard_id) filter (
            where on_time_at(h.deadline, h.rectified_date, h.rectified_from, w.week_as_of)
        ) as rectified_on_time,
        count(on_time_at(h.deadline, h.rectified_date, h.rectified_from, w.week_as_of)) as due_judged
    from weeks as w
    left join scoped_hazards as h
        on due_in(h.deadline, w.week_start, w.week_end, w.week_as_of)
    group by w.week_start
),

overdue_figures as (
    select
        w.week_start,
        count(h.hazard_id) as overdue_open,
        count(h.hazard_id) filter (where h.level = 'major') as overdue_major
    from weeks as w
    left join scoped_hazards as h
        on overdue_at(h.overdue_from, h.rectified_from, w.week_as_of)
    group by w.week_start
),

final as (
    select
        w.week_start,
        w.week_end,
        inf.inspections,
        ff.hazards_found,
        ff.major_hazards_found,
        rf.rectified_in_period,
        df.due_in_period,
        df.rectified_on_time,
        df.rectified_on_time / nullif(df.due_judged, 0) as on_time_rate,
        odf.overdue_open,
        odf.overdue_major
    from weeks as w
    join inspection_figures as inf using (week_start)
    join found_figures as ff using (week_start)
    join flow_figures as rf using (week_start)
    join due_figures as df using (week_start)
    join overdue_figures as odf using (week_start)
    order by w.week_start
)

select *
from final
