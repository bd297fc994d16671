-- purpose: the tip-off ledger (举报台账) behind rectification_tipoffs: every tip-off
--   received in the period within scope (macro scoped_tipoffs), with the enterprise it
--   names, whether it was verified (null: not recorded), the first tip-off inspection
--   of that enterprise from the receipt to $as_of (the "linked" inspection), when it was
--   closed (a closing after $as_of reads as still open), days from receipt to closing,
--   and the reward.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $squadrons
-- columns: tipoff_id, received_date, town, enterprise_name, verified, tipoff_status,
--   closed_date, days_to_close, linked_inspection_id, linked_inspection_date,
--   reward_amount, enterprise_id
with received as (
    select *
    from received_tipoffs($start, $end, $as_of, $towns, $departments, $industries, $squadrons)
),

final as (
    select
        tipoff_id,
        received_date,
        town,
        enterprise_name,
        verified,
        case when is_closed then 'closed' else 'open' end as tipoff_status,
        closed_on as closed_date,
        case when is_closed then date_diff('day', received_date, closed_on) end as days_to_close,
        linked_inspection_id,
        linked_inspection_date,
        reward_amount,
        enterprise_id
    from received
)

select *
from final
order by received_date, tipoff_id
