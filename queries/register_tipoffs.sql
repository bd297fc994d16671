-- purpose: tip-offs (举报) about one enterprise received up to $as_of, newest first.
--   Nothing when the enterprise is not of the towns $towns (the user's town scope; empty: all).
-- params: $enterprise_id, $as_of, $towns
-- columns: tipoff_id, received_date, verified, closed_date, reward_amount
with scoped_enterprise as (
    select enterprise_id
    from scoped_enterprises($towns, [], [])
    where enterprise_id = $enterprise_id
),

enterprise_tipoffs as (
    select *
    from tipoffs
    semi join scoped_enterprise using (enterprise_id)
    where received_date <= $as_of
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
