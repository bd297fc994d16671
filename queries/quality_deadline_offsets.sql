-- purpose: how far from its deadline each hazard rectified in the period [$start, $end]
--   (as of $as_of) was reported rectified, for the deadline-day signal's chart: days from
--   the deadline (negative: before it) and how many rectifications, for the group
--   $dimension/$key as in quality_records ('all' for every one) and $units.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $units, $dimension,
--   $key, $signal_deadline_max_days_general, $signal_deadline_max_days_major,
--   $signal_rechecks_verify_within_days, $signal_closures_hold_days,
--   $signal_inspections_max_per_day, $signal_inspections_travel_allowance_km,
--   $signal_inspections_empty_run_length, $signal_inspections_copied_min_enterprises,
--   $order_after_overdue_days, $case_after_overdue_days
-- columns: days_from_deadline, rectified
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
    where measure = 'deadline_day'
      and in_signal_group($dimension, $key, unit, staff_id, town)
),

final as (
    select
        figure::integer as days_from_deadline,
        count(*) as rectified
    from records
    group by figure
)

select *
from final
order by days_from_deadline
