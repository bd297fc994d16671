-- purpose: the question builder's inspections dataset (数据探索): one row per inspection
--   of an enterprise in the filters' scope, with that enterprise's attributes.
-- params: $towns, $departments, $industries
-- columns: inspection_id, inspection_date, inspection_type, campaign, checklist, outcome,
--   score, lead_staff_id, enterprise_id, enterprise_name, industry, town, department,
--   squadron, risk_level
with scoped as (
    select *
    from scoped_enterprises($towns, $departments, $industries)
),

scoped_inspections as (
    select *
    from inspections
),

final as (
    select
        i.inspection_id,
        i.date as inspection_date,
        i.type as inspection_type,
        i.campaign,
        i.checklist,
        i.outcome,
        i.score,
        i.lead_staff_id,
        i.enterprise_id,
        e.name as enterprise_name,
        e.industry,
        e.town,
        e.department,
        e.squadron,
        e.risk_level
    from scoped_inspections as i
    inner join scoped as e on i.enterprise_id = e.enterprise_id
)

select *
from final
