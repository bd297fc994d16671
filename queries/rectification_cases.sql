-- purpose: cases filed in the period: decided by $as_of, interviewed before the
--   decision (约谈), collective review (集体会审) where required (a fine of at least
--   $collective_review_fine, confiscation, suspension, revocation or closure), penalties.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $squadrons,
--   $collective_review_fine
-- columns: filed, decided, pending, interviewed_before_decision, interview_rate,
--   review_required, reviewed_where_required, review_rate, penalty_total
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

flagged as (
    select
        *,
        is_decided and interview_date <= decided_date as interviewed,
        is_decided and (
            measure in ('confiscation', 'suspension', 'revocation', 'closure')
            or (measure = 'fine' and penalty_amount >= $collective_review_fine)
        ) as needs_review
    from filed
),

final as (
    select
        count(*) as filed,
        count(*) filter (where is_decided) as decided,
        count(*) filter (where not is_decided) as pending,
        count(*) filter (where interviewed) as interviewed_before_decision,
        count(*) filter (where interviewed) / nullif(count(*) filter (where is_decided), 0)
            as interview_rate,
        count(*) filter (where needs_review) as review_required,
        count(*) filter (where needs_review and collective_review) as reviewed_where_required,
        count(*) filter (where needs_review and collective_review)
            / nullif(count(*) filter (where needs_review), 0) as review_rate,
        coalesce(sum(penalty_amount) filter (where is_decided), 0)::double as penalty_total
    from flagged
)

select *
from final
