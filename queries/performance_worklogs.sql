-- purpose: the work-log days behind one staff member's worklog_completeness: every
--   working day (Monday to Friday) of the quarter up to $as_of with what $staff_id logged
--   (the schema macro staff_worklog_days, as the score counts them; active staff only,
--   as only they are scored).
-- params: $staff_id, $start, $as_of
-- columns: date, morning_plan, evening_review, complete
with final as (
    select
        date,
        morning_plan,
        evening_review,
        complete
    from staff_worklog_days($start, $as_of)
    where staff_id = $staff_id
)

select *
from final
order by date
