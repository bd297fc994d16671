-- purpose: one enterprise's hazards found up to $as_of, newest first, with status and
--   days overdue as of $as_of, the escalation dates that had happened by then, and
--   whether each is a repeat (same category found after, and at most
--   $repeat_window_days after, the latest earlier rectification there).
--   Nothing when the enterprise is not of the towns $towns (the user's town scope; empty: all).
-- params: $enterprise_id, $as_of, $repeat_window_days, $towns
-- columns: hazard_id, found_date, level, category, description, deadline,
--   rectified_date, verified_date, reminder_date, order_date, status, days_overdue,
--   is_repeat, five_implementations
with scoped_enterprise as (
    select enterprise_id
    from scoped_enterprises($towns, [], [])
    where enterprise_id = $enterprise_id
),

enterprise_hazards as (
    select *
    from hazard_status($as_of)
    semi join scoped_enterprise using (enterprise_id)
),

rectified_before as (
    select
        category,
        rectified_date
    from hazards
    semi join scoped_enterprise using (enterprise_id)
    where rectified_date <= $as_of
),

repeat_hazards as (
    select later.hazard_id
    from enterprise_hazards as later
    asof join rectified_before as earlier
        on earlier.category = later.category
        and later.found_date > earlier.rectified_date
    where date_diff('day', earlier.rectified_date, later.found_date) <= $repeat_window_days
),

final as (
    select
        h.hazard_id,
        h.found_date,
        h.level,
        h.category,
        h.description,
        h.deadline,
        case when h.is_rectified then h.rectified_date end as rectified_date,
        case when h.is_verified then h.verified_date end as verified_date,
        case when h.reminder_date <= $as_of then h.reminder_date end as reminder_date,
        case when h.order_date <= $as_of then h.order_date end as order_date,
        h.status,
        h.days_overdue,
        r.hazard_id is not null as is_repeat,
        h.responsibility::int + h.measures::int + h.funds::int + h.time_limit::int
            + h.plan::int as five_implementations
    from enterprise_hazards as h
    left join repeat_hazards as r on h.hazard_id = r.hazard_id
)

select *
from final
order by found_date desc, hazard_id desc
