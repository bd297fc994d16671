-- purpose: where to act: the $top_n towns with the most overdue open hazards as of $as_of
--   (major ones among them), over enterprises matching the filters.
-- params: $as_of, $top_n, $towns, $departments, $industries
-- columns: town, overdue_open, overdue_major, max_days_overdue
with scoped as (
    select
        enterprise_id,
        town
    from scoped_enterprises($towns, $departments, $industries)
),

overdue as (
    select
        s.level,
        s.days_overdue,
        e.town
    from hazard_status($as_of) as s
    join scoped as e on s.enterprise_id = e.enterprise_id
    where s.is_overdue
),

final as (
    select
        town,
        count(*) as overdue_open,
        count(*) filter (where level = 'major') as overdue_major,
        max(days_overdue) as max_days_overdue
    from overdue
    group by town
    order by
        overdue_open desc,
        overdue_major desc,
        town
    limit $top_n
)

select *
from final
