-- purpose: the monthly trend of the rectification figures over the period: hazards
--   found, rectified by $as_of and verified by month of the found date; hazards due
--   and rectified on time by month of the deadline; hazards rectified by month of the
--   rectification (the definitions of headline_metrics, through the macro hazard_period).
-- params: $start, $end, $as_of, $towns, $departments, $industries, $squadrons, $levels
-- columns: month, hazards_found, rectified, rectification_rate, verified,
--   verification_rate, rectified_in_period, due_in_period, rectified_on_time, on_time_rate
with scoped as (
    select *
    from squadron_scoped_enterprises($towns, $departments, $industries, $squadrons)
),

period_hazards as (
    select h.*
    from hazard_period($start, $end, $as_of) as h
    semi join scoped as e on h.enterprise_id = e.enterprise_id
    where len($levels) = 0 or list_contains($levels, h.level)
),

months as (
    select month::date as month
    from generate_series(
        date_trunc('month', $start::date),
        date_trunc('month', $end::date),
        interval 1 month
    ) as t(month)
),

found as (
    select
        date_trunc('month', found_date)::date as month,
        count(*) as hazards_found,
        count(*) filter (where is_rectified) as rectified,
        count(*) filter (where is_verified) as verified
    from period_hazards
    where in_found
    group by all
),

flow as (
    select
        date_trunc('month', rectified_on)::date as month,
        count(*) as rectified_in_period
    from period_hazards
    where rectified_in_period
    group by all
),

due as (
    select
        date_trunc('month', deadline)::date as month,
        count(*) as due_in_period,
        count(*) filter (where on_time) as rectified_on_time,
        count(on_time) as due_judged
    from period_hazards
    where is_due
    group by all
),

final as (
    select
        m.month,
        coalesce(f.hazards_found, 0) as hazards_found,
        coalesce(f.rectified, 0) as rectified,
        f.rectified / nullif(f.hazards_found, 0) as rectification_rate,
        coalesce(f.verified, 0) as verified,
        f.verified / nullif(f.rectified, 0) as verification_rate,
        coalesce(r.rectified_in_period, 0) as rectified_in_period,
        coalesce(d.due_in_period, 0) as due_in_period,
        coalesce(d.rectified_on_time, 0) as rectified_on_time,
        d.rectified_on_time / nullif(d.due_judged, 0) as on_time_rate
    from months as m
    left join found as f on m.month = f.month
    left join flow as r on m.month = r.month
    left join due as d on m.month = d.month
)

select *
from final
order by month
