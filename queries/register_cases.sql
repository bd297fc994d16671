-- purpose: one enterprise's cases filed up to $as_of (interview 约谈, collective review
--   集体讨论, decision and penalty), newest first; dates after $as_of not yet happened.
--   Nothing when the enterprise is not of the towns $towns (the user's town scope; empty: all).
-- params: $enterprise_id, $as_of, $towns
-- columns: case_id, hazard_id, filed_date, interview_date, collective_review,
--   decided_date, measure, penalty_amount
with scoped_enterprise as (
    select enterprise_id
    from scoped_enterprises($towns, [], [])
    where enterprise_id = $enterprise_id
),

enterprise_cases as (
    select *
    from cases
    semi join scoped_enterprise using (enterprise_id)
    where filed_date <= $as_of
),

final as (
    select
        case_id,
        hazard_id,
        filed_date,
        case when interview_date <= $as_of then interview_date end as interview_date,
        collective_review,
        case when decided_date <= $as_of then decided_date end as decided_date,
        case when decided_date <= $as_of then measure end as measure,
        case when decided_date <= $as_of then penalty_amount end as penalty_amount
    from enterprise_cases
)

select *
from final
order by filed_date desc, case_id desc
