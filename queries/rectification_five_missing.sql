-- purpose: the major hazards found in the period that lack any of the five
--   implementations (五落实), with which ones they lack and whether rectified by $as_of.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $squadrons
-- columns: town, squadron, enterprise_id, enterprise_name, hazard_id, found_date,
--   deadline, rectified, responsibility, measures, funds, time_limit, plan
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
      and not (h.responsibility and h.measures and h.funds and h.time_limit and h.plan)
),

final as (
    select
        e.town,
        e.squadron,
        e.enterprise_id,
        e.name as enterprise_name,
        m.hazard_id,
        m.found_date,
        m.deadline,
        m.is_rectified as rectified,
        m.responsibility,
        m.measures,
        m.funds,
        m.time_limit,
        m.plan
    from majors as m
    join scoped as e on m.enterprise_id = e.enterprise_id
)

select *
from final
order by rectified, found_date, enterprise_id, hazard_id
