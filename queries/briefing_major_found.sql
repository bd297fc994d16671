-- purpose: where to act: the major hazards found in [$start, $end], each with its
--   enterprise, category, deadline and status as of $as_of.
-- params: $start, $end, $as_of, $towns, $departments, $industries
-- columns: hazard_id, found_date, enterprise_id, name, town, category,
--   description, deadline, status
with scoped as (
    select
        enterprise_id,
        name,
        town
    from scoped_enterprises($towns, $departments, $industries)
),

found as (
    select *
    from hazard_status($as_of)
    where level = 'major'
      and found_in(found_date, $start, $end, $as_of)
),

final as (
    select
        f.hazard_id,
        f.found_date,
        f.enterprise_id,
        e.name,
        e.town,
        f.category,
        f.description,
        f.deadline,
        f.status
    from found as f
    join scoped as e on f.enterprise_id = e.enterprise_id
    order by
        f.found_date,
        e.town,
        f.hazard_id
)

select *
from final
