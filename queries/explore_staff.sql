-- purpose: the question builder's staff dataset (数据探索): one row per staff member
--   (staff belong to squadrons, not enterprises, so the town scope does not apply).
-- params: (none)
-- columns: staff_id, staff_name, unit, role, certified, active
with all_staff as (
    select *
    from staff
),

final as (
    select
        staff_id,
        name as staff_name,
        unit,
        role,
        certified,
        active
    from all_staff
)

select *
from final
