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
    from scoped_tipoffs($towns, $departments, $industries, $squadrons)
    where received_date between $start and $end
),

checks as (
    select
        inspection_id,
        enterprise_id,
        date
    from inspections
    where type = 'tipoff'
      and date <= $as_of
),

linked as (
    select
        r.tipoff_id,
        c.inspection_id,
        c.date
    from received as r
    inner join checks as c
        on c.enterprise_id = r.enterprise_id
        and c.date >= r.received_date
    qualify row_number() over (partition by r.tipoff_id order by c.date, c.inspection_id) = 1
),

final as (
    select
        r.tipoff_id,
        r.received_date,
        r.town,
        r.enterprise_name,
        r.verified,
        case when r.closed_date <= $as_of then 'closed' else 'open' end as tipoff_status,
        case when r.closed_date <= $as_of then r.closed_date end as closed_date,
        case
            when r.closed_date <= $as_of then date_diff('day', r.received_date, r.closed_date)
        end as days_to_close,
        l.inspection_id as linked_inspection_id,
        l.date as linked_inspection_date,
        r.reward_amount,
        r.enterprise_id
    from received as r
    left join linked as l on r.tipoff_id = l.tipoff_id
)

select *
from final
order by received_date, tipoff_id
