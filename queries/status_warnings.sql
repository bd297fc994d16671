-- purpose: the data-quality status (数据质量): the problems the latest import of each file (and
--   sheet) reported, grouped by kind (table, severity, code, column) with how many, the files,
--   and the first five as examples (file, row as the file shows it, value).
-- params: (none)
-- columns: table_name, severity, code, column_name, header, detail, problems, files, examples
with log as (
    select
        import_id,
        file,
        coalesce(sheet, '') as sheet_key,
        imported_at
    from import_log
),

quarantined as (
    select
        *,
        coalesce(sheet, '') as sheet_key
    from quarantine
),

latest as (
    select
        file,
        sheet_key,
        arg_max(import_id, imported_at) as import_id
    from log
    group by file, sheet_key
),

current_problems as (
    select q.*
    from quarantined as q
    join latest as l
        on l.import_id = q.import_id
        and l.file = q.file
        and l.sheet_key = q.sheet_key
),

final as (
    select
        table_name,
        severity,
        code,
        column_name,
        min(header) as header,
        min(detail) as detail,
        count(*) as problems,
        list(distinct file order by file) as files,
        list(
            {'file': file, 'row': row_number, 'value': value}
            order by file, row_number nulls first
        )[1:5] as examples
    from current_problems
    group by table_name, severity, code, column_name
    order by severity, problems desc, table_name, code, column_name
)

select *
from final
