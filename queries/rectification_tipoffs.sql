-- purpose: tip-offs (举报) received in the period: verified, linked to a tip-off
--   inspection of the named enterprise between receipt and $as_of, closed by $as_of,
--   rewards paid. Town filter by the tip-off's town; the other filters need a named
--   enterprise.
-- params: $start, $end, $as_of, $towns, $departments, $industries, $squadrons
-- columns: received, verified, linked_to_inspection, closed, still_open, rewarded,
--   reward_total
with scoped as (
    select *
    from squadron_scoped_enterprises([], $departments, $industries, $squadrons)
),

received as (
    select t.*
    from tipoffs as t
    where t.received_date between $start and $end
      and (len($towns) = 0 or list_contains($towns, t.town))
      and (
          (len($departments) = 0 and len($industries) = 0 and len($squadrons) = 0)
          or t.enterprise_id in (select enterprise_id from scoped)
      )
),

checks as (
    select
        enterprise_id,
        date
    from inspections
    where type = 'tipoff'
      and date <= $as_of
),

flagged as (
    select
        r.*,
        exists (
            select 1
            from checks as c
            where c.enterprise_id = r.enterprise_id
              and c.date >= r.received_date
        ) as linked,
        r.closed_date is not null and r.closed_date <= $as_of as is_closed
    from received as r
),

final as (
    select
        count(*) as received,
        count(*) filter (where verified) as verified,
        count(*) filter (where linked) as linked_to_inspection,
        count(*) filter (where is_closed) as closed,
        count(*) filter (where not is_closed) as still_open,
        count(*) filter (where reward_amount > 0) as rewarded,
        coalesce(sum(reward_amount), 0)::double as reward_total
    from flagged
)

select *
from final
