-- purpose: the question builder's cases dataset (数据探索): one row per enforcement case
--   against an enterprise in the filters' scope.
-- params: $towns, $departments, $industries
-- columns: case_id, enterprise_id, enterprise_name, industry, town, department,
--   squadron, risk_level,
--   hazard_id, filed_date, interview_date, decided_date, measure, penalty_amount,
--   collective_review
with scoped as (
    select *
    from scoped_enterprises($towns, $departments, $industries)
),

scoped_cases as (
    select *
    from cases
),

final as (
    select
        c.case_id,
        c.enterprise_id,
        e.name as enterprise_name,
        e.industry,
        e.town,
        e.department,
        e.squadron,
        e.risk_level,
        c.hazard_id,
        c.filed_date,
        c.interview_date,
        c.decided_date,
        c.measure,
        c.penalty_amount,
        c.collective_review
    from scoped_cases as c
    inner join scoped as e on c.enterprise_id = e.enterprise_id
)

select *
from final
