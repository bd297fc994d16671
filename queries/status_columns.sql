-- purpose: the data-quality status (数据质量): per canonical table and column how many rows
--   record it (not null), in the schema's column order, with the column's type and whether
--   the schema gives it a default (a default hides a column that was never imported).
-- params: (none)
-- columns: table_name, column_name, data_type, has_default, row_count, non_null
with grid_counts as (
    select
        'grids' as table_name,
        column_name,
        non_null,
        (select count(*) from grids) as row_count
    from (unpivot (select count(columns(*)) from grids) on columns(*) into name column_name value non_null)
),

enterprise_counts as (
    select
        'enterprises' as table_name,
        column_name,
        non_null,
        (select count(*) from enterprises) as row_count
    from (unpivot (select count(columns(*)) from enterprises) on columns(*) into name column_name value non_null)
),

staff_counts as (
    select
        'staff' as table_name,
        column_name,
        non_null,
        (select count(*) from staff) as row_count
    from (unpivot (select count(columns(*)) from staff) on columns(*) into name column_name value non_null)
),

inspection_counts as (
    select
        'inspections' as table_name,
        column_name,
        non_null,
        (select count(*) from inspections) as row_count
    from (unpivot (select count(columns(*)) from inspections) on columns(*) into name column_name value non_null)
),

hazard_counts as (
    select
        'hazards' as table_name,
        column_name,
        non_null,
        (select count(*) from hazards) as row_count
    from (unpivot (select count(columns(*)) from hazards) on columns(*) into name column_name value non_null)
),

case_counts as (
    select
        'cases' as table_name,
        column_name,
        non_null,
        (select count(*) from cases) as row_count
    from (unpivot (select count(columns(*)) from cases) on columns(*) into name column_name value non_null)
),

tipoff_counts as (
    select
        'tipoffs' as table_name,
        column_name,
        non_null,
        (select count(*) from tipoffs) as row_count
    from (unpivot (select count(columns(*)) from tipoffs) on columns(*) into name column_name value non_null)
),

worklog_counts as (
    select
        'worklogs' as table_name,
        column_name,
        non_null,
        (select count(*) from worklogs) as row_count
    from (unpivot (select count(columns(*)) from worklogs) on columns(*) into name column_name value non_null)
),

schema_columns as (
    select
        table_name,
        column_name,
        column_index,
        data_type,
        column_default is not null as has_default
    from duckdb_columns()
    where database_name = current_database()
      and schema_name = 'main'
),

counts as (
    select * from grid_counts
    union all
    select * from enterprise_counts
    union all
    select * from staff_counts
    union all
    select * from inspection_counts
    union all
    select * from hazard_counts
    union all
    select * from case_counts
    union all
    select * from tipoff_counts
    union all
    select * from worklog_counts
),

final as (
    select
        c.table_name,
        c.column_name,
        s.data_type,
        s.has_default,
        c.row_count,
        c.non_null
    from counts as c
    join schema_columns as s
        on s.table_name = c.table_name
        and s.column_name = c.column_name
    order by c.table_name, s.column_index
)

select *
from final
