-- purpose: hazards whose deadline is before their found date — a data error that every
--   rectification figure (and headline_metrics) leaves out; listed so it can be fixed.
-- params: $towns, $departments, $industries
-- columns: hazard_id, enterprise_id, enterprise_name, town, found_date, deadline
with scoped as (
    select *
    from scoped_enterprises($towns, $departments, $industries)
),

bad as (
    select h.*
    from hazards as h
    where h.deadline < h.found_date
),

final as (
    select
        b.hazard_id,
        b.enterprise_id,
        e.name as enterprise_name,
        e.town,
        b.found_date,
        b.deadline
    from bad as b
    join scoped as e on b.enterprise_id = e.enterprise_id
)

select *
from final
order by found_date, hazard_id
