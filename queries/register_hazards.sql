-- purpose: one enterprise's hazards found up to $as_of, newest first, with status and
--   days overdue as of $as_of (macro hazard_status), the escalation dates that had
--   happened by then, whether each is a repeat (macro repeat_hazards: same category and
--   item found again within $repeat_window_days of an earlier rectification there), and
--   how many of the five implementations are recorded in place (null: not recorded).
-- params: $enterprise_id, $as_of, $repeat_window_days
-- columns: hazard_id, found_date, level, category, item, description, deadline,
--   rectified_date, verified_date, reminder_date, order_date, status, days_overdue,
--   is_repeat, five_implementations
with enterprise_hazards as (
    select *
    from hazard_status($as_of)
    where enterprise_id = $enterprise_id
),

repeats as (
    select hazard_id
    from repeat_hazards('0001-01-01'::date, $as_of, $as_of, $repeat_window_days, enterprise := $enterprise_id)
),

final as (
    select
        h.hazard_id,
        h.found_date,
        h.level,
        h.category,
        h.item,
        h.description,
        h.deadline,
        h.rectified_on as rectified_date,
        case when h.is_verified then h.verified_date end as verified_date,
        case when h.reminder_date <= $as_of then h.reminder_date end as reminder_date,
        case when h.order_date <= $as_of then h.order_date end as order_date,
        h.status,
        h.days_overdue,
        r.hazard_id is not null as is_repeat,
        case
            when coalesce(h.responsibility, h.measures, h.funds, h.time_limit, h.plan) is not null
            then coalesce(h.responsibility::int, 0) + coalesce(h.measures::int, 0) + coalesce(h.funds::int, 0)
                + coalesce(h.time_limit::int, 0) + coalesce(h.plan::int, 0)
        end as five_implementations
    from enterprise_hazards as h
    left join repeats as r on h.hazard_id = r.hazard_id
)

select *
from final
order by found_date desc, hazard_id desc
