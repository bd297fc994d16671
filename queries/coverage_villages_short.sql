-- purpose: the villages short of village inspectors (巡查员): village grids of the
--   chosen towns whose recorded grid_staff is below $village_inspectors_per_village,
--   named with their town (the second staffing rule of coverage_staffing; a village
--   that records no grid_staff is not recorded, not short, and is not listed).
-- params: $towns, $village_inspectors_per_village
-- columns: town, village, grid_id, name, population, village_inspectors,
--   required_village_inspectors, village_inspector_shortfall
with village_grids as (
    select *
    from grids
    where level = 'village'
      and (len($towns) = 0 or list_contains($towns, town))
),

final as (
    select
        town,
        village,
        grid_id,
        name,
        population,
        grid_staff as village_inspectors,
        $village_inspectors_per_village as required_village_inspectors,
        $village_inspectors_per_village - grid_staff as village_inspector_shortfall
    from village_grids
    where grid_staff < $village_inspectors_per_village
)

select *
from final
order by town, village, grid_id
