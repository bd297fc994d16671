-- purpose: hazards found in [$start, $end] (and by $as_of) per hazard category and
--   industry, for the category × industry heatmap.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $risk_levels,
--   $hazard_levels, $categories
-- columns: industry, category, hazards
with found as (
    select *
    from found_hazards(
        $start, $end, $as_of, $towns, $departments, $industries,
        $risk_levels, $hazard_levels, $categories
    )
),

final as (
    select
        coalesce(industry, '') as industry,
        category,
        count(*) as hazards
    from found
    group by all
)

select *
from final
order by industry, category
