-- purpose: the five implementations (五落实) of major hazards found in the period (macro
--   hazard_period, as headline_metrics): how many have all five, how many miss at least one,
--   how many miss each one, and how many record the five at all (recorded = 0: not recorded,
--   which the page shows as such rather than as "none in place").
-- params: $start, $end, $as_of, $towns, $departments, $industries, $squadrons
-- columns: majors, recorded, complete, incomplete, missing_responsibility, missing_measures,
--   missing_funds, missing_time_limit, missing_plan
with scoped as (
    select *
    from squadron_scoped_enterprises($towns, $departments, $industries, $squadrons)
),

majors as (
    select h.*
    from hazard_period($start, $end, $as_of) as h
    semi join scoped as e on h.enterprise_id = e.enterprise_id
    where h.in_found
      and h.level = 'major'
),

final as (
    select
        count(*) as majors,
        count(*) filter (where coalesce(responsibility, measures, funds, time_limit, plan) is not null)
            as recorded,
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
