-- purpose: the data-quality status (数据质量): per canonical table its rows and the first and
--   last day of its own date column (inspections.date, hazards.found_date, cases.filed_date,
--   tipoffs.received_date, worklogs.date; none for grids, enterprises and staff).
-- params: (none)
-- columns: table_name, date_column, row_count, first_date, last_date
with grid_rows as (
    select
        'grids' as table_name,
        null as date_column,
        count(*) as row_count,
        null::date as first_date,
        null::date as last_date
    from grids
),

enterprise_rows as (
    select
        'enterprises' as table_name,
        null as date_column,
        count(*) as row_count,
        null::date as first_date,
        null::date as last_date
    from enterprises
),

staff_rows as (
    select
        'staff' as table_name,
        null as date_column,
        count(*) as row_count,
        null::date as first_date,
        null::date as last_date
    from staff
),

inspection_rows as (
    select
        'inspections' as table_name,
        'date' as date_column,
        count(*) as row_count,
        min(date) as first_date,
        max(date) as last_date
    from inspections
),

hazard_rows as (
    select
        'hazards' as table_name,
        'found_date' as date_column,
        count(*) as row_count,
        min(found_date) as first_date,
        max(found_date) as last_date
    from hazards
),

case_rows as (
    select
        'cases' as table_name,
        'filed_date' as date_column,
        count(*) as row_count,
        min(filed_date) as first_date,
        max(filed_date) as last_date
    from cases
),

tipoff_rows as (
    select
        'tipoffs' as table_name,
        'received_date' as date_column,
        count(*) as row_count,
        min(received_date) as first_date,
        max(received_date) as last_date
    from tipoffs
),

worklog_rows as (
    select
        'worklogs' as table_name,
        'date' as date_column,
        count(*) as row_count,
        min(date) as first_date,
        max(date) as last_date
    from worklogs
),

final as (
    select * from grid_rows
    union all
    select * from enterprise_rows
    union all
    select * from staff_rows
    union all
    select * from inspection_rows
    union all
    select * from hazard_rows
    union all
    select * from case_rows
    union all
    select * from tipoff_rows
    union all
    select * from worklog_rows
)

select
    table_name,
    date_column,
    row_count,
    first_date,
    last_date
from final
