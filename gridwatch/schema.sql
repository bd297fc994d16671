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

-- Whether a hazard counts as rectified at as_of: its rectified_date is on or before as_of;
-- with no date, its rectified flag (DESIGN: "rectified, date unknown" counts as rectified).
-- A rectified_date after as_of has not happened yet at as_of.
create or replace macro hazard_rectified_by(rectified_date, rectified, as_of) as
    case
        when rectified_date is not null then rectified_date <= as_of
        else coalesce(rectified, false)
    end;

-- Overdue open at as_of: its deadline passed before as_of and it is not rectified by then.
create or replace macro hazard_overdue_by(deadline, rectified_date, rectified, as_of) as
    deadline is not null
    and deadline < as_of
    and not hazard_rectified_by(rectified_date, rectified, as_of);

-- What makes two hazards "the same" for the repeat rule: the checklist item or standard
-- clause when recorded, else the description lower-cased without spaces or punctuation.
-- Null when neither is recorded (such a hazard is never a repeat).
create or replace macro hazard_repeat_key(item, description) as
    coalesce(
        nullif(trim(item), ''),
        nullif(regexp_replace(lower(description), '[[:space:][:punct:]，。、；：！？（）【】“”‘’《》·]', '', 'g'), '')
    );

-- REPEAT RULE (one place; the plan's features use it). Every hazard with is_repeat: the
-- same enterprise, category and repeat key (hazard_repeat_key) was found on an earlier
-- day within window_days before it (DESIGN "repeat hazard"). It depends only on hazards
-- found before it, so it never looks past an as-of date. To be replaced by the shared
-- repeat macro of the metrics consolidation when that lands.
create or replace macro repeat_hazards(window_days) as table
    with keyed as materialized (
        select
            h.*,
            hazard_repeat_key(h.item, h.description) as repeat_key
        from hazards as h
    ),

    repeats as (
        select k.hazard_id
        from keyed as k
        semi join keyed as earlier
            on earlier.enterprise_id = k.enterprise_id
            and earlier.category = k.category
            and earlier.repeat_key = k.repeat_key
            and earlier.found_date < k.found_date
            and earlier.found_date >= k.found_date - cast(window_days as integer)
    )

    select
        k.* exclude (repeat_key),
        r.hazard_id is not null as is_repeat
    from keyed as k
    left join repeats as r on k.hazard_id = r.hazard_id;

-- The inspections the plan learns from (types in example_types) and what each found: the
-- first found_date of a major hazard and of any hazard found at it (null: none). A hazard
-- belongs to the inspection it names; one that names no known inspection belongs to the
-- inspections of its enterprise on its found_date.
create or replace macro risk_examples(example_types) as table
    with chosen as (
        select
            inspection_id,
            enterprise_id,
            date,
            type
        from inspections
        where list_contains(example_types, type)
    ),

    -- One row per inspection id a hazard names (null: none), enterprise and day.
    grouped as (
        select
            h.inspection_id,
            h.enterprise_id,
            h.found_date,
            min(h.found_date) filter (where h.level = 'major') as major_found_date,
            min(h.found_date) as any_found_date
        from hazards as h
        group by h.inspection_id, h.enterprise_id, h.found_date
    ),

    named as (
        select
            g.inspection_id,
            min(g.major_found_date) as major_found_date,
            min(g.any_found_date) as any_found_date
        from grouped as g
        semi join inspections as i on g.inspection_id = i.inspection_id
        group by g.inspection_id
    ),

    unnamed as (
        select
            g.enterprise_id,
            g.found_date,
            min(g.major_found_date) as major_found_date,
            min(g.any_found_date) as any_found_date
        from grouped as g
        anti join inspections as i on g.inspection_id = i.inspection_id
        group by g.enterprise_id, g.found_date
    )

    select
        c.inspection_id,
        c.enterprise_id,
        c.date,
        c.type,
        least(n.major_found_date, u.major_found_date) as major_found_date,
        least(n.any_found_date, u.any_found_date) as any_found_date
    from chosen as c
    left join named as n on c.inspection_id = n.inspection_id
    left join unnamed as u on c.enterprise_id = u.enterprise_id and c.date = u.found_date;

-- The risk model's features of an enterprise as of a date, for every row of the table named
-- by `probes` (probe_id, enterprise_id, as_of). Only records dated on or before each probe's
-- as_of count: hazards found by then (open, overdue and rectified judged at as_of), inspections
-- of example_types by then (rechecks follow up hazards already found: they are no measure of
-- how long an enterprise went unwatched), tip-offs and cases by then, listed supervision
-- begun by then. The industry rate is the share
-- of the industry's inspections in `examples` (the table risk_examples returns) of the
-- industry_months whole months before the probe's month that found a major (any) hazard
-- recorded before that month, smoothed toward the county's rate with the weight of
-- industry_prior inspections. Nothing about who inspected.
create or replace macro risk_features(
    probes, examples, example_types, recent_days, repeat_window_days, industry_months, industry_prior,
    red, orange, yellow, blue
) as table
    with p as materialized (
        select
            row_number() over () as pk,
            q.probe_id,
            q.enterprise_id,
            cast(q.as_of as date) as as_of,
            cast(q.as_of as date) - cast(recent_days as integer) as recent_from
        from query_table(probes) as q
    ),

    hazard_counts as (
        select
            p.pk,
            count(*) filter (where h.level = 'major' and h.found_date > p.recent_from) as majors_recent,
            count(*) filter (where h.level = 'major' and h.found_date <= p.recent_from) as majors_older,
            count(*) filter (where h.level = 'general' and h.found_date > p.recent_from) as generals_recent,
            count(*) filter (where h.level = 'general' and h.found_date <= p.recent_from) as generals_older,
            count(*) filter (where h.is_repeat and h.found_date > p.recent_from) as repeats_recent,
            count(*) filter (
                where not hazard_rectified_by(h.rectified_date, h.rectified, p.as_of)
            ) as open_hazards,
            count(*) filter (
                where hazard_overdue_by(h.deadline, h.rectified_date, h.rectified, p.as_of)
            ) as overdue_open
        from p
        join repeat_hazards(repeat_window_days) as h
            on h.enterprise_id = p.enterprise_id
            and h.found_date <= p.as_of
        group by p.pk
    ),

    inspection_counts as (
        select
            p.pk,
            max(i.date) as last_inspection,
            count(*) filter (where i.date > p.recent_from) as inspections_recent
        from p
        join inspections as i
            on i.enterprise_id = p.enterprise_id
            and i.date <= p.as_of
        where list_contains(example_types, i.type)
        group by p.pk
    ),

    tipoff_counts as (
        select
            p.pk,
            count(*) as tipoffs_recent
        from p
        join tipoffs as t
            on t.enterprise_id = p.enterprise_id
            and t.received_date <= p.as_of
            and t.received_date > p.recent_from
        group by p.pk
    ),

    case_counts as (
        select
            p.pk,
            count(*) as cases_recent
        from p
        join cases as c
            on c.enterprise_id = p.enterprise_id
            and c.filed_date <= p.as_of
            and c.filed_date > p.recent_from
        group by p.pk
    ),

    with_enterprise as materialized (
        select
            p.*,
            e.risk_level,
            e.industry,
            coalesce(e.industry, '') as industry_key,
            e.employees,
            e.major_hazard_source,
            e.listed_since,
            cast(date_trunc('month', p.as_of) as date) as month_start
        from p
        join enterprises as e on p.enterprise_id = e.enterprise_id
    ),

    -- Examples counted per industry and month, with the month their first major (any)
    -- hazard was recorded: whole months are all the rates below compare, so this is exact.
    rated_examples as (
        select
            coalesce(e.industry, '') as industry_key,
            cast(date_trunc('month', x.date) as date) as month,
            cast(date_trunc('month', x.major_found_date) as date) as major_month,
            cast(date_trunc('month', x.any_found_date) as date) as any_month,
            count(*) as examples
        from query_table(examples) as x
        join enterprises as e on x.enterprise_id = e.enterprise_id
        group by all
    ),

    months as (
        select distinct
            industry_key,
            month_start,
            month_start - to_months(cast(industry_months as integer)) as rate_from
        from with_enterprise
    ),

    industry_rates as (
        select
            m.industry_key,
            m.month_start,
            sum(x.examples) as rate_examples,
            coalesce(sum(x.examples) filter (where x.major_month < m.month_start), 0) as majors,
            coalesce(sum(x.examples) filter (where x.any_month < m.month_start), 0) as anys
        from months as m
        join rated_examples as x
            on x.industry_key = m.industry_key
            and x.month >= m.rate_from
            and x.month < m.month_start
        group by m.industry_key, m.month_start
    ),

    county_rates as (
        select
            m.month_start,
            sum(x.examples) as rate_examples,
            coalesce(sum(x.examples) filter (where x.major_month < m.month_start), 0) as majors,
            coalesce(sum(x.examples) filter (where x.any_month < m.month_start), 0) as anys
        from (select distinct month_start, rate_from from months) as m
        join rated_examples as x
            on x.month >= m.rate_from
            and x.month < m.month_start
        group by m.month_start
    ),

    final as (
        select
            w.probe_id,
            w.enterprise_id,
            w.as_of,
            w.risk_level,
            w.industry,
            inspection_interval(w.risk_level, red, orange, yellow, blue) as interval_days,
            ic.last_inspection,
            date_diff('day', ic.last_inspection, w.as_of) as days_since_inspection,
            ic.last_inspection is null as never_inspected,
            coalesce(ic.inspections_recent, 0) as inspections_recent,
            coalesce(hc.majors_recent, 0) as majors_recent,
            coalesce(hc.majors_older, 0) as majors_older,
            coalesce(hc.generals_recent, 0) as generals_recent,
            coalesce(hc.generals_older, 0) as generals_older,
            coalesce(hc.repeats_recent, 0) as repeats_recent,
            coalesce(hc.open_hazards, 0) as open_hazards,
            coalesce(hc.overdue_open, 0) as overdue_open,
            w.employees,
            w.major_hazard_source,
            coalesce(w.listed_since <= w.as_of, false) as listed,
            coalesce(tc.tipoffs_recent, 0) as tipoffs_recent,
            coalesce(cc.cases_recent, 0) as cases_recent,
            coalesce(ir.rate_examples, 0) as industry_examples,
            (coalesce(ir.majors, 0) + industry_prior * cr.majors / cr.rate_examples)
                / (coalesce(ir.rate_examples, 0) + industry_prior) as industry_major_rate,
            (coalesce(ir.anys, 0) + industry_prior * cr.anys / cr.rate_examples)
                / (coalesce(ir.rate_examples, 0) + industry_prior) as industry_any_rate
        from with_enterprise as w
        left join hazard_counts as hc on w.pk = hc.pk
        left join inspection_counts as ic on w.pk = ic.pk
        left join tipoff_counts as tc on w.pk = tc.pk
        left join case_counts as cc on w.pk = cc.pk
        left join industry_rates as ir
            on w.industry_key = ir.industry_key
            and w.month_start = ir.month_start
        left join county_rates as cr on w.month_start = cr.month_start
    )

    select *
    from final;
