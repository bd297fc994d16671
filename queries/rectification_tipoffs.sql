-- purpose: tip-offs (举报) received in the period: verified, linked to a tip-off
--   inspection of the named enterprise between receipt and $as_of, closed by $as_of,
--   rewards paid. Scope (macro scoped_tipoffs): a tip-off naming an enterprise follows
--   that enterprise; one naming none follows its own town. The rows behind these figures
--   are rectification_tipoff_ledger.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $squadrons
-- columns: received, verified, linked_to_inspection, closed, still_open, rewarded,
--   reward_total
with received as (
    select *
    from received_tipoffs($start, $end, $as_of, $towns, $departments, $industries, $squadrons)
),

final as (
    select
        count(*) as received,
        count(*) filter (where verified) as verified,
        count(*) filter (where linked_inspection_id is not null) as linked_to_inspection,
        count(*) filter (where is_closed) as closed,
        count(*) filter (where not is_closed) as still_open,
        count(*) filter (where reward_amount > 0) as rewarded,
        coalesce(sum(reward_amount), 0)::double as reward_total
    from received
)

select *
from final
