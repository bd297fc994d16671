-- purpose: one enterprise's inspections up to $as_of, newest first, with the lead's
--   and all participants' names (a list, joined in the reader's language), the outcome and score the source system recorded (empty
--   when it records none) and the number of hazards each found.
--   Nothing when the enterprise is not of the towns $towns (the user's town scope; empty: all).
-- params: $enterprise_id, $as_of, $towns
-- columns: inspection_id, date, type, campaign, lead_staff, staff, outcome, score, hazards_found
with scoped_enterprise as (
    select enterprise_id
    from scoped_enterprises($towns, [], [])
    where enterprise_id = $enterprise_id
),

visits as (
    select *
    from inspections
    semi join scoped_enterprise using (enterprise_id)
    where date <= $as_of
),

people as (
    select
        staff_id,
        name
    from staff
),

participants as (
    select
        v.inspection_id,
        list(coalesce(p.name, trim(s.staff_id)) order by s.position) as staff
    from visits as v,
        unnest(string_split(coalesce(v.staff_ids, ''), ';')) with ordinality as s(staff_id, position)
    left join people as p on trim(s.staff_id) = p.staff_id
    where trim(s.staff_id) <> ''
    group by v.inspection_id
),

found as (
    select
        inspection_id,
        count(*) as hazards_found
    from hazards
    semi join scoped_enterprise using (enterprise_id)
    where found_date <= $as_of
    group by inspection_id
),

final as (
    select
        v.inspection_id,
        v.date,
        v.type,
        v.campaign,
        coalesce(lead.name, v.lead_staff_id) as lead_staff,
        pa.staff,
        v.outcome,
        v.score,
        coalesce(f.hazards_found, 0) as hazards_found
    from visits as v
    left join people as lead on v.lead_staff_id = lead.staff_id
    left join participants as pa on v.inspection_id = pa.inspection_id
    left join found as f on v.inspection_id = f.inspection_id
)

select *
from final
order by date desc, inspection_id desc
