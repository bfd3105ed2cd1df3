"""National Survey for Wales adult lifestyles source asset (group ``nsw_adult_lifestyles``);
typed by ``sql/staging/stg_nsw__adult_lifestyles.sql``."""

from pipelines.nsw_adult_lifestyles import parsers
from pipelines.sources import raw_source_asset

nsw_adult_lifestyles = raw_source_asset(
    "nsw_adult_lifestyles", parsers.parse_adult_lifestyles, group_name="nsw_adult_lifestyles"
)
