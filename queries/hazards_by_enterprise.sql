-- purpose: hazard counts per enterprise (隐患分析): hazards found in [$start, $end]
--   (total, major, general), hazards still unrectified and overdue as of $as_of
--   (whenever found), and repeat hazards found in the period. Enterprises with no
--   hazard found in the period and none unrectified are left out. Sorted by
--   $sort_by (total, major, general, still_open, overdue, repeats), one page of
--   $limit rows from $offset ($limit null = all); total_rows counts the whole result.
--   Status from the macro hazard_status, repeats from the macro repeat_hazards (same
--   enterprise, category and item, within $repeat_window_days of an earlier rectification).
-- params: $start, $end, $as_of, $towns, $departments, $industries, $risk_levels,
--   $hazard_levels, $categories, $search, $sort_by, $limit, $offset, $repeat_window_days
-- columns: enterprise_id, name, credit_code, town, industry, risk_level, total, major,
--   general, still_open, overdue, repeats, total_rows
with scoped as (
    select *
    from scoped_enterprises($towns, $departments, $industries)
    where (len($risk_levels) = 0 or list_contains($risk_levels, risk_level))
      and (
          $search = ''
          or contains(lower(name), lower($search))
          or contains(lower(coalesce(credit_code, '')), lower($search))
      )
),

chosen_hazards as (
    select h.*
    from hazard_period($start, $end, $as_of) as h
    semi join scoped as e on h.enterprise_id = e.enterprise_id
    where (len($hazard_levels) = 0 or list_contains($hazard_levels, h.level))
      and (len($categories) = 0 or list_contains($categories, h.category))
),

repeats as (
    select hazard_id
    from repeat_hazards($start, $end, $as_of, $repeat_window_days)
),

counts as (
    select
        h.enterprise_id,
        count(*) filter (where h.in_found) as total,
        count(*) filter (where h.in_found and h.level = 'major') as major,
        count(*) filter (where h.in_found and h.level = 'general') as general,
        count(*) filter (where not h.is_rectified) as still_open,
        count(*) filter (where h.is_overdue) as overdue,
        count(r.hazard_id) as repeats
    from chosen_hazards as h
    left join repeats as r on h.hazard_id = r.hazard_id
    group by h.enterprise_id
),

final as (
    select
        e.enterprise_id,
        e.name,
        e.credit_code,
        e.town,
        e.industry,
        e.risk_level,
        c.total,
        c.major,
        c.general,
        c.still_open,
        c.overdue,
        c.repeats,
        count(*) over () as total_rows
    from counts as c
    join scoped as e on c.enterprise_id = e.enterprise_id
    where c.total > 0 or c.still_open > 0
)

select *
from final
order by
    case $sort_by
        when 'major' then major
        when 'general' then general
        when 'still_open' then still_open
        when 'overdue' then overdue
        when 'repeats' then repeats
        else total
    end desc,
    total desc,
    name,
    enterprise_id
limit $limit
offset $offset
