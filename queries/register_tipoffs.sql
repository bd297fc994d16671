-- purpose: tip-offs (举报) about one enterprise received up to $as_of, newest first.
-- params: $enterprise_id, $as_of
-- columns: tipoff_id, received_date, verified, closed_date, reward_amount
with enterprise_tipoffs as (
    select *
    from tipoffs
    where enterprise_id = $enterprise_id
      and received_date <= $as_of
),

final as (
    select
        tipoff_id,
        received_date,
        verified,
        case when closed_date <= $as_of then closed_date end as closed_date,
        reward_amount
    from enterprise_tipoffs
)

select *
from final
order by received_date desc, tipoff_id desc
