-- purpose: which of the records the risk model can use a warehouse holds by $as_of, as
--   counts (0: not recorded, so the features built on it are left out rather than read
--   as zero): enterprises with employees, with a major-hazard-source flag, with an
--   industry; enterprises under listed supervision by then; tip-offs naming an
--   enterprise and cases filed by then; hazards found and inspections by then.
-- params: $as_of
-- columns: employees, major_hazard_source, industry, listed, tipoffs, cases, hazards, inspections
with enterprise_counts as (
    select
        count(employees) as employees,
        count(major_hazard_source) as major_hazard_source,
        count(industry) as industry,
        count(*) filter (where listed_since <= $as_of) as listed
    from enterprises
),

final as (
    select
        ec.employees,
        ec.major_hazard_source,
        ec.industry,
        ec.listed,
        (select count(*) from tipoffs where enterprise_id is not null and received_date <= $as_of) as tipoffs,
        (select count(*) from cases where filed_date <= $as_of) as cases,
        (select count(*) from hazards where found_date <= $as_of) as hazards,
        (select count(*) from inspections where date <= $as_of) as inspections
    from enterprise_counts as ec
)

select *
from final
