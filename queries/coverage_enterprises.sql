-- purpose: every enterprise matching the filters with its grid placement and gap flags,
--   for the coverage map points, the gap lists and the registers. The in-scope,
--   overdue-for-inspection and blind-spot rules are those of headline_metrics.sql;
--   flags are false for enterprises not in scope (not operating).
--   village_grid_id / town_grid_id place an enterprise on the map (macro
--   grid_placement): its own grid_id when that is a known village grid, else the
--   village grid named by its town and village; the town grid named by that grid's
--   (or its own) town. grid_name is that village grid's name, else the town grid's;
--   grid_inspectors its village inspectors (巡查员, grid_staff; null when not recorded);
--   last_inspector the lead of the last inspection by $as_of (the staff name, else the
--   staff id the inspection records).
-- params: $start, $end, $as_of, $towns, $departments, $industries, $risk_levels,
--   $interval_red, $interval_orange, $interval_yellow, $interval_blue
-- columns: enterprise_id, name, credit_code, industry, town, village, department,
--   squadron, grid_id, village_grid_id, town_grid_id, grid_name, grid_inspectors,
--   risk_level, status, lat, lon, in_scope, last_inspection, last_inspector,
--   days_since_inspection, interval_days,
--   inspected_in_period, overdue_for_inspection, blind_spot, missing,
--   open_hazards, overdue_hazards
with scoped as (
    select *
    from scoped_enterprises($towns, $departments, $industries)
    where len($risk_levels) = 0 or list_contains($risk_levels, risk_level)
),

inspection_dates as (
    select
        i.enterprise_id,
        max(i.date) filter (where i.date <= $as_of) as last_date,
        bool_or(i.date between $start and $end) as inspected
    from inspections as i
    semi join scoped as e on i.enterprise_id = e.enterprise_id
    group by i.enterprise_id
),

last_leads as (
    select
        i.enterprise_id,
        coalesce(s.name, i.lead_staff_id) as last_inspector
    from inspections as i
    semi join scoped as e on i.enterprise_id = e.enterprise_id
    left join staff as s on i.lead_staff_id = s.staff_id
    where i.date <= $as_of
    qualify row_number() over (
        partition by i.enterprise_id
        order by i.date desc, i.inspection_id desc
    ) = 1
),

hazard_counts as (
    select
        enterprise_id,
        count(*) filter (where not is_rectified) as open_hazards,
        count(*) filter (where is_overdue) as overdue_hazards
    from hazard_status($as_of)
    group by enterprise_id
),

placement as (
    select *
    from grid_placement()
),

grid_names as (
    select
        grid_id,
        name,
        grid_staff
    from grids
),

flagged as (
    select
        e.*,
        e.status = 'operating' as in_scope,
        l.last_date as last_inspection,
        date_diff('day', l.last_date, $as_of::date) as days_since_inspection,
        inspection_interval(e.risk_level, $interval_red, $interval_orange, $interval_yellow, $interval_blue) as interval_days,
        coalesce(l.inspected, false) as inspected,
        overdue_for_inspection(
            l.last_date,
            $as_of,
            inspection_interval(e.risk_level, $interval_red, $interval_orange, $interval_yellow, $interval_blue)
        ) as due,
        grid_gaps(e.town, e.village, e.department, e.squadron, e.grid_id) as missing
    from scoped as e
    left join inspection_dates as l on e.enterprise_id = l.enterprise_id
),

placed as (
    select
        f.*,
        p.village_grid_id,
        p.town_grid_id
    from flagged as f
    left join placement as p on f.enterprise_id = p.enterprise_id
),

final as (
    select
        p.enterprise_id,
        p.name,
        p.credit_code,
        p.industry,
        p.town,
        p.village,
        p.department,
        p.squadron,
        p.grid_id,
        p.village_grid_id,
        p.town_grid_id,
        coalesce(vg.name, tg.name) as grid_name,
        vg.grid_staff as grid_inspectors,
        p.risk_level,
        p.status,
        p.lat,
        p.lon,
        p.in_scope,
        p.last_inspection,
        ll.last_inspector,
        p.days_since_inspection,
        p.interval_days,
        p.in_scope and p.inspected as inspected_in_period,
        p.in_scope and p.due as overdue_for_inspection,
        p.in_scope and len(p.missing) > 0 as blind_spot,
        case when p.in_scope then p.missing else [] end as missing,
        coalesce(h.open_hazards, 0) as open_hazards,
        coalesce(h.overdue_hazards, 0) as overdue_hazards
    from placed as p
    left join hazard_counts as h on p.enterprise_id = h.enterprise_id
    left join last_leads as ll on p.enterprise_id = ll.enterprise_id
    left join grid_names as vg on p.village_grid_id = vg.grid_id
    left join grid_names as tg on p.town_grid_id = tg.grid_id
)

select *
from final
order by town nulls first, village nulls first, enterprise_id
