-- purpose: enterprises under listed supervision (挂牌督办) by $as_of: days listed,
--   listed-supervision inspections, open and overdue major hazards, and whether every
--   major hazard is rectified.
-- params: $as_of, $towns, $departments, $industries, $squadrons
-- columns: enterprise_id, enterprise_name, town, squadron, risk_level, status,
--   listed_since, days_listed, listed_inspections, last_listed_inspection, open_major,
--   overdue_major, rectified
with scoped as (
    select *
    from squadron_scoped_enterprises($towns, $departments, $industries, $squadrons)
),

listed as (
    select *
    from scoped
    where listed_since <= $as_of
),

visits as (
    select
        enterprise_id,
        count(*) as listed_inspections,
        max(date) as last_listed_inspection
    from inspections
    where type = 'listed'
      and date <= $as_of
    group by enterprise_id
),

majors as (
    select
        enterprise_id,
        count(*) as open_major,
        count(*) filter (where is_overdue) as overdue_major
    from hazard_status($as_of)
    where level = 'major'
      and not is_rectified
    group by enterprise_id
),

final as (
    select
        l.enterprise_id,
        l.name as enterprise_name,
        l.town,
        l.squadron,
        l.risk_level,
        l.status,
        l.listed_since,
        date_diff('day', l.listed_since, $as_of::date) as days_listed,
        coalesce(v.listed_inspections, 0) as listed_inspections,
        v.last_listed_inspection,
        coalesce(m.open_major, 0) as open_major,
        coalesce(m.overdue_major, 0) as overdue_major,
        coalesce(m.open_major, 0) = 0 as rectified
    from listed as l
    left join visits as v on l.enterprise_id = v.enterprise_id
    left join majors as m on l.enterprise_id = m.enterprise_id
)

select *
from final
order by rectified, overdue_major desc, open_major desc, listed_since, enterprise_id
