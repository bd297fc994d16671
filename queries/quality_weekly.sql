-- purpose: the supervision-quality measures week by week for the weekly brief's line: per
--   measure and ISO week (Monday week_start) of the $weeks weeks ending on $end (a Sunday),
--   the records dated in that week and those needing a look, as of $as_of. Only the
--   measures whose records are judged when they happen (not the ones that wait for what
--   comes after: never verified, closures that do not hold, the escalation stock), and only
--   those the data records (signal_missing_fields).
-- params: $end, $weeks, $as_of, $towns, $departments, $industries,
--   $signal_deadline_max_days_general, $signal_deadline_max_days_major,
--   $signal_rechecks_verify_within_days, $signal_closures_hold_days,
--   $signal_inspections_max_per_day, $signal_inspections_travel_allowance_km,
--   $signal_inspections_empty_run_length, $signal_inspections_copied_min_enterprises,
--   $order_after_overdue_days, $case_after_overdue_days
-- columns: measure, week_start, records, flagged
with window_start as (
    select cast($end as date) - (7 * $weeks - 1)::integer as start_date
),

records as (
    select r.*
    from window_start as w,
        signal_records(
            w.start_date, $end, $as_of, $towns, $departments, $industries,
            $signal_deadline_max_days_general, $signal_deadline_max_days_major,
            $signal_rechecks_verify_within_days, $signal_closures_hold_days,
            $signal_inspections_max_per_day, $signal_inspections_travel_allowance_km,
            $signal_inspections_empty_run_length, $signal_inspections_copied_min_enterprises,
            $order_after_overdue_days, $case_after_overdue_days
        ) as r
    where r.measure not in ('never_verified', 'closure_not_holding', 'stalled_order', 'stalled_case')
),

missing as (
    select m.*
    from window_start as w,
        signal_missing_fields(w.start_date, $end) as m
),

final as (
    select
        r.measure,
        date_trunc('week', r.period_date)::date as week_start,
        count(*) as records,
        count(*) filter (where r.flagged) as flagged
    from records as r
    join missing as m on r.measure = m.measure
    where m.missing_field is null
    group by r.measure, date_trunc('week', r.period_date)
)

select *
from final
order by measure, week_start
