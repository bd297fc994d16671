-- purpose: one row per town and village grid (of the chosen towns) with the coverage
--   map's measures over the in-scope enterprises placed in it: coverage rate in the
--   period, overdue for inspection, blind spots, open hazards per enterprise. Rules
--   and placement as in coverage_enterprises.sql / headline_metrics.sql.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $risk_levels,
--   $interval_red, $interval_orange, $interval_yellow, $interval_blue
-- columns: grid_id, level, town, village, name, population, grid_staff, geometry,
--   enterprises, inspected, coverage_rate, overdue_for_inspection, blind_spots,
--   open_hazards, open_hazards_per_enterprise, last_inspection
with scoped as (
    select *
    from scoped_enterprises($towns, $departments, $industries)
    where status = 'operating'
      and (len($risk_levels) = 0 or list_contains($risk_levels, risk_level))
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

chosen_grids as (
    select *
    from grids
    where len($towns) = 0 or list_contains($towns, town)
),

placement as (
    select *
    from grid_placement()
),

open_hazards as (
    select
        enterprise_id,
        count(*) as open_hazards
    from hazard_status($as_of)
    where not is_rectified
    group by enterprise_id
),

flagged as (
    select
        e.enterprise_id,
        p.village_grid_id,
        p.town_grid_id,
        l.last_date,
        coalesce(l.inspected, false) as inspected,
        overdue_for_inspection(
            l.last_date,
            $as_of,
            inspection_interval(e.risk_level, $interval_red, $interval_orange, $interval_yellow, $interval_blue)
        ) as overdue_for_inspection,
        len(grid_gaps(e.town, e.village, e.department, e.squadron, e.grid_id)) > 0 as blind_spot,
        coalesce(h.open_hazards, 0) as open_hazards
    from scoped as e
    left join inspection_dates as l on e.enterprise_id = l.enterprise_id
    left join open_hazards as h on e.enterprise_id = h.enterprise_id
    left join placement as p on e.enterprise_id = p.enterprise_id
),

membership as (
    select
        village_grid_id as grid_id,
        *
    from flagged
    where village_grid_id is not null
    union all by name
    select
        town_grid_id as grid_id,
        *
    from flagged
    where town_grid_id is not null
),

grid_figures as (
    select
        grid_id,
        count(*) as enterprises,
        count(*) filter (where inspected) as inspected,
        count(*) filter (where overdue_for_inspection) as overdue_for_inspection,
        count(*) filter (where blind_spot) as blind_spots,
        sum(open_hazards) as open_hazards,
        max(last_date) as last_inspection
    from membership
    group by grid_id
),

final as (
    select
        g.grid_id,
        g.level,
        g.town,
        g.village,
        g.name,
        g.population,
        g.grid_staff,
        g.geometry,
        coalesce(f.enterprises, 0) as enterprises,
        coalesce(f.inspected, 0) as inspected,
        f.inspected / nullif(f.enterprises, 0) as coverage_rate,
        coalesce(f.overdue_for_inspection, 0) as overdue_for_inspection,
        coalesce(f.blind_spots, 0) as blind_spots,
        coalesce(f.open_hazards, 0)::bigint as open_hazards,
        f.open_hazards / nullif(f.enterprises, 0) as open_hazards_per_enterprise,
        f.last_inspection
    from chosen_grids as g
    left join grid_figures as f on g.grid_id = f.grid_id
)

select *
from final
order by town, level desc, grid_id
