-- purpose: where to act: the $top_n enterprises with the most open (not yet rectified)
--   major hazards as of $as_of, overdue ones first among equals.
-- params: $as_of, $top_n, $towns, $departments, $industries
-- columns: enterprise_id, name, town, risk_level, open_major, overdue_major,
--   earliest_deadline
with scoped as (
    select
        enterprise_id,
        name,
        town,
        risk_level
    from scoped_enterprises($towns, $departments, $industries)
),

open_major as (
    select
        s.enterprise_id,
        s.is_overdue,
        s.deadline
    from hazard_status($as_of) as s
    where s.level = 'major'
      and not s.is_rectified
),

final as (
    select
        e.enterprise_id,
        e.name,
        e.town,
        e.risk_level,
        count(*) as open_major,
        count(*) filter (where o.is_overdue) as overdue_major,
        min(o.deadline) as earliest_deadline
    from open_major as o
    join scoped as e on o.enterprise_id = e.enterprise_id
    group by e.enterprise_id, e.name, e.town, e.risk_level
    order by
        open_major desc,
        overdue_major desc,
        e.name,
        e.enterprise_id
    limit $top_n
)

select *
from final
