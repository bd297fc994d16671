-- purpose: who missed the morning plan (早五问) or the evening review (晚五问) on which
--   working day: for every active staff member, each working day (Monday to Friday) of
--   [$start, $as_of] on which either is not logged, as worklog_completeness counts
--   them. With a town scope ($towns not empty) only the staff of the squadrons serving
--   enterprises of those towns are listed (county sections serve no one town).
-- params: $start, $as_of, $towns
-- columns: unit, staff_id, name, role, date, missed_morning, missed_evening
with working_days as (
    select cast(day as date) as date
    from generate_series($start::date, $as_of::date, interval 1 day) as g(day)
    where isodow(day) <= 5
),

serving_units as (
    select distinct squadron as unit
    from scoped_enterprises($towns, []::varchar[], []::varchar[])
    where squadron is not null
),

people as (
    select
        staff_id,
        name,
        unit,
        role
    from staff
    where active
      and (len($towns) = 0 or unit in (select unit from serving_units))
),

logged as (
    select
        staff_id,
        date,
        morning_plan,
        evening_review
    from worklogs
    where date between $start and $as_of
),

final as (
    select
        p.unit,
        p.staff_id,
        p.name,
        p.role,
        d.date,
        not coalesce(l.morning_plan, false) as missed_morning,
        not coalesce(l.evening_review, false) as missed_evening
    from people as p
    cross join working_days as d
    left join logged as l on p.staff_id = l.staff_id and d.date = l.date
    where not coalesce(l.morning_plan and l.evening_review, false)
)

select *
from final
order by unit, staff_id, date
