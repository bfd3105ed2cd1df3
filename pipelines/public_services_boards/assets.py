"""Public Services Board membership source asset (group ``public_services_boards``); the dated
lookup is ``sql/staging/stg_geography__public_services_boards.sql``."""

from pipelines.readers import csv_parser
from pipelines.sources import raw_source_asset

psb_membership = raw_source_asset(
    "psb_membership", csv_parser(), group_name="public_services_boards"
)
