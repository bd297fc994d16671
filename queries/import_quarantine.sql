-- purpose: the quarantine of the latest import: every rejected row's problems (and warnings), in file order
-- params: (none)
-- columns: import_id, file, sheet, table_name, row_number, severity, column_name, header, value, code, detail
with log as (
    select
        import_id,
        imported_at
    from import_log
),
latest as (
    select import_id
    from log
    order by imported_at desc
    limit 1
),
quarantined as (
    select *
    from quarantine
),
final as (
    select
        q.import_id,
        q.file,
        q.sheet,
        q.table_name,
        q.row_number,
        q.severity,
        q.column_name,
        q.header,
        q.value,
        q.code,
        q.detail
    from quarantined as q
    join latest as l on l.import_id = q.import_id
    order by q.file, q.sheet, q.severity, q.row_number, q.column_name
    limit 5000
)
select * from final
