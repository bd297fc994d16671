-- purpose: hazards found in [$start, $end] (and by $as_of) per town and level, for the
--   stacked bar chart of the hazards page.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $risk_levels,
--   $hazard_levels, $categories
-- columns: town, level, hazards
with found as (
    select *
    from found_hazards(
        $start, $end, $as_of, $towns, $departments, $industries,
        $risk_levels, $hazard_levels, $categories
    )
),

final as (
    select
        coalesce(town, '') as town,
        level,
        count(*) as hazards
    from found
    group by all
)

select *
from final
order by town, level
