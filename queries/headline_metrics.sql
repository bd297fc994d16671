-- purpose: the headline figures of DESIGN.md for the period [$start, $end] as of $as_of,
--   over enterprises matching the filters: the one definition behind every page's cards,
--   the weekly brief and `python -m gridwatch metrics`. Hazard rules come from the schema
--   macros hazard_period / hazard_status (bad dates emptied, "rectified, date unknown"
--   counted as rectified and left out of the on-time rate and days to rectify).
-- params: $start, $end, $as_of, $towns, $departments, $industries,
--   $interval_red, $interval_orange, $interval_yellow, $interval_blue
-- columns: enterprises_in_scope, inspected_enterprises, coverage_rate,
--   overdue_for_inspection, blind_spots, inspections, hazards_found,
--   major_hazards_found, rectified, rectification_rate, rectified_in_period,
--   due_in_period, rectified_on_time, on_time_rate, overdue_open, verification_rate,
--   median_days_to_rectify, rectified_date_unknown
with scoped as (
    select *
    from scoped_enterprises($towns, $departments, $industries)
),

in_scope as (
    select *
    from scoped
    where status = 'operating'
),

scoped_inspections as (
    select i.*
    from inspections as i
    semi join scoped as e on i.enterprise_id = e.enterprise_id
),

scoped_hazards as (
    select h.*
    from hazard_period($start, $end, $as_of) as h
    semi join scoped as e on h.enterprise_id = e.enterprise_id
),

last_inspection as (
    select
        enterprise_id,
        max(date) as last_date
    from scoped_inspections
    where date <= $as_of
    group by enterprise_id
),

enterprise_flags as (
    select
        e.enterprise_id,
        exists (
            select 1
            from scoped_inspections as i
            where i.enterprise_id = e.enterprise_id
              and i.date between $start and $end
        ) as inspected,
        overdue_for_inspection(
            l.last_date,
            $as_of,
            inspection_interval(e.risk_level, $interval_red, $interval_orange, $interval_yellow, $interval_blue)
        ) as overdue_for_inspection,
        len(grid_gaps(e.town, e.village, e.department, e.squadron, e.grid_id)) > 0 as blind_spot
    from in_scope as e
    left join last_inspection as l on e.enterprise_id = l.enterprise_id
),

enterprise_figures as (
    select
        count(*) as enterprises_in_scope,
        count(*) filter (where inspected) as inspected_enterprises,
        count(*) filter (where overdue_for_inspection) as overdue_for_inspection,
        count(*) filter (where blind_spot) as blind_spots
    from enterprise_flags
),

inspection_figures as (
    select count(*) as inspections
    from scoped_inspections
    where date between $start and $end
),

hazard_figures as (
    select
        count(*) filter (where in_found) as hazards_found,
        count(*) filter (where in_found and level = 'major') as major_hazards_found,
        count(*) filter (where in_found and is_rectified) as rectified,
        count(*) filter (where in_found and is_verified) as verified,
        count(*) filter (where rectified_in_period) as rectified_in_period,
        count(*) filter (where is_due) as due_in_period,
        count(*) filter (where is_due and on_time) as rectified_on_time,
        count(*) filter (where is_due and on_time is not null) as due_judged,
        count(*) filter (where is_overdue) as overdue_open,
        median(days_to_rectify) filter (where in_found) as median_days_to_rectify,
        count(*) filter (where left_out) as rectified_date_unknown
    from scoped_hazards
),

final as (
    select
        ef.enterprises_in_scope,
        ef.inspected_enterprises,
        ef.inspected_enterprises / nullif(ef.enterprises_in_scope, 0) as coverage_rate,
        ef.overdue_for_inspection,
        ef.blind_spots,
        inf.inspections,
        hf.hazards_found,
        hf.major_hazards_found,
        hf.rectified,
        hf.rectified / nullif(hf.hazards_found, 0) as rectification_rate,
        hf.rectified_in_period,
        hf.due_in_period,
        hf.rectified_on_time,
        hf.rectified_on_time / nullif(hf.due_judged, 0) as on_time_rate,
        hf.overdue_open,
        hf.verified / nullif(hf.rectified, 0) as verification_rate,
        hf.median_days_to_rectify::double as median_days_to_rectify,
        hf.rectified_date_unknown
    from enterprise_figures as ef
    cross join inspection_figures as inf
    cross join hazard_figures as hf
)

select *
from final
