-- purpose: which fields the data records, for "not recorded is not zero" (DESIGN.md): the
--   schema macro recorded_fields (whole warehouse, never the filters), whose rule the
--   supervision-quality signals read too; here the fields the metric layer's figures
--   need. gridwatch/metrics.py turns a figure whose field is not recorded into null with the
--   reason, on every page and export.
-- params: (none)
-- columns: inspections, grids, grids_population, grids_staff, hazards_deadline, hazards_rectification,
--   hazards_rectified_date, hazards_verified_date, hazards_five, cases_interview_date,
--   cases_collective_review, tipoffs_verified
with fields as (
    select *
    from recorded_fields()
),

final as (
    select
        inspections,
        grids,
        grids_population,
        grids_staff,
        hazards_deadline,
        hazards_rectification,
        hazards_rectified_date,
        hazards_verified_date,
        hazards_five,
        cases_interview_date,
        cases_collective_review,
        tipoffs_verified
    from fields
)

select *
from final
