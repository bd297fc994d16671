-- purpose: the hazards page's cards for [$start, $end] as of $as_of with the page's filters:
--   hazards found and major ones (macro found_hazards, as headline_metrics), the repeat
--   hazards among them (macro repeat_hazards) and the share that repeat.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $risk_levels,
--   $hazard_levels, $categories, $repeat_window_days
-- columns: hazards_found, major_hazards_found, repeat_hazards, repeat_share
with found as (
    select
        hazard_id,
        level
    from found_hazards(
        $start, $end, $as_of, $towns, $departments, $industries,
        $risk_levels, $hazard_levels, $categories
    )
),

repeats as (
    select hazard_id
    from repeat_hazards($start, $end, $as_of, $repeat_window_days)
),

final as (
    select
        count(*) as hazards_found,
        count(*) filter (where f.level = 'major') as major_hazards_found,
        count(r.hazard_id) as repeat_hazards,
        count(r.hazard_id) / nullif(count(*), 0) as repeat_share
    from found as f
    left join repeats as r on f.hazard_id = r.hazard_id
)

select *
from final
