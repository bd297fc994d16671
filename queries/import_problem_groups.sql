-- purpose: the problems of one import grouped as a clerk reads them: one line per file, sheet,
--   table, severity, column and reason, with how many rows, the first five rows, the first
--   row's value and detail, and how many distinct values the group holds; rejections first,
--   then warnings on rows, then columns a file lacks
-- params: $import_id
-- columns: file, sheet, table_name, severity, column_name, header, code, count, rows, value,
--   values, detail
with problems as (
    select *
    from quarantine
    where import_id = $import_id
),

final as (
    select
        file,
        sheet,
        table_name,
        severity,
        column_name,
        any_value(header) as header,
        code,
        count(*) as count,
        list(row_number order by row_number) filter (where row_number is not null)[1:5] as rows,
        arg_min(value, coalesce(row_number, 0)) as value,
        count(distinct value) as "values",
        arg_min(detail, coalesce(row_number, 0)) as detail
    from problems
    group by
        file,
        sheet,
        table_name,
        severity,
        column_name,
        code
    order by
        case severity when 'error' then 0 else 1 end,
        min(row_number) is null,
        file,
        sheet,
        min(row_number),
        column_name,
        code
)

select *
from final
