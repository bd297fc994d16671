-- purpose: the weekly-brief figures that the headline metrics lack, for the week
--   [$start, $end] as of $as_of: newly listed enterprises, cases and penalties,
--   tip-offs received and verified, overdue major hazards, and how many red and
--   orange operating enterprises are inspected within their risk interval.
-- params: $start, $end, $as_of, $towns, $departments, $industries,
--   $interval_red, $interval_orange, $interval_yellow, $interval_blue
-- columns: newly_listed, cases_filed, penalties, tipoffs_received,
--   tipoffs_verified, overdue_major, key_enterprises, key_up_to_date,
--   key_coverage_rate
with scoped as (
    select *
    from scoped_enterprises($towns, $departments, $industries)
),

scoped_cases as (
    select c.*
    from cases as c
    semi join scoped as e on c.enterprise_id = e.enterprise_id
),

-- A tip-off about no particular enterprise belongs to its town; it counts only
-- when no department or industry filter is set, since it has neither.
scoped_tipoffs as (
    select t.*
    from tipoffs as t
    where t.enterprise_id in (select enterprise_id from scoped)
       or (t.enterprise_id is null
           and len($departments) = 0
           and len($industries) = 0
           and (len($towns) = 0 or list_contains($towns, t.town)))
),

scoped_status as (
    select s.*
    from hazard_status($as_of) as s
    semi join scoped as e on s.enterprise_id = e.enterprise_id
),

key_enterprises as (
    select
        e.enterprise_id,
        e.risk_level,
        max(i.date) as last_date
    from scoped as e
    left join inspections as i
        on i.enterprise_id = e.enterprise_id
       and i.date <= $as_of
    where e.status = 'operating'
      and e.risk_level in ('red', 'orange')
    group by e.enterprise_id, e.risk_level
),

listed_figures as (
    select count(*) as newly_listed
    from scoped
    where listed_since between $start and $end
),

case_figures as (
    select
        count(*) filter (where filed_date between $start and $end) as cases_filed,
        coalesce(sum(penalty_amount) filter (where decided_date between $start and $end), 0)::double
            as penalties
    from scoped_cases
),

-- A tip-off counts as verified once it is closed (by the as-of date) with its report confirmed.
tipoff_figures as (
    select
        count(*) as tipoffs_received,
        count(*) filter (where verified and closed_date <= $as_of) as tipoffs_verified
    from scoped_tipoffs
    where received_date between $start and $end
),

overdue_figures as (
    select count(*) as overdue_major
    from scoped_status
    where is_overdue
      and level = 'major'
),

key_figures as (
    select
        count(*) as key_enterprises,
        count(*) filter (
            where not overdue_for_inspection(
                last_date,
                $as_of,
                inspection_interval(risk_level, $interval_red, $interval_orange, $interval_yellow, $interval_blue)
            )
        ) as key_up_to_date
    from key_enterprises
),

final as (
    select
        lf.newly_listed,
        cf.cases_filed,
        cf.penalties,
        tf.tipoffs_received,
        tf.tipoffs_verified,
        odf.overdue_major,
        kf.key_enterprises,
        kf.key_up_to_date,
        kf.key_up_to_date / nullif(kf.key_enterprises, 0) as key_coverage_rate
    from listed_figures as lf
    cross join case_figures as cf
    cross join tipoff_figures as tf
    cross join overdue_figures as odf
    cross join key_figures as kf
)

select *
from final
