-- purpose: the five implementations (五落实) of major hazards found in the period: how
--   many have all five, and how many miss each one.
-- params: $start, $end, $towns, $departments, $industries, $squadrons
-- columns: majors, complete, incomplete, missing_responsibility, missing_measures,
--   missing_funds, missing_time_limit, missing_plan
with scoped as (
    select *
    from squadron_scoped_enterprises($towns, $departments, $industries, $squadrons)
),

majors as (
    select h.*
    from hazards as h
    semi join scoped as e on h.enterprise_id = e.enterprise_id
    where (h.deadline is null or h.deadline >= h.found_date)
      and h.level = 'major'
      and h.found_date between $start and $end
),

final as (
    select
        count(*) as majors,
        count(*) filter (where responsibility and measures and funds and time_limit and plan)
            as complete,
        count(*) filter (where not (responsibility and measures and funds and time_limit and plan))
            as incomplete,
        count(*) filter (where not responsibility) as missing_responsibility,
        count(*) filter (where not measures) as missing_measures,
        count(*) filter (where not funds) as missing_funds,
        count(*) filter (where not time_limit) as missing_time_limit,
        count(*) filter (where not plan) as missing_plan
    from majors
)

select *
from final
