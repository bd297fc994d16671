-- purpose: hazards holding a date that contradicts their finding (a deadline, rectification or
--   verification before the found date), with the dates as recorded, so they can be fixed. The
--   hazard counts everywhere; only that date counts as not recorded (macro valid_hazards).
-- params: $towns, $departments, $industries
-- columns: hazard_id, enterprise_id, enterprise_name, town, found_date, deadline,
--   rectified_date, verified_date
with scoped as (
    select *
    from scoped_enterprises($towns, $departments, $industries)
),

bad as (
    select v.hazard_id
    from valid_hazards() as v
    where v.date_error
),

final as (
    select
        h.hazard_id,
        h.enterprise_id,
        e.name as enterprise_name,
        e.town,
        h.found_date,
        h.deadline,
        h.rectified_date,
        h.verified_date
    from hazards as h
    semi join bad as b on h.hazard_id = b.hazard_id
    join scoped as e on h.enterprise_id = e.enterprise_id
)

select *
from final
order by found_date, hazard_id
