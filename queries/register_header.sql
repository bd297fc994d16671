-- purpose: the header of one enterprise's register (一企一册): identity, assignment,
--   risk colour, status, listed supervision with days listed as of $as_of, major
--   hazard source, and the name of its grid. No row for an unknown $enterprise_id, nor for
--   one not of the towns $towns (the user's town scope; empty: all), which reads the same.
-- params: $enterprise_id, $as_of, $towns
-- columns: enterprise_id, name, credit_code, industry, town, village, department,
--   squadron, grid_id, grid_name, risk_level, status, employees, major_hazard_source,
--   listed_since, days_listed
with enterprise as (
    select *
    from scoped_enterprises($towns, [], [])
    where enterprise_id = $enterprise_id
),

grid as (
    select
        grid_id,
        name as grid_name
    from grids
),

final as (
    select
        e.enterprise_id,
        e.name,
        e.credit_code,
        e.industry,
        e.town,
        e.village,
        e.department,
        e.squadron,
        e.grid_id,
        g.grid_name,
        e.risk_level,
        e.status,
        e.employees,
        e.major_hazard_source,
        e.listed_since,
        case
            when e.listed_since <= $as_of then date_diff('day', e.listed_since, $as_of::date)
        end as days_listed
    from enterprise as e
    left join grid as g on e.grid_id = g.grid_id
)

select *
from final
