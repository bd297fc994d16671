-- purpose: hazards found in [$start, $end] (and by $as_of) per hazard category and
--   industry, for the category × industry heatmap.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $risk_levels,
--   $hazard_levels, $categories
-- columns: industry, category, hazards
with scoped as (
    select *
    from scoped_enterprises($towns, $departments, $industries)
    where len($risk_levels) = 0 or list_contains($risk_levels, risk_level)
),

found as (
    select h.*
    from hazards as h
    semi join scoped as e on h.enterprise_id = e.enterprise_id
    where h.found_date between $start and $end
      and h.found_date <= $as_of
      and (len($hazard_levels) = 0 or list_contains($hazard_levels, h.level))
      and (len($categories) = 0 or list_contains($categories, h.category))
),

final as (
    select
        coalesce(e.industry, '') as industry,
        f.category,
        count(*) as hazards
    from found as f
    join scoped as e on f.enterprise_id = e.enterprise_id
    group by all
)

select *
from final
order by industry, category
