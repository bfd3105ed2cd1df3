"""Census 2021 Welsh-language source asset (group ``census2021_welsh_language``).

``raw.census2021_welsh_language`` stacks TS032-TS036 long; the staging model
``sql/staging/stg_census2021__welsh_language.sql`` turns the counts into indicators.
"""

from pipelines.census2021_welsh_language import parsers
from pipelines.sources import raw_multi_source_asset

census2021_welsh_language = raw_multi_source_asset(
    "census2021_welsh_language", parsers.parse_census_table, group_name="census2021_welsh_language"
)
