-- purpose: the town grids of the given towns, with their outlines, drawn under the plan's
--   map points.
-- params: $towns
-- columns: grid_id, town, name, geometry
with final as (
    select
        grid_id,
        town,
        name,
        geometry
    from grids
    where level = 'town'
      and list_contains($towns, town)
)

select *
from final
order by town, grid_id
