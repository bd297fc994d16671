-- purpose: who missed the morning plan (早五问) or the evening review (晚五问) on which
--   working day: for every active staff member, each working day (Monday to Friday) of
--   [$start, $as_of] on which either is not logged, as worklog_completeness counts
--   them (the schema macro staff_worklog_days). With a town scope ($towns not empty) only the staff of the squadrons serving
--   enterprises of those towns are listed (county sections serve no one town).
-- params: $start, $as_of, $towns
-- columns: unit, staff_id, name, role, date, missed_morning, missed_evening
with serving_units as (
    select distinct squadron as unit
    from scoped_enterprises($towns, []::varchar[], []::varchar[])
    where squadron is not null
),

final as (
    select
        unit,
        staff_id,
        name,
        role,
        date,
        not morning_plan as missed_morning,
        not evening_review as missed_evening
    from staff_worklog_days($start, $as_of)
    where not complete
      and (len($towns) = 0 or unit in (select unit from serving_units))
)

select *
from final
order by unit, staff_id, date
