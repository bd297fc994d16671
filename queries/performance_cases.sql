-- purpose: the cases behind one staff member's cases_handled: cases filed in the quarter
--   [$start, $as_of] on enterprises $staff_id inspected as lead in the quarter or the one before,
--   of the towns $towns (the viewer's scope; empty: every town, also enterprises
--   missing from the register).
-- params: $staff_id, $start, $as_of, $towns
-- columns: case_id, filed_date, enterprise_id, enterprise_name, measure, penalty_amount
with lead_enterprises as (
    select distinct enterprise_id
    from inspections
    where lead_staff_id = $staff_id
      and date between cast($start - interval 3 month as date) and $as_of
),

quarter_cases as (
    select
        case_id,
        filed_date,
        enterprise_id,
        measure,
        penalty_amount
    from cases
    where filed_date between $start and $as_of
),

enterprise_names as (
    select
        enterprise_id,
        name
    from scoped_enterprises($towns, []::varchar[], []::varchar[])
),

final as (
    select
        c.case_id,
        c.filed_date,
        c.enterprise_id,
        e.name as enterprise_name,
        c.measure,
        c.penalty_amount
    from quarter_cases as c
    semi join lead_enterprises as l on c.enterprise_id = l.enterprise_id
    left join enterprise_names as e on c.enterprise_id = e.enterprise_id
    where len($towns) = 0 or e.enterprise_id is not null
)

select *
from final
order by filed_date, case_id
