"""National indicators source asset (group ``national_indicators``); the reference table
``reference.national_indicators`` is built from it in ``pipelines/reference/assets.py``."""

from pipelines.readers import csv_parser
from pipelines.sources import raw_source_asset

national_indicators_wales = raw_source_asset(
    "national_indicators_wales", csv_parser(), group_name="national_indicators"
)
