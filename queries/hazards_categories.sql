-- purpose: the hazard categories present in the warehouse, for the category filter.
-- params: (none)
-- columns: category
with categories as (
    select distinct category
    from hazards
),

final as (
    select category
    from categories
)

select *
from final
order by category
