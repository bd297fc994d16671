-- purpose: hazards found in [$start, $end] (and by $as_of) per calendar month and level,
--   so a special campaign's spike stands out on the trend chart.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $risk_levels,
--   $hazard_levels, $categories
-- columns: month, level, hazards
with found as (
    select *
    from found_hazards(
        $start, $end, $as_of, $towns, $departments, $industries,
        $risk_levels, $hazard_levels, $categories
    )
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
