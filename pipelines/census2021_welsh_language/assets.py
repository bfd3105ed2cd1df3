"""Census 2021 Welsh-language source asset (group ``census2021_welsh_language``).

``raw.census2021_welsh_language`` stacks TS032-TS036 long; the staging model
``sql/staging/stg_census2021__welsh_language.sql`` turns the counts into indicators.
"""

from pipelines.census2021_welsh_language import parsers
from pipelines.sources import raw_multi_source_asset

census2021_welsh_language = raw_multi_source_asset(
    "census2021_welsh_language",
    parsers.parse_census_table,
    group_name="census2021_welsh_language",
    description=(
        "Census 2021 Welsh language skills by local authority (tables TS032 detailed skills, "
        "TS033 speaking, TS034 writing, TS035 reading, TS036 understanding), long: one row per "
        "table x local authority x category (22 authorities; 484 rows). Columns: "
        "source_row_number, table_code, date ('2021'), geography (authority name as in Nomis, "
        "e.g. 'Rhondda Cynon Taff'), geography_code (W06), category (column header as "
        "published; the first of each table is the total of usual residents aged 3 and over), "
        "observation (persons, text). Counts are perturbed per table by ONS disclosure control, "
        "so totals differ by a few persons between tables."
    ),
)
