-- purpose: the repeat hazards found in [$start, $end]: the same category found again
--   at the same enterprise after, and at most $repeat_window_days after, the latest
--   earlier rectification there (by $as_of); each with that earlier hazard. At most
--   $limit rows, newest first.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $risk_levels,
--   $hazard_levels, $categories, $limit, $repeat_window_days
-- columns: enterprise_id, name, town, category, level, hazard_id, found_date,
--   earlier_hazard_id, earlier_rectified_date, days_after_rectified, status
with scoped as (
    select *
    from scoped_enterprises($towns, $departments, $industries)
    where len($risk_levels) = 0 or list_contains($risk_levels, risk_level)
),

chosen_hazards as (
    select h.*
    from hazard_status($as_of) as h
    semi join scoped as e on h.enterprise_id = e.enterprise_id
    where (len($hazard_levels) = 0 or list_contains($hazard_levels, h.level))
      and (len($categories) = 0 or list_contains($categories, h.category))
      and h.found_date between $start and $end
),

-- A rectification further back than the window before the period cannot make a
-- hazard of the period a repeat.
rectified_before as (
    select
        hazard_id,
        enterprise_id,
        category,
        rectified_date
    from hazards
    where rectified_date <= $as_of
      and rectified_date >= cast($start as date) - $repeat_window_days::integer
),

-- The latest earlier rectification counts only if it lies within the window, so an
-- equi-join on (enterprise, category) restricted to the window finds the same one as
-- an as-of join over all history, at a fraction of the cost.
pairs as (
    select
        later.hazard_id,
        max({'rectified_date': earlier.rectified_date, 'hazard_id': earlier.hazard_id}).hazard_id
            as earlier_hazard_id,
        max(earlier.rectified_date) as earlier_rectified_date
    from chosen_hazards as later
    join rectified_before as earlier
        on earlier.enterprise_id = later.enterprise_id
        and earlier.category = later.category
        and earlier.rectified_date < later.found_date
        and earlier.rectified_date >= later.found_date - $repeat_window_days::integer
    group by later.hazard_id
),

final as (
    select
        h.enterprise_id,
        e.name,
        e.town,
        h.category,
        h.level,
        h.hazard_id,
        h.found_date,
        p.earlier_hazard_id,
        p.earlier_rectified_date,
        date_diff('day', p.earlier_rectified_date, h.found_date) as days_after_rectified,
        h.status
    from pairs as p
    join chosen_hazards as h on p.hazard_id = h.hazard_id
    join scoped as e on h.enterprise_id = e.enterprise_id
)

select *
from final
order by found_date desc, hazard_id
limit $limit
