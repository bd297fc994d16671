-- purpose: the case list (立案处罚) behind rectification_cases: every case filed in the
--   period on an enterprise in scope, with its enterprise, the hazard it was filed on,
--   the interview (约谈), collective review (集体会审), decision, measure and penalty.
--   What happens after $as_of has not happened yet: a later interview or decision reads
--   as none, and the measure and penalty of a case not decided by $as_of are not shown.
--   review_required and interviewed_before_decision follow rectification_cases.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $squadrons,
--   $collective_review_fine
-- columns: case_id, filed_date, enterprise_name, case_status, measure, penalty_amount,
--   decided_date, interview_date, interviewed_before_decision, review_required,
--   collective_review, hazard_id, hazard_level, hazard_category, town, squadron,
--   enterprise_id
with filed as (
    select *
    from filed_cases(
        $start, $end, $as_of, $towns, $departments, $industries, $squadrons,
        review_fine := $collective_review_fine
    )
),

case_hazards as (
    select
        hazard_id,
        level,
        category
    from hazards
),

final as (
    select
        f.case_id,
        f.filed_date,
        f.enterprise_name,
        case when f.is_decided then 'decided' else 'pending' end as case_status,
        case when f.is_decided then f.measure end as measure,
        case when f.is_decided then f.penalty_amount end as penalty_amount,
        case when f.is_decided then f.decided_date end as decided_date,
        case when f.interview_date <= $as_of then f.interview_date end as interview_date,
        f.interviewed_before_decision,
        f.review_required,
        f.collective_review,
        f.hazard_id,
        h.level as hazard_level,
        h.category as hazard_category,
        f.town,
        f.squadron,
        f.enterprise_id
    from filed as f
    left join case_hazards as h on f.hazard_id = h.hazard_id
)

select *
from final
order by filed_date, case_id
