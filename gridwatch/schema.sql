-- The warehouse schema: the canonical tables of DESIGN.md, typed and keyed,
-- plus the macros that every query builds on. Idempotent: every write runs it, so a
-- warehouse made by an older gridwatch gains what it lacks (new tables and macros here;
-- new columns and relaxed not-null constraints through warehouse.reconcile_columns).
-- A yes/no fact that an export may not record is a nullable boolean: null is
-- "not recorded", which figures report as such instead of counting it as "no".
-- Columns added after the first release sit at the end of their table, so a fresh
-- warehouse and an upgraded one have the same column order.

create table if not exists meta (
    key varchar primary key,
    value varchar
);

create table if not exists grids (
    grid_id varchar primary key,
    level varchar not null check (level in ('town', 'village')),
    town varchar not null,
    village varchar,
    name varchar not null,
    population integer,
    geometry varchar,
    grid_staff integer
);

create table if not exists enterprises (
    enterprise_id varchar primary key,
    name varchar not null,
    credit_code varchar,
    industry varchar,
    town varchar,
    village varchar,
    department varchar,
    squadron varchar,
    grid_id varchar,
    risk_level varchar not null check (risk_level in ('red', 'orange', 'yellow', 'blue')),
    status varchar not null check (status in ('operating', 'suspended', 'closed')),
    lat double,
    lon double,
    employees integer,
    major_hazard_source boolean,
    listed_since date
);

create table if not exists staff (
    staff_id varchar primary key,
    name varchar not null,
    unit varchar not null,
    role varchar not null,
    certified boolean,
    active boolean not null default true
);

create table if not exists inspections (
    inspection_id varchar primary key,
    enterprise_id varchar not null,
    date date not null,
    type varchar not null check (type in ('routine', 'special', 'tipoff', 'listed', 'recheck', 'pre_recheck')),
    lead_staff_id varchar not null,
    staff_ids varchar,
    campaign varchar,
    checklist varchar,
    outcome varchar,
    score double
);

create table if not exists hazards (
    hazard_id varchar primary key,
    inspection_id varchar,
    enterprise_id varchar not null,
    found_date date not null,
    level varchar not null check (level in ('general', 'major')),
    category varchar not null,
    description varchar,
    deadline date,
    rectified_date date,
    verified_date date,
    reminder_date date,
    order_date date,
    responsibility boolean,
    measures boolean,
    funds boolean,
    time_limit boolean,
    plan boolean,
    funds_amount double,
    item varchar,
    rectified boolean
);

create table if not exists cases (
    case_id varchar primary key,
    enterprise_id varchar not null,
    hazard_id varchar,
    filed_date date not null,
    interview_date date,
    collective_review boolean,
    decided_date date,
    penalty_amount double,
    measure varchar check (measure in ('warning', 'fine', 'confiscation', 'suspension', 'revocation', 'closure'))
);

create table if not exists tipoffs (
    tipoff_id varchar primary key,
    received_date date not null,
    enterprise_id varchar,
    town varchar,
    verified boolean,
    closed_date date,
    reward_amount double
);

create table if not exists worklogs (
    staff_id varchar not null,
    date date not null,
    morning_plan boolean not null default false,
    evening_review boolean not null default false,
    primary key (staff_id, date)
);

-- Enterprises matching the global filters; an empty list means "no filter".
-- Every query that restricts by town, department or industry goes through here,
-- so a user's town scope (applied to $towns by the caller) reaches every figure.
create or replace macro scoped_enterprises(towns, departments, industries) as table
    select *
    from enterprises
    where (len(towns) = 0 or list_contains(towns, town))
      and (len(departments) = 0 or list_contains(departments, department))
      and (len(industries) = 0 or list_contains(industries, industry));

-- scoped_enterprises narrowed to squadrons as well (empty list: every squadron): the
-- scope of the rectification queries, which the squadron filter also reaches.
create or replace macro squadron_scoped_enterprises(towns, departments, industries, squadrons) as table
    select *
    from scoped_enterprises(towns, departments, industries)
    where len(squadrons) = 0 or list_contains(squadrons, squadron);

-- Per hazard, the case steps of its escalation by as_of: the first case filed on it, and
-- the first decision that suspended, revoked or closed the enterprise (whenever decided;
-- the caller compares that date with as_of).
create or replace macro escalation_cases(as_of) as table
    select
        hazard_id,
        min(filed_date) as case_date,
        min(decided_date) filter (where measure in ('suspension', 'revocation', 'closure'))
            as suspension_date
    from cases
    where hazard_id is not null
      and filed_date <= as_of
    group by hazard_id;

-- The highest rung of a hazard's escalation ladder reached (reminder → order → case →
-- suspension or closure), from the dates of the rungs reached by the as-of date
-- (null = not reached); 'none' when none was.
create or replace macro escalation_last_step(reminder_date, order_date, case_date, suspension_date) as
    case
        when suspension_date is not null then 'suspension'
        when case_date is not null then 'case'
        when order_date is not null then 'order'
        when reminder_date is not null then 'reminder'
        else 'none'
    end;

-- The next rung the rules call for on an unrectified hazard: an order (责令限期整改指令书)
-- order_after days past the deadline, then a case case_after days past it. 'case' also
-- when no order was issued and the case threshold has passed (the order was skipped);
-- null once a case is filed (what follows is the case's decision) or without a deadline.
create or replace macro escalation_next_step(deadline, as_of, order_date, case_date, case_after) as
    case
        when deadline is null or case_date is not null then null
        when order_date is not null or date_diff('day', deadline, as_of::date) >= case_after then 'case'
        else 'order'
    end;

-- The day the rules make that next rung due: the deadline plus its days. A rung due on or
-- before the as-of date and not taken is the "step due" of the overdue lists.
create or replace macro escalation_step_due(deadline, step, order_after, case_after) as
    deadline + case step when 'order' then order_after when 'case' then case_after end;

-- The inspection interval (days) a risk colour requires; the days come from the rules
-- file through query parameters.
create or replace macro inspection_interval(risk_level, red, orange, yellow, blue) as
    case risk_level
        when 'red' then red
        when 'orange' then orange
        when 'yellow' then yellow
        else blue
    end;

-- Overdue for inspection at as_of: never inspected by then, or last inspected longer
-- ago than the interval.
create or replace macro overdue_for_inspection(last_date, as_of, interval_days) as
    last_date is null or date_diff('day', last_date, as_of::date) > interval_days;

-- What keeps an enterprise out of the grid (盲区): the missing assignments, and
-- 'unknown_grid' for a grid id that is not in grids. Empty when fully assigned.
create or replace macro grid_gaps(town, village, department, squadron, grid_id) as
    list_filter(
        [
            case when town is null then 'town' end,
            case when village is null then 'village' end,
            case when department is null then 'department' end,
            case when squadron is null then 'squadron' end,
            case when grid_id is null then 'grid_id' end,
            case when grid_id not in (select g.grid_id from grids as g) then 'unknown_grid' end
        ],
        lambda gap: gap is not null
    );

-- Where each enterprise sits on the coverage map: village_grid_id is its own grid_id
-- when that is a known village grid, else the village grid named by its town and
-- village; town_grid_id is the town grid of that grid's (or its own) town.
create or replace macro grid_placement() as table
    with village_grids as (
        select
            grid_id,
            town,
            village
        from grids
        where level = 'village'
    ),

    town_grids as (
        select
            town,
            min(grid_id) as grid_id
        from grids
        where level = 'town'
        group by town
    )

    select
        e.enterprise_id,
        coalesce(by_id.grid_id, by_name.grid_id) as village_grid_id,
        tg.grid_id as town_grid_id
    from enterprises as e
    left join village_grids as by_id on e.grid_id = by_id.grid_id
    left join village_grids as by_name
        on by_id.grid_id is null
        and e.town = by_name.town
        and e.village = by_name.village
    left join town_grids as tg on tg.town = coalesce(by_id.town, e.town);

-- Hazards found in [start_date, end_date] (and by as_of) at enterprises matching the
-- filters and risk levels, of the chosen hazard levels and categories, with their
-- enterprise's town and industry: what the hazards page's charts count.
create or replace macro found_hazards(
    start_date, end_date, as_of, towns, departments, industries, risk_levels, hazard_levels, categories
) as table
    select
        h.*,
        e.town,
        e.industry
    from hazards as h
    join scoped_enterprises(towns, departments, industries) as e on h.enterprise_id = e.enterprise_id
    where (len(risk_levels) = 0 or list_contains(risk_levels, e.risk_level))
      and h.found_date between start_date and end_date
      and h.found_date <= as_of
      and (len(hazard_levels) = 0 or list_contains(hazard_levels, h.level))
      and (len(categories) = 0 or list_contains(categories, h.category));

-- Each hazard's status as of a date; hazards found after the date do not exist yet.
-- status: verified (re-checked by as_of) > rectified (by as_of) > overdue
-- (deadline before as_of) > open. Dates after as_of count as not yet happened.
create or replace macro hazard_status(as_of) as table
    select
        h.*,
        h.rectified_date is not null and h.rectified_date <= as_of as is_rectified,
        h.verified_date is not null and h.verified_date <= as_of as is_verified,
        not (h.rectified_date is not null and h.rectified_date <= as_of)
            and h.deadline is not null and h.deadline < as_of as is_overdue,
        case
            when h.verified_date is not null and h.verified_date <= as_of then 'verified'
            when h.rectified_date is not null and h.rectified_date <= as_of then 'rectified'
            when h.deadline is not null and h.deadline < as_of then 'overdue'
            else 'open'
        end as status,
        case
            when not (h.rectified_date is not null and h.rectified_date <= as_of)
                and h.deadline is not null and h.deadline < as_of
            then date_diff('day', h.deadline, as_of)
        end as days_overdue
    from hazards as h
    where h.found_date <= as_of;

-- The import log (one line per file and sheet imported) and the quarantine (every rejected
-- row, and every warning, with file, sheet, row as the user sees it, column, value and reason).
create table if not exists import_log (
    import_id varchar not null,
    imported_at timestamp not null,
    file varchar not null,
    sha256 varchar not null,
    archived_as varchar,
    sheet varchar,
    table_name varchar,
    encoding varchar,
    headers varchar,
    mode varchar,
    rows_read integer,
    rows_loaded integer,
    rows_rejected integer,
    rows_warned integer
);
create table if not exists quarantine (
    import_id varchar not null,
    file varchar not null,
    sheet varchar,
    table_name varchar,
    row_number integer,
    severity varchar not null,
    column_name varchar,
    header varchar,
    value varchar,
    code varchar not null,
    detail varchar,
    record varchar
);
