-- purpose: the inspections behind one staff member's quarterly score: those dated in the
--   quarter [$start, $as_of] that $staff_id led or joined (inspections_led/_joined,
--   enterprises_inspected in performance_components), at enterprises of the towns $towns
--   (the viewer's scope; empty: every town, also enterprises missing from the register).
--   Who took part is the schema macro inspection_participants, as in the score.
-- params: $staff_id, $start, $as_of, $towns
-- columns: inspection_id, date, enterprise_id, enterprise_name, town, type, is_lead, staff_ids
with mine as (
    select
        inspection_id,
        enterprise_id,
        date,
        type,
        lead_staff_id
    from inspection_participants($start, $as_of)
    where staff_id = $staff_id
),

staff_lists as (
    select
        inspection_id,
        staff_ids
    from inspections
),

enterprise_names as (
    select
        enterprise_id,
        name,
        town
    from scoped_enterprises($towns, []::varchar[], []::varchar[])
),

final as (
    select
        m.inspection_id,
        m.date,
        m.enterprise_id,
        e.name as enterprise_name,
        e.town,
        m.type,
        m.lead_staff_id = $staff_id as is_lead,
        l.staff_ids
    from mine as m
    join staff_lists as l on m.inspection_id = l.inspection_id
    left join enterprise_names as e on m.enterprise_id = e.enterprise_id
    where len($towns) = 0 or e.enterprise_id is not null
)

select *
from final
order by date, inspection_id
