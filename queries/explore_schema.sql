-- purpose: the SQL console's schema browser (数据探索): every column of every table of
--   the warehouse with its type (columns in table order), but for demo_keys, the writer's
--   own record of which rows the demo built (warehouse.mark_demo_rows).
-- params: (none)
-- columns: table_name, column_name, data_type
with warehouse_columns as (
    select *
    from duckdb_columns()
    where database_name = current_database()
      and schema_name = 'main'
      and table_name <> 'demo_keys'
),

final as (
    select
        table_name,
        column_name,
        data_type
    from warehouse_columns
    order by table_name, column_index
)

select *
from final
