-- purpose: the inspection plan's risk model inputs, features from macro risk_features
--   (records dated on or before each row's as_of only; open, overdue and repeat hazards
--   by the metric layer's macros, repeats judged over history up to $as_of). Examples (role 'train'): the
--   inspections of $example_types dated in [$train_from, $as_of], each as of the day
--   before it, labelled by what it found (found_major, found_any: a hazard found at it and
--   recorded by $as_of; macro risk_examples); when there are more than $max_examples, a
--   fixed pseudo-random subset of about that many (by a hash of the inspection id: the
--   same records give the same subset). visit_type: the example's inspection type, and
--   'routine' for the enterprises scored (the visit the plan schedules). Enterprises to score (role 'score'), as of
--   $as_of: every operating enterprise; or, when $visits_start is given, the enterprises
--   (any status) with an inspection of $example_types in [$visits_start, $visits_end].
-- params: $as_of, $train_from, $max_examples, $visits_start, $visits_end, $example_types,
--   $recent_days, $repeat_window_days, $industry_months, $industry_prior, $interval_red,
--   $interval_orange, $interval_yellow, $interval_blue
-- columns: role, inspection_id, enterprise_id, as_of, found_major, found_any, visit_type, risk_level,
--   industry, interval_days, last_inspection, days_since_inspection, never_inspected,
--   inspections_recent, majors_recent, majors_older, generals_recent, generals_older,
--   repeats_recent, open_hazards, overdue_open, employees, major_hazard_source, listed,
--   tipoffs_recent, cases_recent, industry_examples, industry_major_rate, industry_any_rate
with examples as materialized (
    select *
    from risk_examples($example_types)
),

in_window as (
    select
        inspection_id,
        enterprise_id,
        date,
        type,
        coalesce(major_found_date <= $as_of, false) as found_major,
        coalesce(any_found_date <= $as_of, false) as found_any,
        count(*) over () as in_window
    from examples
    where date between $train_from and $as_of
),

train as (
    select *
    from in_window
    where in_window <= $max_examples
       or hash(inspection_id) % 1000000 < 1000000.0 * $max_examples / in_window
),

visited as (
    select distinct enterprise_id
    from examples
    where date between $visits_start and $visits_end
),

score as (
    select enterprise_id
    from enterprises
    where $visits_start is null and status = 'operating'
    union all
    select enterprise_id
    from visited
),

probes as (
    select
        't:' || inspection_id as probe_id,
        'train' as role,
        inspection_id,
        enterprise_id,
        date - 1 as as_of
    from train
    union all
    select
        's:' || enterprise_id as probe_id,
        'score' as role,
        null as inspection_id,
        enterprise_id,
        cast($as_of as date) as as_of
    from score
),

features as (
    select *
    from risk_features(
        'probes', $as_of, 'examples', $example_types, $recent_days, $repeat_window_days, $industry_months, $industry_prior,
        $interval_red, $interval_orange, $interval_yellow, $interval_blue
    )
),

final as (
    select
        p.role,
        p.inspection_id,
        p.enterprise_id,
        p.as_of,
        t.found_major,
        t.found_any,
        coalesce(t.type, 'routine') as visit_type,
        f.risk_level,
        f.industry,
        f.interval_days,
        f.last_inspection,
        f.days_since_inspection,
        f.never_inspected,
        f.inspections_recent,
        f.majors_recent,
        f.majors_older,
        f.generals_recent,
        f.generals_older,
        f.repeats_recent,
        f.open_hazards,
        f.overdue_open,
        f.employees,
        f.major_hazard_source,
        f.listed,
        f.tipoffs_recent,
        f.cases_recent,
        f.industry_examples,
        f.industry_major_rate,
        f.industry_any_rate
    from probes as p
    join features as f on p.probe_id = f.probe_id
    left join train as t on p.inspection_id = t.inspection_id
)

select *
from final
order by role, enterprise_id, inspection_id
