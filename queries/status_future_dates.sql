-- purpose: the data-quality status (数据质量): dates after $written_on (the day the warehouse
--   was last written), which cannot be real records yet: per table and date column how many,
--   and the five latest as examples (the record's id and the date). A hazard's deadline may
--   lie ahead and is not checked.
-- params: $written_on
-- columns: table_name, column_name, future_count, examples
with enterprise_dates as (
    -- Each table's record id and its date columns (a map from column name to date), so that
    -- turning them into one row per date is written once (dated, below).
    select
        'enterprises' as table_name,
        enterprise_id as record_id,
        map {'listed_since': listed_since} as dates
    from enterprises
),

inspection_dates as (
    select
        'inspections' as table_name,
        inspection_id as record_id,
        map {'date': date} as dates
    from inspections
),

hazard_dates as (
    select
        'hazards' as table_name,
        hazard_id as record_id,
        map {
            'found_date': found_date,
            'rectified_date': rectified_date,
            'verified_date': verified_date,
            'reminder_date': reminder_date,
            'order_date': order_date
        } as dates
    from hazards
),

case_dates as (
    select
        'cases' as table_name,
        case_id as record_id,
        map {
            'filed_date': filed_date,
            'interview_date': interview_date,
            'decided_date': decided_date
        } as dates
    from cases
),

tipoff_dates as (
    select
        'tipoffs' as table_name,
        tipoff_id as record_id,
        map {
            'received_date': received_date,
            'closed_date': closed_date
        } as dates
    from tipoffs
),

worklog_dates as (
    select
        'worklogs' as table_name,
        staff_id || ' ' || strftime(date, '%Y-%m-%d') as record_id,
        map {'date': date} as dates
    from worklogs
),

all_dates as (
    select * from enterprise_dates
    union all
    select * from inspection_dates
    union all
    select * from hazard_dates
    union all
    select * from case_dates
    union all
    select * from tipoff_dates
    union all
    select * from worklog_dates
),

dated as (
    select
        table_name,
        record_id,
        unnest(map_keys(dates)) as column_name,
        unnest(map_values(dates)) as value_date
    from all_dates
),

final as (
    select
        table_name,
        column_name,
        count(*) as future_count,
        list(
            {'id': record_id, 'date': value_date}
            order by value_date desc, record_id
        )[1:5] as examples
    from dated
    where value_date > $written_on
    group by table_name, column_name
    order by table_name, column_name
)

select *
from final
