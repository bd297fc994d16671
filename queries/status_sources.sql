-- purpose: the data-quality status (数据质量): freshness per source, i.e. per table and imported
--   file (and sheet) its latest import with that import's counts, and how often it was imported.
-- params: (none)
-- columns: table_name, file, sheet, import_id, imported_at, rows_read, rows_loaded, rows_rejected,
--   rows_warned, imports
with log as (
    select *
    from import_log
    where table_name is not null
),

ranked as (
    select
        *,
        row_number() over (
            partition by table_name, file, coalesce(sheet, '')
            order by imported_at desc, import_id desc
        ) as recency,
        count(*) over (partition by table_name, file, coalesce(sheet, '')) as imports
    from log
),

final as (
    select
        table_name,
        file,
        sheet,
        import_id,
        imported_at,
        rows_read,
        rows_loaded,
        rows_rejected,
        rows_warned,
        imports
    from ranked
    where recency = 1
    order by table_name, imported_at desc, file, sheet
)

select *
from final
