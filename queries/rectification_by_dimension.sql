-- purpose: the rectification figures of DESIGN.md (same definitions as headline_metrics)
--   for the whole scope (dimension 'all') and by town, squadron, department, industry
--   and hazard level, with overdue ageing, the 90th percentile of days to rectify and
--   the due-soon count; a hazard whose deadline is before its found date is left out.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $squadrons, $levels,
--   $ageing_1, $ageing_2, $ageing_3, $due_soon_days
-- columns: dimension, value, hazards_found, rectified, rectification_rate, due_in_period,
--   rectified_on_time, on_time_rate, overdue_open, overdue_major, aged_1, aged_2, aged_3,
--   aged_4, verified, verification_rate, median_days_to_verify, median_days_to_rectify,
--   p90_days_to_rectify, due_soon
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
        h.found_date between $start and $end as in_found,
        h.rectified_date is not null and h.rectified_date <= $as_of as is_rectified,
        h.verified_date is not null and h.verified_date <= $as_of as verified_by_as_of,
        h.deadline between $start and $end and h.deadline <= $as_of as in_due,
        h.rectified_date <= h.deadline as on_time,
        h.found_date <= $as_of
            and h.deadline < $as_of
            and not (h.rectified_date is not null and h.rectified_date <= $as_of) as is_overdue,
        h.found_date <= $as_of
            and h.deadline between $as_of and $as_of::date + $due_soon_days::integer
            and not (h.rectified_date is not null and h.rectified_date <= $as_of) as is_due_soon,
        date_diff('day', h.deadline, $as_of::date) as days_overdue,
        date_diff('day', h.found_date, h.rectified_date) as days_to_rectify,
        date_diff('day', h.rectified_date, h.verified_date) as days_to_verify
    from hazards as h
    join scoped as e on h.enterprise_id = e.enterprise_id
    where (h.deadline is null or h.deadline >= h.found_date)
      and (len($levels) = 0 or list_contains($levels, h.level))
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
        count(*) filter (where in_due) as due_in_period,
        count(*) filter (where in_due and on_time) as rectified_on_time,
        count(*) filter (where is_overdue) as overdue_open,
        count(*) filter (where is_overdue and level = 'major') as overdue_major,
        count(*) filter (where is_overdue and days_overdue <= $ageing_1) as aged_1,
        count(*) filter (where is_overdue and days_overdue > $ageing_1 and days_overdue <= $ageing_2)
            as aged_2,
        count(*) filter (where is_overdue and days_overdue > $ageing_2 and days_overdue <= $ageing_3)
            as aged_3,
        count(*) filter (where is_overdue and days_overdue > $ageing_3) as aged_4,
        count(*) filter (where in_found and is_rectified and verified_by_as_of) as verified,
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
        sum(due_in_period)::bigint as due_in_period,
        sum(rectified_on_time)::bigint as rectified_on_time,
        sum(overdue_open)::bigint as overdue_open,
        sum(overdue_major)::bigint as overdue_major,
        sum(aged_1)::bigint as aged_1,
        sum(aged_2)::bigint as aged_2,
        sum(aged_3)::bigint as aged_3,
        sum(aged_4)::bigint as aged_4,
        sum(verified)::bigint as verified,
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
        median(days_to_verify) filter (where verified_by_as_of) as median_days_to_verify,
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
        due_in_period,
        rectified_on_time,
        rectified_on_time / nullif(due_in_period, 0) as on_time_rate,
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
        due_soon
    from grouped
)

select *
from final
order by
    list_position(['all', 'town', 'squadron', 'department', 'industry', 'level'], dimension),
    value nulls last
