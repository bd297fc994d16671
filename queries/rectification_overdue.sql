-- purpose: every overdue open hazard at $as_of (macro hazard_status, as headline_metrics) with its
--   enterprise, days past the deadline, ageing bucket, the last escalation step taken by
--   $as_of (reminder → order → case → suspension or closure) and the step the rules say
--   is due but missing.
-- params: $as_of, $towns, $departments, $industries, $squadrons, $levels,
--   $ageing_1, $ageing_2, $ageing_3, $order_after_overdue_days, $case_after_overdue_days
-- columns: town, squadron, enterprise_id, enterprise_name, hazard_id, level, category,
--   description, found_date, deadline, days_overdue, ageing, last_step, last_step_date,
--   missing_step
with scoped as (
    select *
    from squadron_scoped_enterprises($towns, $departments, $industries, $squadrons)
),

hazard_cases as (
    select *
    from escalation_cases($as_of)
),

overdue as (
    select
        e.town,
        e.squadron,
        e.enterprise_id,
        e.name as enterprise_name,
        h.hazard_id,
        h.level,
        h.category,
        h.description,
        h.found_date,
        h.deadline,
        h.days_overdue,
        case when h.reminder_date <= $as_of then h.reminder_date end as reminder_date,
        case when h.order_date <= $as_of then h.order_date end as order_date,
        c.case_date,
        case when c.suspension_date <= $as_of then c.suspension_date end as suspension_date
    from hazard_status($as_of) as h
    join scoped as e on h.enterprise_id = e.enterprise_id
    left join hazard_cases as c on h.hazard_id = c.hazard_id
    where h.is_overdue
      and (len($levels) = 0 or list_contains($levels, h.level))
),

final as (
    select
        town,
        squadron,
        enterprise_id,
        enterprise_name,
        hazard_id,
        level,
        category,
        description,
        found_date,
        deadline,
        days_overdue,
        overdue_bucket(days_overdue, $ageing_1, $ageing_2, $ageing_3) as ageing,
        case
            when suspension_date is not null then 'suspension'
            when case_date is not null then 'case'
            when order_date is not null then 'order'
            when reminder_date is not null then 'reminder'
            else 'none'
        end as last_step,
        coalesce(suspension_date, case_date, order_date, reminder_date) as last_step_date,
        case
            when case_date is null and days_overdue >= $case_after_overdue_days then 'case'
            when order_date is null and case_date is null
                and days_overdue >= $order_after_overdue_days then 'order'
        end as missing_step
    from overdue
)

select *
from final
order by days_overdue desc, enterprise_id, hazard_id
