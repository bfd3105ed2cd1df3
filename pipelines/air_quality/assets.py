"""Air quality source asset (group ``air_quality``); typed by
``sql/staging/stg_air_quality__exposure.sql``."""

from pipelines.air_quality import parsers
from pipelines.sources import raw_source_asset

air_quality_indicators = raw_source_asset(
    "air_quality_indicators",
    parsers.parse_air_quality,
    group_name="air_quality",
    description=(
        "StatsWales ENVI0201 air quality indicators, one row per OData record (1,000 rows: the "
        "first page of the result): area x pollutant x year. Columns: source_row_number, data "
        "(average population-weighted concentration, micrograms per cubic metre, text), "
        "area_code (W06 local authority, W11 health board, W92000004 Wales), "
        "area_item_name_eng, area_sort_order, area_item_notes_eng (e.g. the 2019 health-board "
        "change), pollutant_code, pollutant_item_name_eng ('NO2', 'PM10', 'PM2-5'), "
        "pollutant_item_notes_eng, year_code, year_item_name_eng, year_sort_order, row_key, "
        "partition_key, odata_next_link (set: more records exist beyond this page). Complete "
        "for 2007-2017; 2018 is cut off by the page end."
    ),
)
