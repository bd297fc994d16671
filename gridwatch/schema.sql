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

-- The tip-offs within the filters (as explore_tipoffs.sql and the console's scoped copy see
-- them): a tip-off naming an enterprise follows that enterprise (its town, department,
-- industry and squadron); one naming none follows its own town, and only while no
-- department, industry or squadron filter is set (it has none of them). town is the
-- enterprise's town when one is named, else the tip-off's.
create or replace macro scoped_tipoffs(towns, departments, industries, squadrons) as table
    select
        t.* exclude (town),
        coalesce(e.town, t.town) as town,
        e.name as enterprise_name
    from tipoffs as t
    left join squadron_scoped_enterprises(towns, departments, industries, squadrons) as e
        on t.enterprise_id = e.enterprise_id
    where e.enterprise_id is not null
       or (
           t.enterprise_id is null
           and len(departments) = 0
           and len(industries) = 0
           and len(squadrons) = 0
           and (len(towns) = 0 or list_contains(towns, t.town))
       );

-- The tip-offs (举报) received in [start_date, end_date] in scope, as the rectification page
-- counts and lists them as of as_of: is_closed (a closing after as_of has not happened yet,
-- closed_on is the closing by then), and the first tip-off inspection (核查) at the enterprise
-- on or after receipt and by as_of that followed it up (linked_inspection_id, null if none).
create or replace macro received_tipoffs(start_date, end_date, as_of, towns, departments, industries, squadrons)
as table
    with received as (
        select *
        from scoped_tipoffs(towns, departments, industries, squadrons)
        where received_date between start_date and end_date
    ),

    checks as (
        select
            inspection_id,
            enterprise_id,
            date
        from inspections
        where type = 'tipoff'
          and date <= as_of
    ),

    linked as (
        select
            r.tipoff_id,
            c.inspection_id,
            c.date
        from received as r
        inner join checks as c
            on c.enterprise_id = r.enterprise_id
            and c.date >= r.received_date
        qualify row_number() over (partition by r.tipoff_id order by c.date, c.inspection_id) = 1
    )

    select
        r.*,
        coalesce(r.closed_date <= as_of, false) as is_closed,
        case when r.closed_date <= as_of then r.closed_date end as closed_on,
        l.inspection_id as linked_inspection_id,
        l.date as linked_inspection_date
    from received as r
    left join linked as l on r.tipoff_id = l.tipoff_id;

-- The cases (立案处罚) filed in the period [start_date, end_date] on enterprises in scope, as
-- the rectification page counts and lists them: decided by as_of (is_decided; a later
-- decision has not happened yet), interviewed (约谈) before the decision, and whether the
-- decision needs a collective review (集体会审: confiscation, suspension, revocation, closure,
-- or a fine of at least review_fine). With the enterprise's name, town and squadron.
create or replace macro filed_cases(
    start_date, end_date, as_of, towns, departments, industries, squadrons, review_fine := null
) as table
    with decided as (
        select
            c.*,
            e.name as enterprise_name,
            e.town,
            e.squadron,
            c.decided_date is not null and c.decided_date <= as_of as is_decided
        from cases as c
        join squadron_scoped_enterprises(towns, departments, industries, squadrons) as e
            on c.enterprise_id = e.enterprise_id
        where c.filed_date between start_date and end_date
    )

    select
        *,
        coalesce(is_decided and interview_date <= decided_date, false) as interviewed_before_decision,
        is_decided and (
            measure in ('confiscation', 'suspension', 'revocation', 'closure')
            or (measure = 'fine' and penalty_amount >= review_fine)
        ) as review_required
    from decided;

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

-- The metric layer: every rule about hazards is spelled once, here, and every query
-- (pages, exports, the brief, the CLI) selects from these macros. docs/metrics.md lists them.

-- Text as compared by the repeat rule: lower case, letters and digits only (spaces,
-- punctuation and symbols dropped), null when nothing is left.
create or replace macro normalised_text(t) as
    nullif(regexp_replace(lower(t), '[^\p{L}\p{N}]+', '', 'g'), '');

-- Every hazard, each kept whole (a bad field is not a bad record). A date that contradicts
-- the finding (a deadline, rectification or verification before the found date) is a data
-- error: it is emptied here, so the hazard counts as found and that one date as not recorded,
-- exactly as if the importer had emptied it (DESIGN.md "Honest figures"). Added columns:
--   date_error: whether any date was emptied
--   rectified_from: the first day the hazard counts as rectified: its rectification date; or,
--     without one, its found date when marked rectified (a system that records only the flag:
--     "rectified, date unknown"), else its verification date (a verified hazard is rectified)
--   overdue_from: the first day it counts as overdue if still open (the day after its deadline)
--   item_key, description_key: what the repeat rule compares (same_item)
-- Every status rule below is a comparison of these dates with the status date, so the status
-- of many dates at once (the brief's weekly trend) is a range join, not a query per date.
create or replace macro valid_hazards() as table
    select
        c.*,
        coalesce(
            c.rectified_date,
            case when c.rectified then c.found_date end,
            c.verified_date
        ) as rectified_from,
        c.deadline + 1 as overdue_from,
        normalised_text(c.item) as item_key,
        normalised_text(c.description) as description_key
    from (
        select
            * replace (
                case when deadline >= found_date then deadline end as deadline,
                case when rectified_date >= found_date then rectified_date end as rectified_date,
                case when verified_date >= found_date then verified_date end as verified_date
            ),
            coalesce(deadline < found_date, false)
                or coalesce(rectified_date < found_date, false)
                or coalesce(verified_date < found_date, false) as date_error
        from hazards
    ) as c;

-- The status rules, on the columns of valid_hazards and a status date as_of. Each is a plain
-- comparison (null, for a missing date, counts as false), so queries can join on them.
-- Rectified by as_of.
create or replace macro rectified_by(rectified_from, as_of) as
    rectified_from <= as_of;

-- Overdue at as_of: past the deadline and not rectified by then (no deadline: never overdue).
create or replace macro overdue_at(overdue_from, rectified_from, as_of) as
    overdue_from <= as_of and coalesce(rectified_from, 'infinity'::date) > as_of;

-- Found in the period [start_date, end_date], by as_of.
create or replace macro found_in(found_date, start_date, end_date, as_of) as
    found_date between start_date and least(end_date, as_of);

-- Due in the period: the deadline falls in [start_date, end_date] and not after as_of.
create or replace macro due_in(deadline, start_date, end_date, as_of) as
    deadline between start_date and least(end_date, as_of);

-- Rectified in the period (the flow): rectified on a date in [start_date, end_date], by as_of,
-- whenever found. A hazard rectified without a date is in no period.
create or replace macro rectified_in(rectified_date, start_date, end_date, as_of) as
    rectified_date between start_date and least(end_date, as_of);

-- For a hazard due by as_of: rectified on or before its deadline? Null when not yet due, and
-- when rectified by as_of without a date (the on-time rate leaves those out and says how many).
create or replace macro on_time_at(deadline, rectified_date, rectified_from, as_of) as
    case
        when deadline <= as_of and not (rectified_date is null and coalesce(rectified_from <= as_of, false))
        then coalesce(rectified_date <= deadline, false)
    end;

-- Open hazards whose deadline falls within the next `days` days of as_of (the deadline day
-- itself included): the pre-recheck and reminder list.
create or replace macro due_soon(deadline, is_rectified, as_of, days) as
    not is_rectified and coalesce(deadline between as_of and as_of::date + days::integer, false);

-- The ageing bucket (1..4) of an overdue hazard by days past its deadline; the bounds come
-- from the rules file ([rectification] ageing_bounds).
create or replace macro overdue_bucket(days_overdue, bound_1, bound_2, bound_3) as
    case
        when days_overdue <= bound_1 then 1
        when days_overdue <= bound_2 then 2
        when days_overdue <= bound_3 then 3
        else 4
    end;

-- Each hazard's status as of a date; hazards found after the date do not exist yet, and
-- dates after it have not happened yet. Built on valid_hazards (bad dates emptied).
--   is_rectified: rectified_by; rectified_date_unknown: rectified by as_of without a date
--   is_verified: verified by as_of (a verified hazard is rectified); is_overdue: overdue_at
--   status: verified > rectified > overdue > open; days_overdue (overdue ones only)
--   rectified_on: the rectification date if it had happened by as_of
--   days_to_rectify: rectified_on − found_date (null when rectified without a date)
--   on_time: on_time_at
create or replace macro hazard_status(as_of) as table
    select
        h.*,
        coalesce(rectified_by(h.rectified_from, as_of), false) as is_rectified,
        is_rectified and h.rectified_date is null as rectified_date_unknown,
        is_rectified and coalesce(h.verified_date <= as_of, false) as is_verified,
        coalesce(overdue_at(h.overdue_from, h.rectified_from, as_of), false) as is_overdue,
        case
            when is_verified then 'verified'
            when is_rectified then 'rectified'
            when is_overdue then 'overdue'
            else 'open'
        end as status,
        case when is_overdue then date_diff('day', h.deadline, as_of::date) end as days_overdue,
        case when h.rectified_date <= as_of then h.rectified_date end as rectified_on,
        date_diff('day', h.found_date, rectified_on) as days_to_rectify,
        on_time_at(h.deadline, h.rectified_date, h.rectified_from, as_of) as on_time
    from valid_hazards() as h
    where h.found_date <= as_of;

-- hazard_status with what each hazard counts for in the period [start_date, end_date]:
--   in_found: found_in (the cohort of hazards_found, the rectification rate, the
--     verification rate and days to rectify)
--   is_due: due_in (due_in_period; the on-time rate is on_time over those whose on_time is known)
--   rectified_in_period: rectified_in (the flow: what "rectified this week" means)
--   left_out: rectified without a date, and so left out of the on-time rate (if due) or
--     days to rectify (if found in the period)
create or replace macro hazard_period(start_date, end_date, as_of) as table
    select
        s.*,
        found_in(s.found_date, start_date, end_date, as_of) as in_found,
        coalesce(due_in(s.deadline, start_date, end_date, as_of), false) as is_due,
        coalesce(rectified_in(s.rectified_date, start_date, end_date, as_of), false) as rectified_in_period,
        s.rectified_date_unknown and (in_found or is_due) as left_out
    from hazard_status(as_of) as s;

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
    from valid_hazards() as h
    join scoped_enterprises(towns, departments, industries) as e on h.enterprise_id = e.enterprise_id
    where (len(risk_levels) = 0 or list_contains(risk_levels, e.risk_level))
      and found_in(h.found_date, start_date, end_date, as_of)
      and (len(hazard_levels) = 0 or list_contains(hazard_levels, h.level))
      and (len(categories) = 0 or list_contains(categories, h.category));

-- Whether two hazards of one enterprise and category concern the same item: the same
-- checklist item or standard clause when both record one, else the same normalised
-- description (arguments: item_key and description_key of each, from valid_hazards).
create or replace macro same_item(item_a, description_a, item_b, description_b) as
    coalesce(
        case
            when item_a is not null and item_b is not null then item_a = item_b
            else description_a = description_b
        end,
        false
    );

-- The repeat rule of DESIGN.md, the one definition of "the same hazard found again": hazard b
-- (found on found_b) is hazard a found again when both are of the same enterprise and category,
-- concern the same item (same_item on their item_key and description_key) and b was found
-- after a was closed (closed_a) and at most window_days after it, the boundary day inside.
-- What closes a depends on the figure: its rectification for the repeat hazards of the
-- hazards page (repeat_hazards), its verification for closures that do not hold
-- (signal_records). A hazard closed on the day it was found again is not its own repeat.
create or replace macro found_again(
    enterprise_a, category_a, item_a, description_a, closed_a,
    enterprise_b, category_b, item_b, description_b, found_b,
    window_days
) as
    enterprise_b = enterprise_a
    and category_b = category_a
    and found_b > closed_a
    and found_b <= closed_a + window_days::integer
    and same_item(item_a, description_a, item_b, description_b);

-- Repeat hazards (DESIGN.md): of the hazards found in [start_date, end_date] by as_of, those
-- that are an earlier hazard, rectified by as_of, found again (found_again within window_days).
-- What closed the earlier hazard is its rectified_from (its rectification date, or for one
-- rectified without a date its found date, or verification date). One row per repeat with the
-- latest such earlier hazard. A rectification further back than the
-- window before the period cannot make a hazard of the period a repeat, so earlier hazards are
-- limited to that range (the same repeats as over all history, at a fraction of the cost).
-- `enterprise` (optional) limits both sides to one enterprise, for its register.
create or replace macro repeat_hazards(start_date, end_date, as_of, window_days, enterprise := null) as table
    with later as (
        select
            hazard_id,
            enterprise_id,
            category,
            item_key,
            description_key,
            found_date
        from valid_hazards()
        where found_in(found_date, start_date, end_date, as_of)
          and (enterprise is null or enterprise_id = enterprise)
    ),

    earlier as (
        select
            hazard_id,
            enterprise_id,
            category,
            item_key,
            description_key,
            rectified_from as anchor_date
        from hazard_status(as_of)
        where is_rectified
          and rectified_from >= start_date::date - window_days::integer
          and (enterprise is null or enterprise_id = enterprise)
    ),

    pairs as (
        select
            l.hazard_id,
            e.hazard_id as earlier_hazard_id,
            e.anchor_date
        from later as l
        join earlier as e
            on found_again(
                e.enterprise_id, e.category, e.item_key, e.description_key, e.anchor_date,
                l.enterprise_id, l.category, l.item_key, l.description_key, l.found_date,
                window_days
            )
    )

    select
        hazard_id,
        max({'anchor_date': anchor_date, 'hazard_id': earlier_hazard_id}).hazard_id as earlier_hazard_id,
        max(anchor_date) as earlier_rectified_date
    from pairs
    group by hazard_id;

-- Follow-through of the quarterly score (季度量化考核) for the quarter from start_date, as of
-- as_of: a hazard is due when its (valid) deadline falls in [start_date, as_of]; followed through
-- when verified no later than its deadline plus grace_days and by as_of; pending (not judged
-- yet, neither for nor against its finder) when due, not followed through and its grace period
-- still runs at as_of.
create or replace macro follow_through(start_date, as_of, grace_days) as table
    select
        h.*,
        coalesce(h.deadline between start_date and as_of, false) as is_due,
        coalesce(
            h.verified_date <= h.deadline + grace_days::integer and h.verified_date <= as_of,
            false
        ) as followed,
        is_due and followed as followed_through,
        is_due and not followed and h.deadline + grace_days::integer > as_of as pending
    from valid_hazards() as h;

-- Every working day (Monday to Friday) of [start_date, end_date] for every active staff
-- member, and what that day's work log holds: the morning plan (早五问), the evening review
-- (晚五问), and whether the day is complete (both). The score's worklog_completeness and the
-- list of missed days read this one rule.
create or replace macro staff_worklog_days(start_date, end_date) as table
    with days as (
        select cast(day as date) as date
        from generate_series(start_date::date, end_date::date, interval 1 day) as g(day)
        where isodow(day) <= 5
    )

    select
        s.staff_id,
        s.name,
        s.unit,
        s.role,
        d.date,
        coalesce(w.morning_plan, false) as morning_plan,
        coalesce(w.evening_review, false) as evening_review,
        coalesce(w.morning_plan and w.evening_review, false) as complete
    from staff as s
    cross join days as d
    left join worklogs as w on s.staff_id = w.staff_id and d.date = w.date
    where s.active;

-- Supervision-quality signals (监管质量): the rules of docs/quality.md, each written once.

-- Straight-line (great-circle) distance in km between two points in degrees.
create or replace macro distance_km(lat1, lon1, lat2, lon2) as
    2 * 6371.0088 * asin(least(1.0, sqrt(
        pow(sin(radians(lat2 - lat1) / 2), 2)
        + cos(radians(lat1)) * cos(radians(lat2)) * pow(sin(radians(lon2 - lon1) / 2), 2)
    )));

-- One row per inspection dated in [start_date, end_date] and person who took part: the lead
-- and everyone in staff_ids (exporters separate ids with ; , 、 or spaces), each once.
create or replace macro inspection_participants(start_date, end_date) as table
    select
        inspection_id,
        enterprise_id,
        date,
        type,
        lead_staff_id,
        unnest(list_distinct(
            list_filter(
                list_transform(regexp_split_to_array(coalesce(staff_ids, ''), '[;,，；、\s]+'),
                               lambda member: trim(member)),
                lambda member: member <> '')
            || [lead_staff_id]
        )) as staff_id
    from inspections
    where date between start_date and end_date;

-- The hazards every signal starts from, as of as_of: hazard_status (valid_hazards: a date that
-- contradicts the finding is emptied, the hazard kept) of the enterprises matching the filters.
-- A date after as_of has not happened yet and reads as null: rectified_date is rectified_on,
-- verified_date only when verified by as_of (is_verified). item_key and description_key are
-- what the repeat rule (found_again) and copied descriptions compare. finder_staff_id: the
-- lead of the inspection that found the hazard, who answers for its follow-through.
-- verifier_staff_id: the lead of the enterprise's re-check (复查) inspection on the verified
-- date, else the finder. Only hazards that something happened to from since on (found,
-- rectified or verified), or that are overdue at as_of, take part.
create or replace macro signal_hazards(as_of, towns, departments, industries, since) as table
    with relevant as (
        select *
        from hazard_status(as_of)
        where found_date >= since
           or rectified_on >= since
           or (is_verified and verified_date >= since)
           or is_overdue
    ),

    rechecks as (
        select
            enterprise_id,
            date,
            min(lead_staff_id) as lead_staff_id
        from inspections
        where type = 'recheck'
          and date <= as_of
        group by enterprise_id, date
    )

    select
        h.hazard_id,
        h.inspection_id,
        h.enterprise_id,
        e.town,
        h.found_date,
        h.level,
        h.category,
        h.item,
        h.item_key,
        h.description,
        h.description_key,
        h.deadline,
        h.rectified_on as rectified_date,
        case when h.is_verified then h.verified_date end as verified_date,
        case when h.order_date <= as_of then h.order_date end as order_date,
        h.is_overdue,
        h.days_overdue,
        i.lead_staff_id as finder_staff_id,
        coalesce(r.lead_staff_id, i.lead_staff_id) as verifier_staff_id
    from relevant as h
    join scoped_enterprises(towns, departments, industries) as e on h.enterprise_id = e.enterprise_id
    left join inspections as i on h.inspection_id = i.inspection_id
    left join rechecks as r
        on r.enterprise_id = h.enterprise_id
        and r.date = h.verified_date
        and h.is_verified;

create or replace macro signal_records(
    start_date, end_date, as_of, towns, departments, industries,
    max_days_general, max_days_major, verify_within_days, hold_days,
    max_per_day, travel_allowance_km, empty_run_length, copied_min_enterprises,
    order_after_days, case_after_days
) as table
    with h as materialized (
        -- Older hazards matter only while they are overdue (the escalation stock).
        select *
        from signal_hazards(as_of, towns, departments, industries, start_date)
    ),

    scoped as (
        select *
        from scoped_enterprises(towns, departments, industries)
    ),

    rechecks as (
        select
            enterprise_id,
            date
        from inspections
        where type = 'recheck'
          and date <= as_of
    ),

    -- Hazards that can take part in a closure or its recurrence.
    closable as (
        select
            hazard_id,
            enterprise_id,
            category,
            item_key,
            description_key,
            found_date,
            verified_date
        from h
        where found_date <= end_date::date + hold_days::integer
          and (verified_date between start_date and end_date or found_date > start_date)
    ),

    recurrences as (
        select
            c.hazard_id,
            min({'found_date': l.found_date, 'hazard_id': l.hazard_id}) as first_again
        from closable as c
        join closable as l
            on found_again(
                c.enterprise_id, c.category, c.item_key, c.description_key, c.verified_date,
                l.enterprise_id, l.category, l.item_key, l.description_key, l.found_date,
                hold_days
            )
        where c.verified_date between start_date and end_date
        group by c.hazard_id
    ),

    period_inspections as (
        select
            i.inspection_id,
            i.enterprise_id,
            i.date,
            i.lead_staff_id
        from inspections as i
        semi join scoped as e on i.enterprise_id = e.enterprise_id
        where i.date between start_date and end_date
          and i.date <= as_of
    ),

    person_days as (
        select
            p.staff_id,
            p.date,
            count(*) as inspections,
            string_agg(p.inspection_id, ' ' order by p.inspection_id) as inspection_ids
        from inspection_participants(start_date, least(end_date, as_of::date)) as p
        semi join period_inspections as i on p.inspection_id = i.inspection_id
        group by p.staff_id, p.date
    ),

    logged_staff as (
        select distinct staff_id
        from worklogs
        where date between start_date and end_date
    ),

    logged_days as (
        select distinct
            staff_id,
            date
        from worklogs
        where date between start_date and end_date
          and (morning_plan or evening_review)
    ),

    located as (
        select
            i.inspection_id,
            i.lead_staff_id,
            i.date,
            e.lat,
            e.lon
        from period_inspections as i
        join scoped as e on i.enterprise_id = e.enterprise_id
        where e.lat is not null
          and e.lon is not null
    ),

    lead_days as (
        select
            a.lead_staff_id,
            a.date,
            max(distance_km(a.lat, a.lon, b.lat, b.lon)) as span_km,
            arg_max(a.inspection_id || ' ' || b.inspection_id, distance_km(a.lat, a.lon, b.lat, b.lon))
                as farthest_pair
        from located as a
        join located as b
            on a.lead_staff_id = b.lead_staff_id
            and a.date = b.date
            and a.inspection_id < b.inspection_id
        group by a.lead_staff_id, a.date
    ),

    finding_inspections as (
        select
            i.inspection_id,
            i.enterprise_id,
            e.town,
            i.date,
            i.lead_staff_id,
            f.inspection_id is not null as found_any
        from inspections as i
        join scoped as e on i.enterprise_id = e.enterprise_id
        left join (
            select distinct inspection_id
            from hazards
            where found_date <= as_of
        ) as f on i.inspection_id = f.inspection_id
        where e.risk_level in ('red', 'orange')
          and i.type not in ('recheck', 'pre_recheck')
          and i.date <= as_of
    ),

    numbered as (
        select
            *,
            row_number() over (partition by enterprise_id order by date, inspection_id) as position
        from finding_inspections
    ),

    -- streak: how many inspections in a row, up to and including this one, found nothing.
    streaks as (
        select
            *,
            position - coalesce(max(position) filter (where found_any) over (
                partition by enterprise_id order by date, inspection_id
                rows between unbounded preceding and current row
            ), 0) as streak
        from numbered
    ),

    described as (
        select
            *,
            description_key as text_key
        from h
        where found_in(found_date, start_date, end_date, as_of)
          and description_key is not null
    ),

    copies as (
        select
            finder_staff_id,
            found_date,
            text_key,
            count(distinct enterprise_id) as enterprises
        from described
        group by finder_staff_id, found_date, text_key
    ),

    cases_by_hazard as (
        select *
        from escalation_cases(as_of)
    ),

    -- Per hazard measure only what is its own (date, whether it needs a look, whom it is
    -- attributed to, figure, related record): the hazard's columns are joined on once,
    -- below, so every measure's records describe a hazard the same way.
    hazard_measures as (
        select
            'deadline_day' as measure,
            hazard_id,
            rectified_date as period_date,
            rectified_date = deadline as flagged,
            finder_staff_id as staff_id,
            date_diff('day', deadline, rectified_date)::double as figure,
            null::varchar as related_id,
            null::date as related_date
        from h
        where rectified_in(rectified_date, start_date, end_date, as_of)
          and deadline is not null

        union all
        select
            'long_deadline',
            hazard_id,
            found_date,
            date_diff('day', found_date, deadline)
                > case when level = 'major' then max_days_major else max_days_general end,
            finder_staff_id,
            date_diff('day', found_date, deadline)::double,
            null,
            null
        from h
        where found_in(found_date, start_date, end_date, as_of)
          and deadline is not null

        union all
        select
            'same_day_verification',
            hazard_id,
            verified_date,
            coalesce(rectified_date = found_date and verified_date = found_date, false),
            verifier_staff_id,
            date_diff('day', found_date, verified_date)::double,
            null,
            null
        from h
        where verified_date between start_date and end_date

        union all
        select
            'late_verification',
            hazard_id,
            verified_date,
            date_diff('day', rectified_date, verified_date) > verify_within_days,
            verifier_staff_id,
            date_diff('day', rectified_date, verified_date)::double,
            null,
            null
        from h
        where verified_date between start_date and end_date
          and rectified_date is not null

        union all
        select
            'never_verified',
            hazard_id,
            rectified_date,
            verified_date is null,
            finder_staff_id,
            date_diff('day', rectified_date, as_of)::double,
            null,
            null
        from h
        where rectified_in(rectified_date, start_date, end_date, as_of)
          and rectified_date <= as_of::date - verify_within_days::integer

        union all
        select
            'major_without_recheck',
            hazard_id,
            verified_date,
            not exists (
                select 1
                from rechecks as r
                where r.enterprise_id = h.enterprise_id
                  and r.date > h.found_date
                  and r.date <= h.verified_date
            ),
            verifier_staff_id,
            date_diff('day', found_date, verified_date)::double,
            null,
            null
        from h
        where level = 'major'
          and verified_date between start_date and end_date

        union all
        select
            'closure_not_holding',
            c.hazard_id,
            c.verified_date,
            r.hazard_id is not null,
            c.verifier_staff_id,
            date_diff('day', c.verified_date, r.first_again.found_date)::double,
            r.first_again.hazard_id,
            r.first_again.found_date
        from h as c
        left join recurrences as r on c.hazard_id = r.hazard_id
        where c.verified_date between start_date and end_date

        union all
        select
            'copied_description',
            d.hazard_id,
            d.found_date,
            c.enterprises >= copied_min_enterprises,
            d.finder_staff_id,
            c.enterprises::double,
            null,
            null
        from described as d
        join copies as c
            on d.finder_staff_id is not distinct from c.finder_staff_id
            and d.found_date = c.found_date
            and d.text_key = c.text_key

        union all
        select
            'stalled_order',
            h.hazard_id,
            as_of::date,
            h.order_date is null and c.case_date is null,
            h.finder_staff_id,
            h.days_overdue::double,
            null,
            h.order_date
        from h
        left join cases_by_hazard as c on h.hazard_id = c.hazard_id
        where h.level = 'major'
          and h.is_overdue
          and h.days_overdue >= order_after_days

        union all
        select
            'stalled_case',
            h.hazard_id,
            as_of::date,
            c.case_date is null,
            h.finder_staff_id,
            h.days_overdue::double,
            null,
            h.order_date
        from h
        left join cases_by_hazard as c on h.hazard_id = c.hazard_id
        where h.is_overdue
          and h.order_date is not null
          and h.days_overdue >= case_after_days
    ),

    -- The same for the measures of a person's day, which concern no one hazard or enterprise.
    day_measures as (
        select
            'busy_day' as measure,
            date as period_date,
            inspections > max_per_day as flagged,
            staff_id,
            inspections::double as figure,
            inspection_ids as detail
        from person_days

        union all
        select
            'far_apart_day',
            date,
            span_km > travel_allowance_km,
            lead_staff_id,
            round(span_km, 1),
            farthest_pair
        from lead_days

        union all
        select
            'no_worklog_day',
            p.date,
            l.staff_id is null,
            p.staff_id,
            p.inspections::double,
            p.inspection_ids
        from person_days as p
        semi join logged_staff as s on p.staff_id = s.staff_id
        left join logged_days as l on p.staff_id = l.staff_id and p.date = l.date
    )

    select
        m.measure,
        m.period_date,
        m.flagged,
        m.staff_id,
        h.enterprise_id,
        h.town,
        h.hazard_id,
        h.inspection_id,
        h.found_date,
        h.deadline,
        h.rectified_date,
        h.verified_date,
        m.figure,
        h.description as detail,
        m.related_id,
        m.related_date
    from hazard_measures as m
    join h on m.hazard_id = h.hazard_id

    union all
    select
        measure,
        period_date,
        flagged,
        staff_id,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        figure,
        detail,
        null,
        null
    from day_measures

    union all
    select
        'empty_run',
        date,
        streak >= empty_run_length,
        lead_staff_id,
        enterprise_id,
        town,
        null,
        inspection_id,
        null,
        null,
        null,
        null,
        streak::double,
        null,
        null,
        null
    from streaks
    where date between start_date and end_date;

-- signal_records with the unit and name of the person each record is attributed to, kept to
-- the people of units (empty: all): the one record set every supervision-quality figure,
-- list and chart counts, so a record filtered by unit is the same record everywhere.
create or replace macro unit_signal_records(
    start_date, end_date, as_of, towns, departments, industries, units,
    max_days_general, max_days_major, verify_within_days, hold_days,
    max_per_day, travel_allowance_km, empty_run_length, copied_min_enterprises,
    order_after_days, case_after_days
) as table
    select
        r.*,
        s.unit,
        s.name as staff_name
    from signal_records(
        start_date, end_date, as_of, towns, departments, industries,
        max_days_general, max_days_major, verify_within_days, hold_days,
        max_per_day, travel_allowance_km, empty_run_length, copied_min_enterprises,
        order_after_days, case_after_days
    ) as r
    left join staff as s on r.staff_id = s.staff_id
    where len(units) = 0 or list_contains(units, s.unit);

-- Whether a signal record belongs to the quality page's group dimension/group_key ('unit',
-- 'person' or 'town'; anything else: every record). A null key is the group of records with
-- no unit, person or town, as quality_signals groups them.
create or replace macro in_signal_group(dimension, group_key, unit, staff_id, town) as
    case dimension
        when 'unit' then unit is not distinct from group_key
        when 'person' then staff_id is not distinct from group_key
        when 'town' then town is not distinct from group_key
        else true
    end;

-- Which facts the data records, for "not recorded is not zero" (DESIGN.md): a field is
-- recorded when at least one row of its table holds a value, a table when it holds any row.
-- Judged over the whole warehouse, never the filters or the status date: a field an export
-- never carried is empty everywhere, while a town where nothing was verified yet has a real
-- 0%. The metric layer (queries/recorded_fields.sql) and the signals read this one rule.
create or replace macro recorded_fields() as table
    with hazard_fields as (
        select
            coalesce(bool_or(h.deadline is not null), false) as hazards_deadline,
            coalesce(bool_or(h.rectified_date is not null or h.rectified is not null or h.verified_date is not null),
                     false) as hazards_rectification,
            coalesce(bool_or(h.rectified_date is not null), false) as hazards_rectified_date,
            coalesce(bool_or(h.verified_date is not null), false) as hazards_verified_date,
            coalesce(bool_or(coalesce(h.responsibility, h.measures, h.funds, h.time_limit, h.plan) is not null), false)
                as hazards_five,
            coalesce(bool_or(h.order_date is not null), false) as hazards_order_date,
            coalesce(bool_or(h.description is not null), false) as hazards_description,
            coalesce(bool_or(i.inspection_id is not null), false) as hazards_inspection_link
        from valid_hazards() as h
        left join inspections as i on h.inspection_id = i.inspection_id
    ),

    case_fields as (
        select
            count(*) > 0 as cases,
            coalesce(bool_or(interview_date is not null), false) as cases_interview_date,
            coalesce(bool_or(collective_review is not null), false) as cases_collective_review
        from cases
    ),

    tipoff_fields as (
        select coalesce(bool_or(verified is not null), false) as tipoffs_verified
        from tipoffs
    )

    select
        exists (select 1 from inspections) as inspections,
        exists (select 1 from inspections where type = 'recheck') as recheck_inspections,
        exists (select 1 from grids) as grids,
        exists (select 1 from grids where population is not null) as grids_population,
        exists (select 1 from grids where level = 'village' and grid_staff is not null) as grids_staff,
        exists (select 1 from enterprises where lat is not null and lon is not null) as enterprise_coordinates,
        hf.hazards_deadline,
        hf.hazards_rectification,
        hf.hazards_rectified_date,
        hf.hazards_verified_date,
        hf.hazards_five,
        hf.hazards_order_date,
        hf.hazards_description,
        hf.hazards_inspection_link,
        cf.cases,
        cf.cases_interview_date,
        cf.cases_collective_review,
        tf.tipoffs_verified
    from hazard_fields as hf
    cross join case_fields as cf
    cross join tipoff_fields as tf;

-- For every signal measure, the fact the data lacks to support it (missing_field), or null
-- when it records everything the measure needs: recorded_fields, the metric layer's rule.
-- Work logs are the one fact judged on the period: they come from their own export, which
-- may cover some months only, so a period without any work log says not recorded rather
-- than flagging every day. The data model holds no deadline extension (延期) at all.
create or replace macro signal_missing_fields(start_date, end_date) as table
    with recorded as (
        select *
        from recorded_fields()
    ),

    worklog_fields as (
        select exists (
            select 1
            from worklogs
            where date between start_date and end_date
        ) as has_worklogs
    ),

    measures as (
        select unnest([
            'deadline_day', 'long_deadline', 'extended_deadline', 'same_day_verification',
            'late_verification', 'never_verified', 'major_without_recheck', 'closure_not_holding',
            'busy_day', 'far_apart_day', 'empty_run', 'copied_description', 'no_worklog_day',
            'stalled_order', 'stalled_case'
        ]) as measure
    )

    select
        m.measure,
        case
            when m.measure in ('deadline_day', 'long_deadline') and not r.hazards_deadline then 'deadline'
            when m.measure = 'deadline_day' and not r.hazards_rectified_date then 'rectified_date'
            when m.measure = 'extended_deadline' then 'deadline_extension'
            when m.measure in ('same_day_verification', 'late_verification', 'never_verified',
                               'major_without_recheck', 'closure_not_holding')
                and not r.hazards_verified_date then 'verified_date'
            when m.measure in ('same_day_verification', 'late_verification', 'never_verified')
                and not r.hazards_rectified_date then 'rectified_date'
            when m.measure = 'major_without_recheck' and not r.recheck_inspections then 'recheck_inspections'
            when m.measure in ('closure_not_holding', 'copied_description') and not r.hazards_description
                then 'description'
            when m.measure = 'far_apart_day' and not r.enterprise_coordinates then 'coordinates'
            when m.measure in ('empty_run', 'copied_description') and not r.hazards_inspection_link
                then 'inspection_link'
            when m.measure = 'no_worklog_day' and not w.has_worklogs then 'worklogs'
            when m.measure in ('stalled_order', 'stalled_case') and not r.hazards_order_date then 'order_date'
            when m.measure = 'stalled_case' and not r.cases then 'cases'
        end as missing_field
    from measures as m
    cross join recorded as r
    cross join worklog_fields as w;

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
        from valid_hazards() as h
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
-- by `probes` (probe_id, enterprise_id, as_of; no as_of later than `latest`). Only records dated on or before each probe's
-- as_of count: hazards found by then (open, overdue and repeat by the metric layer's rules,
-- judged at as_of), inspections
-- of example_types by then (rechecks follow up hazards already found: they are no measure of
-- how long an enterprise went unwatched), tip-offs and cases by then, listed supervision
-- begun by then. The industry rate is the share
-- of the industry's inspections in `examples` (the table risk_examples returns) of the
-- industry_months whole months before the probe's month that found a major (any) hazard
-- recorded before that month, smoothed toward the county's rate with the weight of
-- industry_prior inspections. Nothing about who inspected.
create or replace macro risk_features(
    probes, latest, examples, example_types, recent_days, repeat_window_days, industry_months, industry_prior,
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

    -- The repeat rule is the metric layer's (macro repeat_hazards), judged over all history up to
    -- `latest`. Whether a hazard repeats rests only on earlier hazards rectified before it was
    -- found, so it reads the same at every as_of from its found date on: a probe counts the
    -- repeats among the hazards found by its own as_of and nothing later.
    repeats as (
        select r.hazard_id
        from repeat_hazards('0001-01-01'::date, latest, latest, repeat_window_days) as r
    ),

    -- Open and overdue as the metric layer judges them (valid_hazards, rectified_by, overdue_at),
    -- at each probe's as_of.
    hazard_counts as (
        select
            p.pk,
            count(*) filter (where h.level = 'major' and h.found_date > p.recent_from) as majors_recent,
            count(*) filter (where h.level = 'major' and h.found_date <= p.recent_from) as majors_older,
            count(*) filter (where h.level = 'general' and h.found_date > p.recent_from) as generals_recent,
            count(*) filter (where h.level = 'general' and h.found_date <= p.recent_from) as generals_older,
            count(r.hazard_id) filter (where h.found_date > p.recent_from) as repeats_recent,
            count(*) filter (
                where not coalesce(rectified_by(h.rectified_from, p.as_of), false)
            ) as open_hazards,
            count(*) filter (
                where coalesce(overdue_at(h.overdue_from, h.rectified_from, p.as_of), false)
            ) as overdue_open
        from p
        join valid_hazards() as h
            on h.enterprise_id = p.enterprise_id
            and h.found_date <= p.as_of
        left join repeats as r on h.hazard_id = r.hazard_id
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
