-- purpose: staffing adequacy per town (DESIGN.md "staffing"): inspectors per 10,000
--   residents against $inspectors_per_10k, and village inspectors (巡查员) per village
--   against $village_inspectors_per_village. Inspectors = the town's village
--   inspectors plus its share of active squadron staff: a squadron's active staff are
--   shared among the towns it serves in proportion to the operating enterprises it
--   holds there (county sections (科室) serve no one town and are not counted).
--   Population is the town grid's, else the sum of its village grids'. Village
--   inspectors are the village grids' grid_staff, else the town grid's.
-- params: $towns, $inspectors_per_10k, $village_inspectors_per_village
-- columns: town, population, squadron_staff, village_inspectors, inspectors,
--   inspectors_per_10k, required_inspectors, inspector_shortfall, meets_inspector_rule,
--   villages, village_inspectors_per_village, villages_below_rule, meets_village_rule
with chosen_grids as (
    select *
    from grids
    where len($towns) = 0 or list_contains($towns, town)
),

town_grids as (
    select
        town,
        sum(population) as population,
        sum(grid_staff) as grid_staff
    from chosen_grids
    where level = 'town'
    group by town
),

village_grids as (
    select
        town,
        count(*) as villages,
        sum(population) as population,
        sum(coalesce(grid_staff, 0)) as grid_staff,
        count(*) filter (where coalesce(grid_staff, 0) < $village_inspectors_per_village)
            as villages_below_rule
    from chosen_grids
    where level = 'village'
    group by town
),

towns as (
    select town from town_grids
    union
    select town from village_grids
),

active_staff as (
    select
        unit as squadron,
        count(*) as staff
    from staff
    where active
    group by unit
),

squadron_towns as (
    select
        squadron,
        town,
        count(*) as enterprises,
        count(*) / sum(count(*)) over (partition by squadron) as share
    from enterprises
    where status = 'operating'
      and squadron is not null
      and town is not null
    group by squadron, town
),

squadron_share as (
    select
        st.town,
        sum(st.share * a.staff) as squadron_staff
    from squadron_towns as st
    inner join active_staff as a on st.squadron = a.squadron
    group by st.town
),

combined as (
    select
        t.town,
        coalesce(tg.population, vg.population)::bigint as population,
        coalesce(ss.squadron_staff, 0) as squadron_staff,
        coalesce(vg.grid_staff, tg.grid_staff, 0)::bigint as village_inspectors,
        coalesce(vg.villages, 0) as villages,
        coalesce(vg.villages_below_rule, 0) as villages_below_rule
    from towns as t
    left join town_grids as tg on t.town = tg.town
    left join village_grids as vg on t.town = vg.town
    left join squadron_share as ss on t.town = ss.town
),

final as (
    select
        town,
        population,
        round(squadron_staff, 1) as squadron_staff,
        village_inspectors,
        round(squadron_staff + village_inspectors, 1) as inspectors,
        (squadron_staff + village_inspectors) * 10000 / nullif(population, 0) as inspectors_per_10k,
        ceil(population * $inspectors_per_10k / 10000)::integer as required_inspectors,
        greatest(
            ceil(population * $inspectors_per_10k / 10000) - (squadron_staff + village_inspectors),
            0
        )::double as inspector_shortfall,
        (squadron_staff + village_inspectors) * 10000 / nullif(population, 0)
            >= $inspectors_per_10k as meets_inspector_rule,
        villages,
        village_inspectors / nullif(villages, 0) as village_inspectors_per_village,
        villages_below_rule,
        villages_below_rule = 0 as meets_village_rule
    from combined
)

select *
from final
order by town
