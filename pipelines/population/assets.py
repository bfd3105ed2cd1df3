"""Population source assets (group ``population``)."""

from pipelines.population import parsers
from pipelines.sources import raw_source_asset

GROUP = "population"

lsoa21_population = raw_source_asset("lsoa21_population", parsers.parse_lsoa21_population, GROUP)
la_population = raw_source_asset("la_population", parsers.parse_la_population, GROUP)

lsoa11_population_2018 = raw_source_asset(
    "lsoa11_population_2018", parsers.parse_lsoa11_population_2018, GROUP
)
