"""Geography lookup source assets (group ``geography``)."""

import polars as pl

from pipelines.geography import parsers
from pipelines.readers import csv_parser
from pipelines.sources import raw_source_asset

GROUP = "geography"

lsoa11_geography_lookup = raw_source_asset(
    "lsoa11_geography_lookup", parsers.parse_lsoa11_geography_lookup, GROUP
)

lsoa11_la_names = raw_source_asset("lsoa11_la_names", csv_parser(), GROUP)
lsoa11_lsoa21_lookup = raw_source_asset("lsoa11_lsoa21_lookup", csv_parser(), GROUP)
lsoa21_ward_la_lookup = raw_source_asset("lsoa21_ward_la_lookup", csv_parser(), GROUP)
lsoa21_rural_urban = raw_source_asset("lsoa21_rural_urban", csv_parser(), GROUP)

msoa_names = raw_source_asset(
    "msoa_names", csv_parser(keep_if=pl.col("ctrycd") == "W92000004"), GROUP
)

la_lhb_lookup = raw_source_asset("la_lhb_lookup", csv_parser(), GROUP)
ward25_names = raw_source_asset("ward25_names", parsers.parse_ward25_names, GROUP)
