"""WIMD source assets (group ``wimd``)."""

from pipelines.sources import raw_source_asset
from pipelines.wimd import parsers

wimd_2025_ranks = raw_source_asset(
    "wimd_2025_ranks",
    parsers.parse_wimd_2025_ranks,
    group_name="wimd",
    description=(
        "WIMD 2025 overall and domain ranks, one row per 2021 LSOA (1,917 rows). Columns: "
        "lsoa_code, lsoa_name_en, la_name_en, wimd_rank and eight domain ranks (income, "
        "employment, health, education, access to services, housing, community safety, physical "
        "environment), as published (text). Rank 1 = most deprived, 1,917 = least deprived."
    ),
)

wimd_2019_ranks = raw_source_asset(
    "wimd_2019_ranks",
    parsers.parse_wimd_2019_ranks,
    group_name="wimd",
    description=(
        "WIMD 2019 overall and domain ranks with deciles, quintiles and quartiles, one row per "
        "2011 LSOA (1,909 rows). Rank 1 = most deprived; decile 1 = most deprived 10 %."
    ),
)

wimd_2019_scores = raw_source_asset(
    "wimd_2019_scores",
    parsers.parse_wimd_2019_scores,
    group_name="wimd",
    description=(
        "WIMD 2019 overall and domain scores, one row per 2011 LSOA (1,909 rows). Scores are a "
        "construction stage (exponentially transformed ranks), not a measure of how much "
        "deprivation: do not average them to larger areas."
    ),
)

wimd_2019_postcodes = raw_source_asset(
    "wimd_2019_postcodes",
    parsers.parse_wimd_2019_postcodes,
    group_name="wimd",
    description=(
        "WIMD 2019 postcode lookup, one row per Welsh postcode (139,843 rows, including "
        "terminated postcodes): postcode, 2011 LSOA code, LSOA names in English and Welsh, WIMD "
        "2019 rank, decile, quintile and quartile. Used to resolve partner postcodes to LSOAs."
    ),
)
