-- purpose: one enterprise's hazards found up to $as_of, most urgent first, with status and
--   days overdue as of $as_of (macro hazard_status), the escalation dates that had happened
--   by then, the last escalation step taken and the next one the rules call for (an order
--   $order_after_overdue_days and a case $case_after_overdue_days past the deadline) with
--   the day it is due, whether each is a repeat (macro repeat_hazards: same category and
--   item found again within $repeat_window_days of an earlier rectification there), and
--   how many of the five implementations are recorded in place (null: not recorded).
--   Urgency: unrectified first (major, then overdue, then most days overdue, then nearest
--   deadline), then rectified awaiting re-check, then verified; newest found first among
--   equals. Nothing when the enterprise is not of the towns $towns (the user's town scope;
--   empty: all).
-- params: $enterprise_id, $as_of, $repeat_window_days, $order_after_overdue_days,
--   $case_after_overdue_days, $towns
-- columns: urgency, status, level, days_overdue, deadline, category, item, description,
--   next_step, next_step_due, last_step, last_step_date, found_date, hazard_id,
--   rectified_date, verified_date, reminder_date, order_date, case_date, is_repeat,
--   five_implementations
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

hazard_cases as (
    select *
    from escalation_cases($as_of)
),

repeats as (
    select hazard_id
    from repeat_hazards('0001-01-01'::date, $as_of, $as_of, $repeat_window_days, enterprise := $enterprise_id)
),

steps as (
    select
        h.*,
        case when h.reminder_date <= $as_of then h.reminder_date end as reminder_taken,
        case when h.order_date <= $as_of then h.order_date end as order_taken,
        c.case_date,
        case when c.suspension_date <= $as_of then c.suspension_date end as suspension_taken,
        case
            when not h.is_rectified
                then escalation_next_step(h.deadline, $as_of, order_taken, c.case_date, $case_after_overdue_days)
        end as next_step,
        r.hazard_id is not null as is_repeat
    from enterprise_hazards as h
    left join hazard_cases as c on h.hazard_id = c.hazard_id
    left join repeats as r on h.hazard_id = r.hazard_id
),

final as (
    select
        row_number() over (
            order by
                case status when 'overdue' then 0 when 'open' then 0 when 'rectified' then 1 else 2 end,
                case when status in ('open', 'overdue') and level = 'major' then 0 else 1 end,
                case when status = 'overdue' then 0 else 1 end,
                days_overdue desc nulls last,
                case when status in ('open', 'overdue') then deadline end nulls last,
                found_date desc,
                hazard_id desc
        ) as urgency,
        status,
        level,
        days_overdue,
        deadline,
        category,
        item,
        description,
        next_step,
        escalation_step_due(deadline, next_step, $order_after_overdue_days, $case_after_overdue_days)
            as next_step_due,
        escalation_last_step(reminder_taken, order_taken, case_date, suspension_taken) as last_step,
        coalesce(suspension_taken, case_date, order_taken, reminder_taken) as last_step_date,
        found_date,
        hazard_id,
        rectified_on as rectified_date,
        case when is_verified then verified_date end as verified_date,
        reminder_taken as reminder_date,
        order_taken as order_date,
        case_date,
        is_repeat,
        case
            when coalesce(responsibility, measures, funds, time_limit, plan) is not null
            then coalesce(responsibility::int, 0) + coalesce(measures::int, 0) + coalesce(funds::int, 0)
                + coalesce(time_limit::int, 0) + coalesce(plan::int, 0)
        end as five_implementations
    from steps
)

select *
from final
order by urgency
