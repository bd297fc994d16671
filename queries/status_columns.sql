-- purpose: the data-quality status (数据质量): per canonical table and column how many rows
--   record it (not null), in the schema's column order, with the column's type and whether
--   the schema gives it a default (a default hides a column that was never imported).
-- params: (none)
-- columns: table_name, column_name, data_type, has_default, row_count, non_null
with table_counts as (
    -- One row per canonical table (an aggregate without group by: an empty table too) with its
    -- rows and, per column, the rows that record it; union by name lines the tables up, and
    -- the unpivot below turns them into one row per column, written once for every table.
    select 'grids' as table_name, count(*) as row_count, count(columns(*)) from grids
    union all by name
    select 'enterprises' as table_name, count(*) as row_count, count(columns(*)) from enterprises
    union all by name
    select 'staff' as table_name, count(*) as row_count, count(columns(*)) from staff
    union all by name
    select 'inspections' as table_name, count(*) as row_count, count(columns(*)) from inspections
    union all by name
    select 'hazards' as table_name, count(*) as row_count, count(columns(*)) from hazards
    union all by name
    select 'cases' as table_name, count(*) as row_count, count(columns(*)) from cases
    union all by name
    select 'tipoffs' as table_name, count(*) as row_count, count(columns(*)) from tipoffs
    union all by name
    select 'worklogs' as table_name, count(*) as row_count, count(columns(*)) from worklogs
),

counts as (
    select
        table_name,
        column_name,
        non_null,
        row_count
    from (
        unpivot table_counts
        on columns(* exclude (table_name, row_count))
        into name column_name value non_null
    )
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
