-- purpose: the enterprises the global filters and the user's town scope let the plan
--   page show (macro scoped_enterprises).
-- params: $towns, $departments, $industries
-- columns: enterprise_id
with final as (
    select enterprise_id
    from scoped_enterprises($towns, $departments, $industries)
)

select *
from final
order by enterprise_id
