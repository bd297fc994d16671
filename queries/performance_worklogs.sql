-- purpose: the work-log days behind one staff member's worklog_completeness: every
--   working day (Monday to Friday) of the quarter up to $as_of with what $staff_id logged.
-- params: $staff_id, $start, $as_of
-- columns: date, morning_plan, evening_review, complete
with working_days as (
    select cast(day as date) as date
    from generate_series($start::date, $as_of::date, interval 1 day) as g(day)
    where isodow(day) <= 5
),

person_logs as (
    select
        date,
        morning_plan,
        evening_review
    from worklogs
    where staff_id = $staff_id
),

final as (
    select
        d.date,
        coalesce(l.morning_plan, false) as morning_plan,
        coalesce(l.evening_review, false) as evening_review,
        coalesce(l.morning_plan and l.evening_review, false) as complete
    from working_days as d
    left join person_logs as l on d.date = l.date
)

select *
from final
order by date
