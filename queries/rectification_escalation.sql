-- purpose: the escalation ladder (found → reminder → order → case → suspension or
--   closure) for hazards found in the period: how many reached each step by $as_of and
--   the median days from the hazard's previous step reached (the found date if none).
-- params: $start, $end, $as_of, $towns, $departments, $industries, $squadrons, $levels
-- columns: step, step_order, hazards, median_days_from_previous
with scoped as (
    select *
    from squadron_scoped_enterprises($towns, $departments, $industries, $squadrons)
),

hazard_cases as (
    select *
    from escalation_cases($as_of)
),

steps as (
    select
        h.found_date,
        case when h.reminder_date <= $as_of then h.reminder_date end as reminder_date,
        case when h.order_date <= $as_of then h.order_date end as order_date,
        c.case_date,
        case when c.suspension_date <= $as_of then c.suspension_date end as suspension_date
    from hazard_period($start, $end, $as_of) as h
    semi join scoped as e on h.enterprise_id = e.enterprise_id
    left join hazard_cases as c on h.hazard_id = c.hazard_id
    where h.in_found
      and (len($levels) = 0 or list_contains($levels, h.level))
),

final as (
    select 'found' as step, 1 as step_order, count(*) as hazards,
           null::double as median_days_from_previous
    from steps
    union all
    select 'reminder', 2, count(reminder_date),
           median(date_diff('day', found_date, reminder_date))::double
    from steps
    union all
    select 'order', 3, count(order_date),
           median(date_diff('day', coalesce(reminder_date, found_date), order_date))::double
    from steps
    union all
    select 'case', 4, count(case_date),
           median(date_diff('day', coalesce(order_date, reminder_date, found_date), case_date))::double
    from steps
    union all
    select 'suspension', 5, count(suspension_date),
           median(date_diff('day', case_date, suspension_date))::double
    from steps
)

select *
from final
order by step_order
