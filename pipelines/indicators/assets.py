"""Well-being indicator source assets (group ``indicators``): raw tables, values as published.

The typed, conformed local-authority table is the SQL model
``sql/staging/stg_indicators__local_authority.sql``; the LSOA loneliness table is
``sql/staging/stg_indicators__lsoa21.sql``.
"""

from pipelines.indicators import parsers
from pipelines.sources import raw_source_asset

GROUP = "indicators"

ons_subnational_indicators = raw_source_asset(
    "ons_subnational_indicators", parsers.parse_ons_subnational_indicators, GROUP
)

nsw_community_cohesion = raw_source_asset(
    "nsw_community_cohesion", parsers.parse_nsw_community_cohesion, GROUP
)

welsh_language_frequency = raw_source_asset(
    "welsh_language_frequency", parsers.parse_welsh_language_frequency, GROUP
)

welsh_language_census_2011 = raw_source_asset(
    "welsh_language_census_2011", parsers.parse_welsh_language_census_2011, GROUP
)

loneliness_index = raw_source_asset("loneliness_index", parsers.parse_loneliness_index, GROUP)
