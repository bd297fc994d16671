-- purpose: the raw quarterly score components (季度量化考核) of every active staff member
--   for the quarter starting $start, counted up to T = $as_of (the quarter's end or the
--   data's as-of date if earlier); gridwatch/scoring.py scales, weights and ranks them.
--   follow_through_rate and worklog_completeness are null when there is nothing to measure.
-- params: $start, $as_of, $major_weight, $follow_through_grace_days
-- columns: staff_id, name, unit, role, inspections_led, inspections_joined,
--   enterprises_inspected, hazards_found_weighted, hazards_due, hazards_pending,
--   hazards_followed_through, follow_through_rate, cases_handled, working_days,
--   complete_days, worklog_completeness
with active_staff as (
    select
        staff_id,
        name,
        unit,
        role
    from staff
    where active
),

quarter_inspections as (
    select
        inspection_id,
        enterprise_id,
        lead_staff_id,
        staff_ids
    from inspections
    where date between $start and $as_of
),

inspection_leads as (
    select
        inspection_id,
        lead_staff_id
    from inspections
),

recent_inspections as (
    select
        enterprise_id,
        lead_staff_id
    from inspections
    where date between cast($start - interval 3 month as date) and $as_of
),

-- One row per (inspection, participant): the lead and everyone in staff_ids, each once
-- (the schema macro inspection_participants, which the supervision-quality signals use
-- too), so the counts below need no distinct over inspections.
participants as (
    select
        enterprise_id,
        lead_staff_id,
        staff_id
    from inspection_participants($start, $as_of)
),

all_hazards as (
    select
        hazard_id,
        inspection_id,
        found_date,
        level,
        is_due,
        followed_through,
        pending
    from follow_through($start, $as_of, $follow_through_grace_days)
),

quarter_cases as (
    select
        case_id,
        enterprise_id
    from cases
    where filed_date between $start and $as_of
),

participant_enterprises as (
    select
        staff_id,
        enterprise_id,
        count(*) filter (where staff_id = lead_staff_id) as led,
        count(*) filter (where staff_id <> lead_staff_id) as joined
    from participants
    group by staff_id, enterprise_id
),

inspection_counts as (
    select
        staff_id,
        sum(led)::bigint as inspections_led,
        sum(joined)::bigint as inspections_joined,
        count(*) as enterprises_inspected
    from participant_enterprises
    group by staff_id
),

hazards_found as (
    select
        i.lead_staff_id as staff_id,
        sum(case when h.level = 'major' then $major_weight else 1 end) as hazards_found_weighted
    from all_hazards as h
    join quarter_inspections as i on h.inspection_id = i.inspection_id
    where h.found_date <= $as_of
    group by i.lead_staff_id
),

-- Follow-through by the macro follow_through: a pending hazard (grace period still running
-- at T, not yet verified) neither counts for nor against the lead.
hazards_due as (
    select
        i.lead_staff_id as staff_id,
        count(*) as hazards_due,
        count(*) filter (where h.pending) as hazards_pending,
        count(*) filter (where h.followed_through) as hazards_followed_through
    from all_hazards as h
    join inspection_leads as i on h.inspection_id = i.inspection_id
    where h.is_due
    group by i.lead_staff_id
),

lead_enterprises as (
    select distinct
        lead_staff_id as staff_id,
        enterprise_id
    from recent_inspections
),

cases_handled as (
    select
        l.staff_id,
        count(distinct c.case_id) as cases_handled
    from quarter_cases as c
    join lead_enterprises as l on c.enterprise_id = l.enterprise_id
    group by l.staff_id
),

worklog_days as (
    select
        staff_id,
        count(*) as working_days,
        count(*) filter (where complete) as complete_days
    from staff_worklog_days($start, $as_of)
    group by staff_id
),

final as (
    select
        s.staff_id,
        s.name,
        s.unit,
        s.role,
        coalesce(ic.inspections_led, 0) as inspections_led,
        coalesce(ic.inspections_joined, 0) as inspections_joined,
        coalesce(ic.enterprises_inspected, 0) as enterprises_inspected,
        coalesce(hf.hazards_found_weighted, 0) as hazards_found_weighted,
        coalesce(hd.hazards_due, 0) as hazards_due,
        coalesce(hd.hazards_pending, 0) as hazards_pending,
        coalesce(hd.hazards_followed_through, 0) as hazards_followed_through,
        hd.hazards_followed_through
            / nullif(hd.hazards_due - hd.hazards_pending, 0) as follow_through_rate,
        coalesce(ch.cases_handled, 0) as cases_handled,
        coalesce(wl.working_days, 0) as working_days,
        coalesce(wl.complete_days, 0) as complete_days,
        wl.complete_days / nullif(wl.working_days, 0) as worklog_completeness
    from active_staff as s
    left join inspection_counts as ic on s.staff_id = ic.staff_id
    left join hazards_found as hf on s.staff_id = hf.staff_id
    left join hazards_due as hd on s.staff_id = hd.staff_id
    left join cases_handled as ch on s.staff_id = ch.staff_id
    left join worklog_days as wl on s.staff_id = wl.staff_id
)

select *
from final
order by role, staff_id
