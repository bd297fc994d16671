-- purpose: cases filed in the period and decided by $as_of, by measure: count and
--   penalties (the breakdown of rectification_cases).
-- params: $start, $end, $as_of, $towns, $departments, $industries, $squadrons
-- columns: measure, cases, penalty_total
with decided as (
    select *
    from filed_cases($start, $end, $as_of, $towns, $departments, $industries, $squadrons)
    where is_decided
),

final as (
    select
        measure,
        count(*) as cases,
        coalesce(sum(penalty_amount), 0)::double as penalty_total
    from decided
    group by measure
)

select *
from final
order by list_position(
    ['warning', 'fine', 'confiscation', 'suspension', 'revocation', 'closure'], measure
) nulls last
