-- purpose: the question builder's hazards dataset (数据探索): every hazard found by
--   $as_of at an enterprise in the filters' scope, with its status as of $as_of (macro
--   hazard_status: dates that contradict the finding emptied, dates after $as_of not yet
--   happened and shown empty). The rate measures average its flags: is_rectified (the
--   rectification rate over rows found in a period), on_time (the on-time rate over rows due
--   in a period; empty when not yet due or rectified without a date).
-- params: $as_of, $towns, $departments, $industries
-- columns: hazard_id, enterprise_id, enterprise_name, industry, town, department,
--   squadron, risk_level, found_date, hazard_level, category, item, description, deadline,
--   rectified_date, verified_date, hazard_status, is_rectified, rectified_date_unknown,
--   is_overdue, on_time, days_overdue, funds_amount
with scoped as (
    select *
    from scoped_enterprises($towns, $departments, $industries)
),

statuses as (
    select *
    from hazard_status($as_of)
),

final as (
    select
        h.hazard_id,
        h.enterprise_id,
        e.name as enterprise_name,
        e.industry,
        e.town,
        e.department,
        e.squadron,
        e.risk_level,
        h.found_date,
        h.level as hazard_level,
        h.category,
        h.item,
        h.description,
        h.deadline,
        h.rectified_on as rectified_date,
        case when h.is_verified then h.verified_date end as verified_date,
        h.status as hazard_status,
        h.is_rectified,
        h.rectified_date_unknown,
        h.is_overdue,
        h.on_time,
        h.days_overdue,
        h.funds_amount
    from statuses as h
    inner join scoped as e on h.enterprise_id = e.enterprise_id
)

select *
from final
