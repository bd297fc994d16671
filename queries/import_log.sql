-- purpose: the import log, newest first: one line per imported file and sheet with its counts
-- params: (none)
-- columns: import_id, imported_at, file, sheet, table_name, encoding, mode, rows_read, rows_loaded, rows_rejected, rows_warned, sha256
with log as (
    select *
    from import_log
),
final as (
    select
        import_id,
        imported_at,
        file,
        sheet,
        table_name,
        encoding,
        mode,
        rows_read,
        rows_loaded,
        rows_rejected,
        rows_warned,
        sha256
    from log
    order by imported_at desc, file, sheet
    limit 500
)
select * from final
