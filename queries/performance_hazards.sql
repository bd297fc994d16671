-- purpose: the hazards behind one staff member's quarterly score: hazards from inspections
--   $staff_id led that were found in the quarter (hazards_found_weighted) or fall due in it
--   (follow_through_rate), with how each one counted (macro follow_through, as
--   performance_components).
-- params: $staff_id, $start, $as_of, $major_weight, $follow_through_grace_days
-- columns: hazard_id, inspection_id, enterprise_name, found_date, level, category, deadline,
--   verified_date, found_weight, is_due, followed_through, pending
with led_inspections as (
    select
        inspection_id,
        enterprise_id,
        date
    from inspections
    where lead_staff_id = $staff_id
),

all_hazards as (
    select
        hazard_id,
        inspection_id,
        found_date,
        level,
        category,
        deadline,
        verified_date,
        is_due,
        followed_through,
        pending
    from follow_through($start, $as_of, $follow_through_grace_days)
),

enterprise_names as (
    select
        enterprise_id,
        name
    from enterprises
),

judged as (
    select
        h.*,
        e.name as enterprise_name,
        i.date between $start and $as_of and h.found_date <= $as_of as found_in_quarter
    from all_hazards as h
    join led_inspections as i on h.inspection_id = i.inspection_id
    left join enterprise_names as e on i.enterprise_id = e.enterprise_id
),

final as (
    select
        hazard_id,
        inspection_id,
        enterprise_name,
        found_date,
        level,
        category,
        deadline,
        verified_date,
        case
            when not found_in_quarter then 0
            when level = 'major' then $major_weight
            else 1
        end as found_weight,
        is_due,
        followed_through,
        pending
    from judged
    where found_in_quarter or is_due
)

select *
from final
order by found_date, hazard_id
