-- purpose: hazard counts per enterprise (隐患分析): hazards found in [$start, $end]
--   (total, major, general), hazards still unrectified and overdue as of $as_of
--   (whenever found), and repeat hazards found in the period. Enterprises with no
--   hazard found in the period and none unrectified are left out. Sorted by
--   $sort_by (total, major, general, still_open, overdue, repeats), one page of
--   $limit rows from $offset ($limit null = all); total_rows counts the whole result.
--   Repeat rule: the same category found again at the same enterprise after, and at
--   most $repeat_window_days after, the latest earlier rectification there (by $as_of);
--   a hazard rectified on the day it was found is not its own repeat.
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
    from hazard_status($as_of) as h
    semi join scoped as e on h.enterprise_id = e.enterprise_id
    where (len($hazard_levels) = 0 or list_contains($hazard_levels, h.level))
      and (len($categories) = 0 or list_contains($categories, h.category))
),

-- A rectification further back than the window before the period cannot make a
-- hazard of the period a repeat.
rectified_before as (
    select
        enterprise_id,
        category,
        rectified_date
    from hazards
    where rectified_date <= $as_of
      and rectified_date >= cast($start as date) - $repeat_window_days::integer
),

-- The latest earlier rectification counts only if it lies within the window, so a
-- semi join on (enterprise, category) restricted to the window finds the same
-- repeats as an as-of join over all history, at a fraction of the cost.
repeat_hazards as (
    select later.hazard_id
    from chosen_hazards as later
    semi join rectified_before as earlier
        on earlier.enterprise_id = later.enterprise_id
        and earlier.category = later.category
        and earlier.rectified_date < later.found_date
        and earlier.rectified_date >= later.found_date - $repeat_window_days::integer
    where later.found_date between $start and $end
),

counts as (
    select
        h.enterprise_id,
        count(*) filter (where h.found_date between $start and $end) as total,
        count(*) filter (where h.found_date between $start and $end and h.level = 'major') as major,
        count(*) filter (where h.found_date between $start and $end and h.level = 'general') as general,
        count(*) filter (where not h.is_rectified) as still_open,
        count(*) filter (where h.is_overdue) as overdue,
        count(r.hazard_id) as repeats
    from chosen_hazards as h
    left join repeat_hazards as r on h.hazard_id = r.hazard_id
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
