-- purpose: the question builder's tip-offs dataset (数据探索): tip-offs about enterprises
--   in the filters' scope, plus tip-offs naming no enterprise whose town is in scope
--   (those only while no department or industry filter is set, as they have neither).
-- params: $towns, $departments, $industries
-- columns: tipoff_id, received_date, closed_date, town, enterprise_id, enterprise_name,
--   industry, tipoff_verified, reward_amount
with scoped as (
    select *
    from scoped_enterprises($towns, $departments, $industries)
),

all_tipoffs as (
    select *
    from tipoffs
),

final as (
    select
        t.tipoff_id,
        t.received_date,
        t.closed_date,
        coalesce(e.town, t.town) as town,
        t.enterprise_id,
        e.name as enterprise_name,
        e.industry,
        t.verified as tipoff_verified,
        t.reward_amount
    from all_tipoffs as t
    left join scoped as e on t.enterprise_id = e.enterprise_id
    where e.enterprise_id is not null
       or (
           t.enterprise_id is null
           and len($departments) = 0
           and len($industries) = 0
           and (len($towns) = 0 or list_contains($towns, t.town))
       )
)

select *
from final
