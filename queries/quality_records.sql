-- purpose: the records behind one count of quality_signals: the records of measure
--   $measure that need a look, of the group $dimension ('all', 'unit', 'person' or 'town')
--   and $key (null: the group of records with no unit, person or town), for the period
--   [$start, $end] as of $as_of, with the enterprise and the person they are attributed to;
--   $units (empty: all) as in quality_signals. Newest first.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $units, $measure,
--   $dimension, $key, $signal_deadline_max_days_general, $signal_deadline_max_days_major,
--   $signal_rechecks_verify_within_days, $signal_closures_hold_days,
--   $signal_inspections_max_per_day, $signal_inspections_travel_allowance_km,
--   $signal_inspections_empty_run_length, $signal_inspections_copied_min_enterprises,
--   $order_after_overdue_days, $case_after_overdue_days
-- columns: period_date, staff_id, staff_name, unit, enterprise_id, enterprise_name, town,
--   hazard_id, inspection_id, found_date, deadline, rectified_date, verified_date, figure,
--   detail, related_id, related_date
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
    where measure = $measure
      and flagged
      and in_signal_group($dimension, $key, unit, staff_id, town)
),

final as (
    select
        c.period_date,
        c.staff_id,
        c.staff_name,
        c.unit,
        c.enterprise_id,
        e.name as enterprise_name,
        c.town,
        c.hazard_id,
        c.inspection_id,
        c.found_date,
        c.deadline,
        c.rectified_date,
        c.verified_date,
        c.figure,
        c.detail,
        c.related_id,
        c.related_date
    from records as c
    left join enterprises as e on c.enterprise_id = e.enterprise_id
)

select *
from final
order by period_date desc, staff_id, enterprise_id, hazard_id, inspection_id
