-- purpose: every operating enterprise with what the inspection plan shows of it and
--   whether the rules require a visit in the week after $as_of (through $week_end):
--   overdue for inspection by its risk colour at $week_end (macros inspection_interval,
--   overdue_for_inspection; inspections by $as_of count), or under listed supervision
--   (listed_since by $as_of) and last inspected more than $listed_visit_days before
--   $week_end (or never).
-- params: $as_of, $week_end, $listed_visit_days, $interval_red, $interval_orange,
--   $interval_yellow, $interval_blue
-- columns: enterprise_id, name, credit_code, industry, town, village, squadron, risk_level,
--   lat, lon, listed_since, last_inspection, interval_days, days_at_week_end,
--   overdue_by_week_end, listed_due, required
with operating as (
    select *
    from enterprises
    where status = 'operating'
),

last_inspections as (
    select
        i.enterprise_id,
        max(i.date) as last_inspection
    from inspections as i
    semi join operating as e on i.enterprise_id = e.enterprise_id
    where i.date <= $as_of
    group by i.enterprise_id
),

flagged as (
    select
        e.*,
        l.last_inspection,
        inspection_interval(e.risk_level, $interval_red, $interval_orange, $interval_yellow, $interval_blue)
            as interval_days,
        date_diff('day', l.last_inspection, $week_end::date) as days_at_week_end,
        overdue_for_inspection(
            l.last_inspection,
            $week_end,
            inspection_interval(e.risk_level, $interval_red, $interval_orange, $interval_yellow, $interval_blue)
        ) as overdue_by_week_end,
        coalesce(e.listed_since <= $as_of, false)
            and overdue_for_inspection(l.last_inspection, $week_end, $listed_visit_days) as listed_due
    from operating as e
    left join last_inspections as l on e.enterprise_id = l.enterprise_id
),

final as (
    select
        enterprise_id,
        name,
        credit_code,
        industry,
        town,
        village,
        squadron,
        risk_level,
        lat,
        lon,
        listed_since,
        last_inspection,
        interval_days,
        days_at_week_end,
        overdue_by_week_end,
        listed_due,
        overdue_by_week_end or listed_due as required
    from flagged
)

select *
from final
order by enterprise_id
