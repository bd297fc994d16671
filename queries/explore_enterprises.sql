-- purpose: the question builder's enterprises dataset (数据探索): one row per enterprise
--   matching the filters' scope.
-- params: $towns, $departments, $industries
-- columns: enterprise_id, enterprise_name, credit_code, industry, town, village,
--   department, squadron, grid_id, risk_level, status, employees,
--   major_hazard_source, listed_since
with scoped as (
    select *
    from scoped_enterprises($towns, $departments, $industries)
),

final as (
    select
        enterprise_id,
        name as enterprise_name,
        credit_code,
        industry,
        town,
        village,
        department,
        squadron,
        grid_id,
        risk_level,
        status,
        employees,
        major_hazard_source,
        listed_since
    from scoped
)

select *
from final
