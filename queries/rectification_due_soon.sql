-- purpose: open hazards whose deadline falls within the next $due_soon_days days of
--   $as_of (macro due_soon: the pre-recheck and reminder list, 预复查 / 温馨提示书), by squadron.
-- params: $as_of, $towns, $departments, $industries, $squadrons, $levels, $due_soon_days
-- columns: squadron, town, enterprise_id, enterprise_name, hazard_id, level, category,
--   description, found_date, deadline, days_left, reminder_date, last_pre_recheck
with scoped as (
    select *
    from squadron_scoped_enterprises($towns, $departments, $industries, $squadrons)
),

pre_rechecks as (
    select
        enterprise_id,
        date
    from inspections
    where type = 'pre_recheck'
      and date <= $as_of
),

due_soon as (
    select
        e.squadron,
        e.town,
        e.enterprise_id,
        e.name as enterprise_name,
        h.hazard_id,
        h.level,
        h.category,
        h.description,
        h.found_date,
        h.deadline,
        date_diff('day', $as_of::date, h.deadline) as days_left,
        case when h.reminder_date <= $as_of then h.reminder_date end as reminder_date
    from hazard_status($as_of) as h
    join scoped as e on h.enterprise_id = e.enterprise_id
    where due_soon(h.deadline, h.is_rectified, $as_of, $due_soon_days)
      and (len($levels) = 0 or list_contains($levels, h.level))
),

final as (
    select
        d.squadron,
        d.town,
        d.enterprise_id,
        d.enterprise_name,
        d.hazard_id,
        d.level,
        d.category,
        d.description,
        d.found_date,
        d.deadline,
        d.days_left,
        d.reminder_date,
        max(p.date) as last_pre_recheck
    from due_soon as d
    left join pre_rechecks as p
        on d.enterprise_id = p.enterprise_id
        and p.date >= d.found_date
    group by all
)

select *
from final
order by squadron nulls last, deadline, enterprise_id, hazard_id
