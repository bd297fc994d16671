-- purpose: the hindsight test's visits: every enterprise with an inspection of
--   $example_types dated in [$start, $end], its squadron, its first such visit and
--   whether those inspections found a major (any) hazard recorded by $end (macro
--   risk_examples, the model's own labels).
-- params: $start, $end, $example_types
-- columns: enterprise_id, squadron, first_visit, visits, found_major, found_any
with visits as (
    select *
    from risk_examples($example_types)
    where date between $start and $end
),

final as (
    select
        v.enterprise_id,
        e.squadron,
        min(v.date) as first_visit,
        count(*) as visits,
        bool_or(coalesce(v.major_found_date <= $end, false)) as found_major,
        bool_or(coalesce(v.any_found_date <= $end, false)) as found_any
    from visits as v
    join enterprises as e on v.enterprise_id = e.enterprise_id
    group by v.enterprise_id, e.squadron
)

select *
from final
order by enterprise_id
