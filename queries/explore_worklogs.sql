-- purpose: the question builder's work-log dataset (数据探索): one row per staff member
--   and day logged, with the member's unit.
-- params: (none)
-- columns: staff_id, staff_name, unit, log_date, morning_plan, evening_review
with logs as (
    select *
    from worklogs
),

all_staff as (
    select *
    from staff
),

final as (
    select
        w.staff_id,
        s.name as staff_name,
        s.unit,
        w.date as log_date,
        w.morning_plan,
        w.evening_review
    from logs as w
    left join all_staff as s on w.staff_id = s.staff_id
)

select *
from final
