-- purpose: each squadron's inspections per week over the $capacity_weeks weeks up to
--   $as_of: inspections of $example_types at its operating enterprises dated in
--   ($as_of - 7 × $capacity_weeks days, $as_of], divided by $capacity_weeks. Squadron null:
--   the enterprises assigned to none.
-- params: $as_of, $capacity_weeks, $example_types
-- columns: squadron, enterprises, inspections, per_week
with operating as (
    select
        enterprise_id,
        squadron
    from enterprises
    where status = 'operating'
),

recent as (
    select
        i.enterprise_id,
        i.inspection_id
    from inspections as i
    where list_contains($example_types, i.type)
      and i.date <= $as_of
      and i.date > cast($as_of as date) - 7 * $capacity_weeks
),

final as (
    select
        e.squadron,
        count(distinct e.enterprise_id) as enterprises,
        count(r.inspection_id) as inspections,
        count(r.inspection_id) / $capacity_weeks as per_week
    from operating as e
    left join recent as r on e.enterprise_id = r.enterprise_id
    group by e.squadron
)

select *
from final
order by squadron nulls last
