-- purpose: the inspections behind one staff member's quarterly score: those dated in the
--   quarter [$start, $as_of] that $staff_id led or joined (inspections_led/_joined,
--   enterprises_inspected in performance_components), at enterprises of the towns $towns
--   (the viewer's scope; empty: every town, also enterprises missing from the register).
-- params: $staff_id, $start, $as_of, $towns
-- columns: inspection_id, date, enterprise_id, enterprise_name, town, type, is_lead, staff_ids
with quarter_inspections as (
    select
        inspection_id,
        enterprise_id,
        date,
        type,
        lead_staff_id,
        staff_ids
    from inspections
    where date between $start and $as_of
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
        i.inspection_id,
        i.date,
        i.enterprise_id,
        e.name as enterprise_name,
        e.town,
        i.type,
        i.lead_staff_id = $staff_id as is_lead,
        i.staff_ids
    from quarter_inspections as i
    left join enterprise_names as e on i.enterprise_id = e.enterprise_id
    where (i.lead_staff_id = $staff_id
           or list_contains(
               list_transform(regexp_split_to_array(coalesce(i.staff_ids, ''), '[;,，；、\s]+'),
                              lambda x: trim(x)),
               $staff_id))
      and (len($towns) = 0 or e.enterprise_id is not null)
)

select *
from final
order by date, inspection_id
