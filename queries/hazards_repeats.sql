-- purpose: the repeat hazards found in [$start, $end] (macro repeat_hazards: the same
--   enterprise, category and item — checklist item when both record one, else the same
--   normalised description — found again after, and at most $repeat_window_days after, an
--   earlier rectification there, by $as_of); each with the latest such earlier hazard and
--   its description. At most $limit rows, newest first.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $risk_levels,
--   $hazard_levels, $categories, $limit, $repeat_window_days
-- columns: enterprise_id, name, town, category, item, description, level, hazard_id,
--   found_date, earlier_hazard_id, earlier_description, earlier_rectified_date,
--   days_after_rectified, status
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
      and found_in(h.found_date, $start, $end, $as_of)
),

pairs as (
    select *
    from repeat_hazards($start, $end, $as_of, $repeat_window_days)
),

earlier as (
    select
        hazard_id,
        description
    from hazards
),

final as (
    select
        h.enterprise_id,
        e.name,
        e.town,
        h.category,
        h.item,
        h.description,
        h.level,
        h.hazard_id,
        h.found_date,
        p.earlier_hazard_id,
        r.description as earlier_description,
        p.earlier_rectified_date,
        date_diff('day', p.earlier_rectified_date, h.found_date) as days_after_rectified,
        h.status
    from pairs as p
    join chosen_hazards as h on p.hazard_id = h.hazard_id
    join scoped as e on h.enterprise_id = e.enterprise_id
    left join earlier as r on p.earlier_hazard_id = r.hazard_id
)

select *
from final
order by found_date desc, hazard_id
limit $limit
