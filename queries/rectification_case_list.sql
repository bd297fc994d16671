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
with scoped as (
    select *
    from squadron_scoped_enterprises($towns, $departments, $industries, $squadrons)
),

filed as (
    select
        c.*,
        c.decided_date is not null and c.decided_date <= $as_of as is_decided
    from cases as c
    semi join scoped as e on c.enterprise_id = e.enterprise_id
    where c.filed_date between $start and $end
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
        e.name as enterprise_name,
        case when f.is_decided then 'decided' else 'pending' end as case_status,
        case when f.is_decided then f.measure end as measure,
        case when f.is_decided then f.penalty_amount end as penalty_amount,
        case when f.is_decided then f.decided_date end as decided_date,
        case when f.interview_date <= $as_of then f.interview_date end as interview_date,
        coalesce(f.is_decided and f.interview_date <= f.decided_date, false) as interviewed_before_decision,
        f.is_decided and (
            f.measure in ('confiscation', 'suspension', 'revocation', 'closure')
            or (f.measure = 'fine' and f.penalty_amount >= $collective_review_fine)
        ) as review_required,
        f.collective_review,
        f.hazard_id,
        h.level as hazard_level,
        h.category as hazard_category,
        e.town,
        e.squadron,
        f.enterprise_id
    from filed as f
    inner join scoped as e on f.enterprise_id = e.enterprise_id
    left join case_hazards as h on f.hazard_id = h.hazard_id
)

select *
from final
order by filed_date, case_id
