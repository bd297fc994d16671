-- purpose: the supervision-quality signals (监管质量, docs/quality.md) for the period
--   [$start, $end] as of $as_of: per measure, the records it is judged over, those that
--   need a look and their share, overall (dimension 'all') and per unit (squadron or
--   section of the person a record is attributed to), person and town (the enterprise's;
--   not for the person-day measures), with the threshold, whether the share needs a look
--   and its rank (largest share first, among groups with at least min_volume records).
--   recorded is false, and missing_field names what is missing, when the data in scope
--   never records what the measure needs. $units (empty: all) keeps the records
--   attributed to people of those units.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $units,
--   $signal_deadline_max_days_general, $signal_deadline_max_days_major,
--   $signal_rechecks_verify_within_days, $signal_closures_hold_days,
--   $signal_inspections_max_per_day, $signal_inspections_travel_allowance_km,
--   $signal_inspections_empty_run_length, $signal_inspections_copied_min_enterprises,
--   $order_after_overdue_days, $case_after_overdue_days,
--   $signal_deadline_day_share, $signal_deadline_long_share, $signal_deadline_min_volume,
--   $signal_rechecks_same_day_share, $signal_rechecks_late_share,
--   $signal_rechecks_unverified_share, $signal_rechecks_major_without_recheck_share,
--   $signal_rechecks_min_volume, $signal_closures_not_holding_share,
--   $signal_closures_min_volume, $signal_inspections_busy_day_share,
--   $signal_inspections_far_apart_share, $signal_inspections_empty_run_share,
--   $signal_inspections_copied_share, $signal_inspections_no_worklog_share,
--   $signal_inspections_min_volume, $signal_escalation_stalled_order_share,
--   $signal_escalation_stalled_case_share, $signal_escalation_min_volume
-- columns: measure, dimension, key, name, unit, records, flagged, share, median_figure,
--   threshold, min_volume, needs_look, rank, recorded, missing_field
with records as (
    select *
    from unit_signal_records(
        $start, $end, $as_of, $towns, $departments, $industries, $units,
        $signal_deadline_max_days_general, $signal_deadline_max_days_major,
        $signal_rechecks_verify_within_days, $signal_closures_hold_days,
        $signal_inspections_max_per_day, $signal_inspections_travel_allowance_km,
        $signal_inspections_empty_run_length, $signal_inspections_copied_min_enterprises,
        $order_after_overdue_days, $case_after_overdue_days
    )
),

-- Every measure in display order, with its threshold and the volume it needs to be judged.
measures as (
    select
        measure,
        position,
        threshold,
        min_volume,
        by_town
    from (values
        ('deadline_day', 1, $signal_deadline_day_share, $signal_deadline_min_volume, true),
        ('long_deadline', 2, $signal_deadline_long_share, $signal_deadline_min_volume, true),
        ('extended_deadline', 3, null, $signal_deadline_min_volume, true),
        ('same_day_verification', 4, $signal_rechecks_same_day_share, $signal_rechecks_min_volume, true),
        ('late_verification', 5, $signal_rechecks_late_share, $signal_rechecks_min_volume, true),
        ('never_verified', 6, $signal_rechecks_unverified_share, $signal_rechecks_min_volume, true),
        ('major_without_recheck', 7, $signal_rechecks_major_without_recheck_share,
            $signal_rechecks_min_volume, true),
        ('closure_not_holding', 8, $signal_closures_not_holding_share, $signal_closures_min_volume, true),
        ('busy_day', 9, $signal_inspections_busy_day_share, $signal_inspections_min_volume, false),
        ('far_apart_day', 10, $signal_inspections_far_apart_share, $signal_inspections_min_volume, false),
        ('empty_run', 11, $signal_inspections_empty_run_share, $signal_inspections_min_volume, true),
        ('copied_description', 12, $signal_inspections_copied_share, $signal_inspections_min_volume, true),
        ('no_worklog_day', 13, $signal_inspections_no_worklog_share, $signal_inspections_min_volume, false),
        ('stalled_order', 14, $signal_escalation_stalled_order_share, $signal_escalation_min_volume, true),
        ('stalled_case', 15, $signal_escalation_stalled_case_share, $signal_escalation_min_volume, true)
    ) as m (measure, position, threshold, min_volume, by_town)
),

missing as (
    select *
    from signal_missing_fields($start, $end)
),

grouped as (
    select
        measure,
        case
            when grouping(staff_id) = 0 then 'person'
            when grouping(unit) = 0 then 'unit'
            when grouping(town) = 0 then 'town'
            else 'all'
        end as dimension,
        case
            when grouping(staff_id) = 0 then staff_id
            when grouping(unit) = 0 then unit
            when grouping(town) = 0 then town
        end as key,
        case
            when grouping(staff_id) = 0 then staff_name
            when grouping(unit) = 0 then unit
            when grouping(town) = 0 then town
        end as name,
        case when grouping(staff_id) = 0 or grouping(unit) = 0 then unit end as unit,
        count(*) as records,
        count(*) filter (where flagged) as flagged,
        median(figure) as median_figure
    from records
    group by grouping sets (
        (measure),
        (measure, unit),
        (measure, staff_id, staff_name, unit),
        (measure, town)
    )
),

groups as (
    select
        m.measure,
        'all' as dimension,
        null::varchar as key,
        null::varchar as name,
        null::varchar as unit,
        coalesce(g.records, 0) as records,
        coalesce(g.flagged, 0) as flagged,
        g.median_figure
    from measures as m
    left join grouped as g on g.measure = m.measure and g.dimension = 'all'

    union all
    select
        g.measure,
        g.dimension,
        g.key,
        g.name,
        g.unit,
        g.records,
        g.flagged,
        g.median_figure
    from grouped as g
    join measures as m on g.measure = m.measure
    where g.dimension <> 'all'
      and (g.dimension <> 'town' or m.by_town)
),

judged as (
    select
        g.*,
        g.flagged / nullif(g.records, 0) as share,
        m.threshold,
        m.min_volume,
        m.position,
        x.missing_field
    from groups as g
    join measures as m on g.measure = m.measure
    join missing as x on g.measure = x.measure
),

final as (
    select
        measure,
        dimension,
        key,
        name,
        unit,
        -- not recorded is not zero: a measure the data cannot support has no figures
        case when missing_field is null then records end as records,
        case when missing_field is null then flagged end as flagged,
        case when missing_field is null then share end as share,
        case when missing_field is null then median_figure end as median_figure,
        threshold,
        min_volume,
        missing_field is null
            and flagged > 0
            and records >= min_volume
            and share >= threshold as needs_look,
        case
            when missing_field is null and records >= min_volume and dimension <> 'all'
            then rank() over (
                partition by measure, dimension, missing_field is null and records >= min_volume
                order by share desc
            )
        end as rank,
        missing_field is null as recorded,
        missing_field,
        position
    from judged
    where missing_field is null or dimension = 'all'
)

select * exclude (position)
from final
order by position, dimension, rank nulls last, share desc nulls last, key nulls last
