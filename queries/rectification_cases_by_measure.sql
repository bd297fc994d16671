-- purpose: cases filed in the period and decided by $as_of, by measure: count and
--   penalties (the breakdown of rectification_cases).
-- params: $start, $end, $as_of, $towns, $departments, $industries, $squadrons
-- columns: measure, cases, penalty_total
with scoped as (
    select *
    from squadron_scoped_enterprises($towns, $departments, $industries, $squadrons)
),

decided as (
    select c.*
    from cases as c
    semi join scoped as e on c.enterprise_id = e.enterprise_id
    where c.filed_date between $start and $end
      and c.decided_date <= $as_of
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
