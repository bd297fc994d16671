-- purpose: the rectification figures of DESIGN.md (the definitions of headline_metrics,
--   through the schema macro hazard_period) for the whole scope (dimension 'all') and by
--   town, squadron, department, industry and hazard level, with overdue ageing (macro
--   overdue_bucket), the 90th percentile of days to rectify and the due-soon count (macro
--   due_soon). Every hazard counts; a date that contradicts its finding counts as not recorded.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $squadrons, $levels,
--   $ageing_1, $ageing_2, $ageing_3, $due_soon_days
-- columns: dimension, value, hazards_found, rectified, rectification_rate, rectified_in_period,
--   due_in_period, rectified_on_time, on_time_rate, overdue_open, overdue_major, aged_1, aged_2,
--   aged_3, aged_4, verified, verification_rate, median_days_to_verify, median_days_to_rectify,
--   p90_days_to_rectify, rectified_date_unknown, due_soon
with scoped as (
    select *
    from squadron_scoped_enterprises($towns, $departments, $industries, $squadrons)
),

flagged as (
    select
        e.town,
        e.squadron,
        e.department,
        e.industry,
        h.level,
        h.in_found,
        h.is_rectified,
        h.is_verified,
        h.rectified_in_period,
        h.is_due,
        h.on_time,
        h.is_overdue,
        h.left_out,
        due_soon(h.deadline, h.is_rectified, $as_of, $due_soon_days) as is_due_soon,
        case
            when h.is_overdue then overdue_bucket(h.days_overdue, $ageing_1, $ageing_2, $ageing_3)
        end as ageing,
        h.days_to_rectify,
        date_diff('day', h.rectified_on, h.verified_date) as days_to_verify
    from hazard_period($start, $end, $as_of) as h
    join scoped as e on h.enterprise_id = e.enterprise_id
    where len($levels) = 0 or list_contains($levels, h.level)
),

-- Counts are added up once per combination of the five dimensions, so the grouping
-- sets below run over a few thousand combinations, not every hazard.
combination_counts as (
    select
        town,
        squadron,
        department,
        industry,
        level,
        count(*) filter (where in_found) as hazards_found,
        count(*) filter (where in_found and is_rectified) as rectified,
        count(*) filter (where rectified_in_period) as rectified_in_period,
        count(*) filter (where is_due) as due_in_period,
        count(*) filter (where is_due and on_time) as rectified_on_time,
        count(*) filter (where is_due and on_time is not null) as due_judged,
        count(*) filter (where is_overdue) as overdue_open,
        count(*) filter (where is_overdue and level = 'major') as overdue_major,
        count(*) filter (where ageing = 1) as aged_1,
        count(*) filter (where ageing = 2) as aged_2,
        count(*) filter (where ageing = 3) as aged_3,
        count(*) filter (where ageing = 4) as aged_4,
        count(*) filter (where in_found and is_verified) as verified,
        count(*) filter (where left_out) as rectified_date_unknown,
        count(*) filter (where is_due_soon) as due_soon
    from flagged
    group by town, squadron, department, industry, level
),

grouped_counts as (
    select
        case
            when grouping(town, squadron, department, industry, level) = 31 then 'all'
            when grouping(town) = 0 then 'town'
            when grouping(squadron) = 0 then 'squadron'
            when grouping(department) = 0 then 'department'
            when grouping(industry) = 0 then 'industry'
            else 'level'
        end as dimension,
        coalesce(town, squadron, department, industry, level) as value,
        sum(hazards_found)::bigint as hazards_found,
        sum(rectified)::bigint as rectified,
        sum(rectified_in_period)::bigint as rectified_in_period,
        sum(due_in_period)::bigint as due_in_period,
        sum(rectified_on_time)::bigint as rectified_on_time,
        sum(due_judged)::bigint as due_judged,
        sum(overdue_open)::bigint as overdue_open,
        sum(overdue_major)::bigint as overdue_major,
        sum(aged_1)::bigint as aged_1,
        sum(aged_2)::bigint as aged_2,
        sum(aged_3)::bigint as aged_3,
        sum(aged_4)::bigint as aged_4,
        sum(verified)::bigint as verified,
        sum(rectified_date_unknown)::bigint as rectified_date_unknown,
        sum(due_soon)::bigint as due_soon
    from combination_counts
    group by grouping sets ((), (town), (squadron), (department), (industry), (level))
),

-- Medians and percentiles need the hazards themselves: only those rectified among
-- the ones found in the period take part.
grouped_durations as (
    select
        case
            when grouping(town, squadron, department, industry, level) = 31 then 'all'
            when grouping(town) = 0 then 'town'
            when grouping(squadron) = 0 then 'squadron'
            when grouping(department) = 0 then 'department'
            when grouping(industry) = 0 then 'industry'
            else 'level'
        end as dimension,
        coalesce(town, squadron, department, industry, level) as value,
        median(days_to_verify) filter (where is_verified) as median_days_to_verify,
        median(days_to_rectify) as median_days_to_rectify,
        quantile_cont(days_to_rectify, 0.9) as p90_days_to_rectify
    from flagged
    where in_found and is_rectified
    group by grouping sets ((), (town), (squadron), (department), (industry), (level))
),

grouped as (
    select
        c.*,
        d.median_days_to_verify,
        d.median_days_to_rectify,
        d.p90_days_to_rectify
    from grouped_counts as c
    left join grouped_durations as d
        on c.dimension = d.dimension
        and c.value is not distinct from d.value
),

final as (
    select
        dimension,
        value,
        hazards_found,
        rectified,
        rectified / nullif(hazards_found, 0) as rectification_rate,
        rectified_in_period,
        due_in_period,
        rectified_on_time,
        rectified_on_time / nullif(due_judged, 0) as on_time_rate,
        overdue_open,
        overdue_major,
        aged_1,
        aged_2,
        aged_3,
        aged_4,
        verified,
        verified / nullif(rectified, 0) as verification_rate,
        median_days_to_verify::double as median_days_to_verify,
        median_days_to_rectify::double as median_days_to_rectify,
        p90_days_to_rectify::double as p90_days_to_rectify,
        rectified_date_unknown,
        due_soon
    from grouped
)

select *
from final
order by
    list_position(['all', 'town', 'squadron', 'department', 'industry', 'level'], dimension),
    value nulls last
