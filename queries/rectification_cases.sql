-- purpose: cases filed in the period: decided by $as_of, interviewed before the
--   decision (约谈), collective review (集体会审) where required (a fine of at least
--   $collective_review_fine, confiscation, suspension, revocation or closure), penalties.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $squadrons,
--   $collective_review_fine
-- columns: filed, decided, pending, interviewed_before_decision, interview_rate,
--   review_required, reviewed_where_required, review_rate, penalty_total
with filed as (
    select *
    from filed_cases(
        $start, $end, $as_of, $towns, $departments, $industries, $squadrons,
        review_fine := $collective_review_fine
    )
),

final as (
    select
        count(*) as filed,
        count(*) filter (where is_decided) as decided,
        count(*) filter (where not is_decided) as pending,
        count(*) filter (where interviewed_before_decision) as interviewed_before_decision,
        count(*) filter (where interviewed_before_decision)
            / nullif(count(*) filter (where is_decided), 0) as interview_rate,
        count(*) filter (where review_required) as review_required,
        count(*) filter (where review_required and collective_review) as reviewed_where_required,
        count(*) filter (where review_required and collective_review)
            / nullif(count(*) filter (where review_required), 0) as review_rate,
        coalesce(sum(penalty_amount) filter (where is_decided), 0)::double as penalty_total
    from filed
)

select *
from final
