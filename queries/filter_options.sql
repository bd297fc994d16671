-- purpose: the values offered by the global filters (towns, departments,
--   industries), sorted, one row per value.
-- params: (none)
-- columns: kind, value
with towns as (
    select distinct
        'town' as kind,
        town as value
    from enterprises
    where town is not null
),

departments as (
    select distinct
        'department' as kind,
        department as value
    from enterprises
    where department is not null
),

industries as (
    select distinct
        'industry' as kind,
        industry as value
    from enterprises
    where industry is not null
),

final as (
    select * from towns
    union all
    select * from departments
    union all
    select * from industries
)

select *
from final
order by kind, value
