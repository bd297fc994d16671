-- purpose: the hazard categories recorded at the enterprises in scope ($towns,
--   $departments, $industries; empty lists: all), for the category filter.
-- params: $towns, $departments, $industries
-- columns: category
with scoped as (
    select enterprise_id
    from scoped_enterprises($towns, $departments, $industries)
),

scoped_hazards as (
    select category
    from hazards
    semi join scoped on hazards.enterprise_id = scoped.enterprise_id
),

final as (
    select distinct category
    from scoped_hazards
    where category is not null
)

select *
from final
order by category
