-- purpose: which fields the data records, for "not recorded is not zero" (DESIGN.md): a
--   field is recorded when at least one row of its table holds a value, a table when it
--   holds any row. Judged over the whole warehouse, not the filters: a field an export never
--   carried is empty everywhere, while a town where nothing was verified yet has a real 0%.
--   gridwatch/metrics.py turns a figure whose field is not recorded into null with the
--   reason, on every page and export.
-- params: (none)
-- columns: inspections, grids, grids_population, hazards_deadline, hazards_rectification,
--   hazards_rectified_date, hazards_verified_date, hazards_five, cases_interview_date,
--   cases_collective_review, tipoffs_verified
with hazard_fields as (
    select
        coalesce(bool_or(deadline is not null), false) as hazards_deadline,
        coalesce(bool_or(rectified_date is not null or rectified is not null or verified_date is not null),
                 false) as hazards_rectification,
        coalesce(bool_or(rectified_date is not null), false) as hazards_rectified_date,
        coalesce(bool_or(verified_date is not null), false) as hazards_verified_date,
        coalesce(bool_or(coalesce(responsibility, measures, funds, time_limit, plan) is not null), false)
            as hazards_five
    from valid_hazards()
),

case_fields as (
    select
        coalesce(bool_or(interview_date is not null), false) as cases_interview_date,
        coalesce(bool_or(collective_review is not null), false) as cases_collective_review
    from cases
),

tipoff_fields as (
    select coalesce(bool_or(verified is not null), false) as tipoffs_verified
    from tipoffs
),

final as (
    select
        exists (select 1 from inspections) as inspections,
        exists (select 1 from grids) as grids,
        exists (select 1 from grids where population is not null) as grids_population,
        hf.hazards_deadline,
        hf.hazards_rectification,
        hf.hazards_rectified_date,
        hf.hazards_verified_date,
        hf.hazards_five,
        cf.cases_interview_date,
        cf.cases_collective_review,
        tf.tipoffs_verified
    from hazard_fields as hf
    cross join case_fields as cf
    cross join tipoff_fields as tf
)

select *
from final
