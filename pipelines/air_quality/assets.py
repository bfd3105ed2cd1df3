"""Air quality source asset (group ``air_quality``); typed by
``sql/staging/stg_air_quality__exposure.sql``."""

from pipelines.air_quality import parsers
from pipelines.sources import raw_source_asset

air_quality_indicators = raw_source_asset(
    "air_quality_indicators", parsers.parse_air_quality, group_name="air_quality"
)
