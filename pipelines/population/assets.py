"""Population source assets (group ``population``)."""

from pipelines.population import parsers
from pipelines.sources import raw_source_asset

lsoa21_population = raw_source_asset(
    "lsoa21_population",
    parsers.parse_lsoa21_population,
    group_name="population",
    description=(
        "Census 2021 usual residents, one row per Welsh 2021 LSOA (1,917): lsoa21_code, "
        "lsoa21_name, lad24_code, lad24_name, usual_residents_ts021 / _ts030 / _ts038 (persons, "
        "the 'all usual residents' totals of three Census tables; they differ by a few people "
        "because of ONS disclosure control). The pipeline uses usual_residents_ts021 throughout."
    ),
)

la_population = raw_source_asset(
    "la_population",
    parsers.parse_la_population,
    group_name="population",
    description=(
        "StatsWales mid-year population estimates (persons, all ages), long: one row per area "
        "(UK, GB, England, Wales, 22 local authorities) x year (mid-1991, 2001, 2011, 2018-2023): "
        "area_name, year_label, value (text; '..' = not available)."
    ),
)

lsoa11_population_2018 = raw_source_asset(
    "lsoa11_population_2018",
    parsers.parse_lsoa11_population_2018,
    group_name="population",
    description=(
        "ONS mid-2018 population and density by 2011 LSOA, Welsh rows (1,909): code, name, "
        "mid_2018_population (persons), area_sq_km, people_per_sq_km."
    ),
)
