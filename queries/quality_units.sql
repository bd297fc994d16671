-- purpose: the units (squadrons and sections) staff belong to: the choices of the
--   supervision-quality page's unit filter and what `gridwatch signals --unit` accepts.
-- params: (none)
-- columns: unit
with units as (
    select distinct unit
    from staff
    where unit is not null
),

final as (
    select unit
    from units
)

select *
from final
order by unit
