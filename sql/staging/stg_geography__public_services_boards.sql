-- Public Services Board membership as a dated lookup: one row per board x local authority x
-- period of membership, for the 2016-2021 arrangement (19 boards) and the current one (13).
-- Dates: every board starts on 1 April 2016, when the Act's boards were established (the source's
-- 'April 2016', not checked board by board), unless the authority's current board differs from
-- its 2016-2021 board; then the change date below ends the old membership the day before and
-- starts the new one:
-- * Gwent: 'September 2021 (first meeting 1 October 2021)' -> 2021-09-01 (month precision);
-- * Cwm Taf Morgannwg: 'inaugural meeting 18 May 2023' -> 2023-05-18;
-- * Flintshire and Wrexham: UNCERTAIN. No formal merger date was found; the sources show a joint
--   board with one Well-being Plan 2023-28, approved by Flintshire council on 20 June 2023, which
--   is used as the change date. The Future Generations Commissioner counts 13 boards, which holds
--   only if these two authorities share one.
-- An authority whose board changed without a date here gets a null valid_from, which the contract
-- rejects (so a new merger in the source is noticed, not guessed).
-- Welsh names are constructed, not official: the Act's Welsh term 'Bwrdd Gwasanaethau Cyhoeddus'
-- (s.29, Welsh text) followed by the area's Welsh name (the authority's Welsh name for single-
-- authority boards; listed below for joint and merged boards).
-- Source: raw.psb_membership (compiled from the pages in source_urls); Welsh authority names from
-- staging.stg_geography__local_authorities.
with source as (
    select
        trim(la_code) as la_code,
        trim(regexp_replace(psb_current, '\s*\([^)]*\)', '', 'g')) as current_name,
        trim(regexp_replace(psb_2016_to_2021, '\s*\([^)]*\)', '', 'g')) as previous_name,
        trim(psb_current_type) as current_type,
        trim(psb_current_since) as since_as_published,
        source_urls,
        notes,
    from raw.psb_membership
),

changes as (
    select
        *
    from (
        values
            ('Gwent PSB', date '2021-09-01', 'month', 'Merged from September 2021 (day not stated); first meeting 1 October 2021.'),
            ('Cwm Taf Morgannwg PSB', date '2023-05-18', 'day', 'Inaugural meeting 18 May 2023.'),
            ('Flintshire and Wrexham PSB', date '2023-06-20', 'uncertain', 'UNCERTAIN: formal merger date not found; the joint Well-being Plan 2023-28 was approved by Flintshire council on 20 June 2023, used as the change date.')
    ) as t (current_name, change_date, change_date_precision, change_date_note)
),

welsh_names as (
    select
        *
    from (
        values
            ('Gwent PSB', 'Gwent'),
            ('Cwm Taf Morgannwg PSB', 'Cwm Taf Morgannwg'),
            ('Cwm Taf PSB', 'Cwm Taf'),
            ('Gwynedd and Anglesey PSB', 'Gwynedd ac Ynys Môn'),
            ('Conwy and Denbighshire PSB', 'Conwy a Sir Ddinbych'),
            ('Flintshire and Wrexham PSB', 'Sir y Fflint a Wrecsam')
    ) as t (psb_name_en, area_name_cy)
),

memberships as (
    -- the current board: from its change date, or from 2016 when the board did not change
    select
        s.current_name as psb_name_en,
        s.la_code,
        case when s.current_name = s.previous_name then date '2016-04-01' else c.change_date end
            as valid_from,
        cast(null as date) as valid_to,
        case when s.current_name = s.previous_name then 'statutory_start' else c.change_date_precision end
            as change_date_precision,
        case
            when s.current_name = s.previous_name
                then 'Board since the statutory start of Public Services Boards (April 2016).'
            else c.change_date_note
        end as change_date_note,
        case
            when s.current_type ilike 'merged%' then 'merged'
            when s.current_type ilike 'joint%' then 'joint'
            when s.current_type ilike 'single%' then 'single_authority'
        end as board_type,
        s.since_as_published,
        s.source_urls,
        s.notes,
    from source as s
    left join changes as c using (current_name)
    union all
    -- the 2016-2021 board, where it was replaced: until the day before the change
    select
        s.previous_name,
        s.la_code,
        date '2016-04-01',
        cast(c.change_date - interval 1 day as date),
        'statutory_start',
        'Board of the 2016-2021 arrangement, until the day before ' || coalesce(s.current_name, '?') || ' began.',
        null,
        s.since_as_published,
        s.source_urls,
        s.notes,
    from source as s
    left join changes as c using (current_name)
    where s.current_name <> s.previous_name
),

boards as (
    select
        *,
        'psb_' || trim(regexp_replace(lower(regexp_replace(psb_name_en, '\s+PSB$', '')), '[^a-z0-9]+', '_', 'g'), '_')
            as psb_code,
        count(*) over (partition by psb_name_en, valid_from) as la_count,
    from memberships
)

select
    boards.psb_code,
    boards.psb_name_en,
    'Bwrdd Gwasanaethau Cyhoeddus ' || coalesce(welsh_names.area_name_cy, las.la_name_cy) as psb_name_cy,
    boards.la_code,
    boards.valid_from,
    boards.valid_to,
    boards.valid_to is null as is_current,
    boards.la_count,
    coalesce(boards.board_type, case when boards.la_count = 1 then 'single_authority' else 'joint' end)
        as board_type,
    boards.change_date_precision,
    boards.change_date_note,
    boards.since_as_published,
    boards.source_urls,
    boards.notes,
from boards
left join welsh_names using (psb_name_en)
left join staging.stg_geography__local_authorities as las using (la_code)
order by
    boards.psb_code,
    boards.valid_from,
    boards.la_code
