"""ONS Explore local statistics source assets (group ``ons_local_statistics``).

``raw.ons_local_statistics`` stacks the Welsh rows of the 15 indicator CSVs;
``raw.ons_local_statistics_metadata`` the indicators' JSON metadata. The typed long table is the
SQL model ``sql/staging/stg_ons_local_statistics__indicators.sql``.
"""

from pipelines.ons_local_statistics import parsers
from pipelines.sources import raw_multi_source_asset

GROUP = "ons_local_statistics"

ons_local_statistics = raw_multi_source_asset(
    "ons_local_statistics", parsers.parse_indicator_csv, GROUP
)

ons_local_statistics_metadata = raw_multi_source_asset(
    "ons_local_statistics_metadata", parsers.parse_metadata_json, GROUP
)
