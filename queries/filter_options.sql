-- purpose: the values offered by the global filters (towns, departments,
--   industries) among the enterprises of the towns $towns (the user's town scope;
--   empty: every town), sorted, one row per value.
-- params: $towns
-- columns: kind, value
with scoped as (
    select
        town,
        department,
        industry
    from scoped_enterprises($towns, []::varchar[], []::varchar[])
),

towns as (
    select distinct
        'town' as kind,
        town as value
    from scoped
    where town is not null
),

departments as (
    select distinct
        'department' as kind,
        department as value
    from scoped
    where department is not null
),

industries as (
    select distinct
        'industry' as kind,
        industry as value
    from scoped
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
