-- purpose: the data-quality status (数据质量): columns whose schema default fills what an export
--   did not record (staff.active, the work logs' two flags), never recorded by any import: every
--   import of the table that loaded rows since its last replace lacked the column (a
--   missing_column warning). Rows then hold the default, not a record. Listed only when the
--   table's rows all came from those imports: no demo rows ($is_demo false) or a replace among them.
-- params: $is_demo
-- columns: table_name, column_name, imports
with defaulted as (
    select
        table_name,
        column_name
    from duckdb_columns()
    where database_name = current_database()
      and schema_name = 'main'
      and column_default is not null
      and table_name in ('grids', 'enterprises', 'staff', 'inspections', 'hazards', 'cases', 'tipoffs', 'worklogs')
),

log as (
    select
        import_id,
        table_name,
        file,
        coalesce(sheet, '') as sheet_key,
        imported_at,
        mode
    from import_log
    where table_name is not null
      and rows_loaded > 0
),

lacking as (
    select distinct
        import_id,
        file,
        coalesce(sheet, '') as sheet_key,
        column_name
    from quarantine
    where code = 'missing_column'
),

last_replace as (
    select
        table_name,
        max(imported_at) as replaced_at
    from log
    where mode = 'replace'
    group by table_name
),

considered as (
    select
        l.*,
        r.replaced_at
    from log as l
    left join last_replace as r on r.table_name = l.table_name
    where r.replaced_at is null
       or l.imported_at >= r.replaced_at
),

final as (
    select
        d.table_name,
        d.column_name,
        count(*) as imports
    from defaulted as d
    join considered as c on c.table_name = d.table_name
    left join lacking as q
        on q.import_id = c.import_id
        and q.file = c.file
        and q.sheet_key = c.sheet_key
        and q.column_name = d.column_name
    group by d.table_name, d.column_name
    having count(*) = count(q.column_name)
       and (not $is_demo or bool_or(c.replaced_at is not null))
    order by d.table_name, d.column_name
)

select *
from final
