-- purpose: hazards found in [$start, $end] (and by $as_of) per calendar month and level,
--   so a special campaign's spike stands out on the trend chart.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $risk_levels,
--   $hazard_levels, $categories
-- columns: month, level, hazards
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
        date_trunc('month', found_date)::date as month,
        level,
        count(*) as hazards
    from found
    group by all
)

select *
from final
order by month, level
