"""Public Services Board membership source asset (group ``public_services_boards``); the dated
lookup is ``sql/staging/stg_geography__public_services_boards.sql``."""

from pipelines.readers import csv_parser
from pipelines.sources import raw_source_asset

psb_membership = raw_source_asset(
    "psb_membership",
    csv_parser(),
    group_name="public_services_boards",
    description=(
        "Public Services Board membership, one row per local authority (22), compiled from "
        "cited web pages (no official data file exists). Columns (text as published): "
        "source_row_number, la_code (W06), la_name, lhb_code, lhb_name, psb_current (e.g. "
        "'Gwent PSB'), psb_current_type ('single LA', 'merged board of 5 LAs', 'joint board of 2 "
        "LAs', 'joint (2 LAs) - see notes'), psb_current_since (free text, e.g. 'September 2021 "
        "(first meeting 1 October 2021)'), psb_2016_to_2021 (the board under the 2016-2021 "
        "arrangement), source_urls (' ; '-separated), notes (UNCERTAIN marks the Flintshire and "
        "Wrexham case: no formal merger date found)."
    ),
)
