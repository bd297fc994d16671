-- purpose: enterprises whose name or credit code contains $search (case-insensitive),
--   for the register's search box; at most $limit rows of the towns in $towns (empty:
--   all, the user's town scope otherwise), names starting with the text first. An
--   empty $search finds nothing.
-- params: $search, $limit, $towns
-- columns: enterprise_id, name, credit_code, town
with matches as (
    select
        enterprise_id,
        name,
        credit_code,
        town,
        starts_with(lower(name), lower($search)) as prefix_match
    from scoped_enterprises($towns, [], [])
    where $search <> ''
      and (
          contains(lower(name), lower($search))
          or contains(lower(coalesce(credit_code, '')), lower($search))
      )
),

final as (
    select
        enterprise_id,
        name,
        credit_code,
        town,
        prefix_match
    from matches
)

select
    enterprise_id,
    name,
    credit_code,
    town
from final
order by prefix_match desc, name, enterprise_id
limit $limit
