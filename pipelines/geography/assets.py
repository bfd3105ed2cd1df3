"""Geography lookup source assets (group ``geography``)."""

import polars as pl

from pipelines.geography import parsers
from pipelines.readers import csv_parser
from pipelines.sources import raw_source_asset

lsoa11_geography_lookup = raw_source_asset(
    "lsoa11_geography_lookup", parsers.parse_lsoa11_geography_lookup, group_name="geography"
)

lsoa11_la_names = raw_source_asset("lsoa11_la_names", csv_parser(), group_name="geography")

lsoa11_lsoa21_lookup = raw_source_asset(
    "lsoa11_lsoa21_lookup", csv_parser(), group_name="geography"
)

lsoa21_ward_la_lookup = raw_source_asset(
    "lsoa21_ward_la_lookup", csv_parser(), group_name="geography"
)

lsoa21_rural_urban = raw_source_asset("lsoa21_rural_urban", csv_parser(), group_name="geography")

msoa_names = raw_source_asset(
    "msoa_names", csv_parser(keep_if=pl.col("ctrycd") == "W92000004"), group_name="geography"
)

la_lhb_lookup = raw_source_asset("la_lhb_lookup", csv_parser(), group_name="geography")

ward25_names = raw_source_asset("ward25_names", parsers.parse_ward25_names, group_name="geography")
