-- purpose: the squadrons offered by the rectification page's squadron filter: those of
--   enterprises matching the global filters.
-- params: $towns, $departments, $industries
-- columns: squadron
with scoped as (
    select *
    from scoped_enterprises($towns, $departments, $industries)
),

final as (
    select distinct squadron
    from scoped
    where squadron is not null
)

select *
from final
order by squadron
