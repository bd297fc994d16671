-- purpose: staffing adequacy per town (DESIGN.md "staffing"), each rule on its own:
--   inspectors per 10,000 residents against $inspectors_per_10k, and village
--   inspectors (巡查员) per village against $village_inspectors_per_village.
--   Inspectors = the town's village inspectors plus its share of active squadron
--   staff: a squadron's active staff are shared among the towns it serves in
--   proportion to the operating enterprises it holds there (county sections (科室)
--   serve no one town and are not counted). Population is the town grid's, else the
--   sum of its village grids' when every village records one. Village inspectors are
--   the village grids' grid_staff (those recorded), else the town grid's. Not recorded
--   is not zero: without a population or any village inspector count the ratio, the
--   requirement and the first rule's verdict are null; a village without a grid_staff
--   is counted in villages_not_recorded, never as below the rule, and the second rule's
--   verdict is null when no village below it is found but some are not recorded.
--   Shares of staff are rounded to 0.1 and ratios to 0.01 (the verdicts use the exact
--   values); the shortfall is in whole people.
-- params: $towns, $inspectors_per_10k, $village_inspectors_per_village
-- columns: town, population, squadron_staff, village_inspectors, inspectors,
--   inspectors_per_10k, required_inspectors, inspector_shortfall, meets_inspector_rule,
--   villages, village_inspectors_per_village, villages_below_rule, villages_not_recorded,
--   meets_village_rule
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
        case when count(population) = count(*) then sum(population) end as population,
        sum(grid_staff) as grid_staff,
        count(grid_staff) as villages_recorded,
        count(*) filter (where grid_staff < $village_inspectors_per_village) as villages_below_rule,
        count(*) filter (where grid_staff is null) as villages_not_recorded
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
        coalesce(vg.grid_staff, tg.grid_staff)::bigint as village_inspectors,
        coalesce(vg.villages, 0) as villages,
        coalesce(vg.villages_below_rule, 0) as villages_below_rule,
        coalesce(vg.villages_not_recorded, 0) as villages_not_recorded,
        vg.villages_recorded
    from towns as t
    left join town_grids as tg on t.town = tg.town
    left join village_grids as vg on t.town = vg.town
    left join squadron_share as ss on t.town = ss.town
),

ratios as (
    select
        *,
        squadron_staff + village_inspectors as exact_inspectors,
        (squadron_staff + village_inspectors) * 10000 / nullif(population, 0) as exact_per_10k,
        ceil(population * $inspectors_per_10k / 10000)::integer as required
    from combined
),

final as (
    select
        town,
        population,
        round(squadron_staff, 1) as squadron_staff,
        village_inspectors,
        round(exact_inspectors, 1) as inspectors,
        round(exact_per_10k, 2) as inspectors_per_10k,
        required as required_inspectors,
        -- greatest() skips nulls: without a requirement there is no shortfall to state.
        case
            when required is not null and exact_inspectors is not null
            then ceil(greatest(required - exact_inspectors, 0))::integer
        end as inspector_shortfall,
        exact_per_10k >= $inspectors_per_10k as meets_inspector_rule,
        villages,
        round(village_inspectors / nullif(villages_recorded, 0), 2) as village_inspectors_per_village,
        villages_below_rule,
        villages_not_recorded,
        case
            when villages_below_rule > 0 then false
            when villages_not_recorded > 0 or villages = 0 then null
            else true
        end as meets_village_rule
    from ratios
)

select *
from final
order by town
