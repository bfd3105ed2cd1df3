"""WIMD source assets (group ``wimd``)."""

from pipelines.sources import raw_source_asset
from pipelines.wimd import parsers

GROUP = "wimd"

wimd_2025_ranks = raw_source_asset("wimd_2025_ranks", parsers.parse_wimd_2025_ranks, GROUP)
wimd_2019_ranks = raw_source_asset("wimd_2019_ranks", parsers.parse_wimd_2019_ranks, GROUP)
wimd_2019_scores = raw_source_asset("wimd_2019_scores", parsers.parse_wimd_2019_scores, GROUP)

wimd_2019_postcodes = raw_source_asset(
    "wimd_2019_postcodes", parsers.parse_wimd_2019_postcodes, GROUP
)
