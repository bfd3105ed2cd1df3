-- Every name by which a source may call a Welsh local authority, health board or Wales, as a
-- match key: one row per area x name key. Sources that give names rather than codes (StatsWales
-- exports, the National Survey tabulations, Census 2011) join on
-- regexp_replace(regexp_replace(lower(trim(name)), '^the\s+', ''), '[^a-z]', '', 'g') = name_key.
-- Names: English and Welsh local authority names (ONS lookup), English health board names (ONS
-- lookup), 'Wales' and 'Cymru', and aliases seen in sources: 'Rhondda Cynon Taff' (Census 2011,
-- Nomis) and 'Cwm Taf Morannwg University Health Board' (StatsWales air quality).
with names as (
    select la_code as area_code, 'local_authority' as area_type, la_name_en as name
    from staging.stg_geography__local_authorities
    union all
    select la_code, 'local_authority', la_name_cy
    from staging.stg_geography__local_authorities
    union all
    select lhb_code, 'health_board', lhb_name_en
    from staging.stg_geography__health_boards
    union all
    select
        *
    from (
        values
            ('W92000004', 'country', 'Wales'),
            ('W92000004', 'country', 'Cymru'),
            ('W06000016', 'local_authority', 'Rhondda Cynon Taff'),
            ('W11000030', 'health_board', 'Cwm Taf Morannwg University Health Board')
    ) as t (area_code, area_type, name)
)

select distinct
    area_code,
    area_type,
    regexp_replace(regexp_replace(lower(trim(name)), '^the\s+', ''), '[^a-z]', '', 'g') as name_key,
    name,
from names
where name is not null
order by area_code, name_key
