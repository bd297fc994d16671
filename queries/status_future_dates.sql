-- purpose: the data-quality status (数据质量): dates after $written_on (the day the warehouse
--   was last written), which cannot be real records yet: per table and date column how many,
--   and the five latest as examples (the record's id and the date). A hazard's deadline may
--   lie ahead and is not checked.
-- params: $written_on
-- columns: table_name, column_name, future_count, examples
with enterprise_dates as (
    select
        'enterprises' as table_name,
        column_name,
        record_id,
        value_date
    from (
        unpivot (
            select
                enterprise_id as record_id,
                listed_since
            from enterprises
        )
        on listed_since
        into name column_name value value_date
    )
),

inspection_dates as (
    select
        'inspections' as table_name,
        column_name,
        record_id,
        value_date
    from (
        unpivot (
            select
                inspection_id as record_id,
                date
            from inspections
        )
        on date
        into name column_name value value_date
    )
),

hazard_dates as (
    select
        'hazards' as table_name,
        column_name,
        record_id,
        value_date
    from (
        unpivot (
            select
                hazard_id as record_id,
                found_date,
                rectified_date,
                verified_date,
                reminder_date,
                order_date
            from hazards
        )
        on found_date, rectified_date, verified_date, reminder_date, order_date
        into name column_name value value_date
    )
),

case_dates as (
    select
        'cases' as table_name,
        column_name,
        record_id,
        value_date
    from (
        unpivot (
            select
                case_id as record_id,
                filed_date,
                interview_date,
                decided_date
            from cases
        )
        on filed_date, interview_date, decided_date
        into name column_name value value_date
    )
),

tipoff_dates as (
    select
        'tipoffs' as table_name,
        column_name,
        record_id,
        value_date
    from (
        unpivot (
            select
                tipoff_id as record_id,
                received_date,
                closed_date
            from tipoffs
        )
        on received_date, closed_date
        into name column_name value value_date
    )
),

worklog_dates as (
    select
        'worklogs' as table_name,
        'date' as column_name,
        staff_id || ' ' || strftime(date, '%Y-%m-%d') as record_id,
        date as value_date
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

final as (
    select
        table_name,
        column_name,
        count(*) as future_count,
        list(
            {'id': record_id, 'date': value_date}
            order by value_date desc, record_id
        )[1:5] as examples
    from all_dates
    where value_date > $written_on
    group by table_name, column_name
    order by table_name, column_name
)

select *
from final
