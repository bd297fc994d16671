-- purpose: inspections dated in the period by type (检查类型) and by special campaign
--   (专项整治), over enterprises matching the filters.
-- params: $start, $end, $towns, $departments, $industries, $squadrons
-- columns: dimension, value, inspections
with scoped as (
    select *
    from squadron_scoped_enterprises($towns, $departments, $industries, $squadrons)
),

period_inspections as (
    select i.*
    from inspections as i
    semi join scoped as e on i.enterprise_id = e.enterprise_id
    where i.date between $start and $end
),

by_type as (
    select
        'type' as dimension,
        type as value,
        count(*) as inspections
    from period_inspections
    group by type
),

by_campaign as (
    select
        'campaign' as dimension,
        campaign as value,
        count(*) as inspections
    from period_inspections
    where campaign is not null
    group by campaign
),

final as (
    select * from by_type
    union all
    select * from by_campaign
)

select *
from final
order by dimension desc, inspections desc, value
