"""National indicators source asset (group ``national_indicators``); the reference table
``reference.national_indicators`` is built from it in ``pipelines/reference/assets.py``."""

from pipelines.readers import csv_parser
from pipelines.sources import raw_source_asset

national_indicators_wales = raw_source_asset(
    "national_indicators_wales",
    csv_parser(),
    group_name="national_indicators",
    description=(
        "Wellbeing of Wales national indicators, partial: one row per indicator number 1-50 "
        "plus 4 unnumbered new indicators (54 rows), compiled from cited pages. Columns (text "
        "as published): source_row_number, ni_number ('1'..'50' or 'unknown'), title_en (only "
        "where a source states it), title_cy (empty: not found), title_status "
        "('stated_by_source', 'not_obtained', ...), title_source_url, "
        "goal_chapter_reported_under, goal_source_url, data_source, "
        "lowest_geography_published, detail_source_urls, data_in_shared_data, notes."
    ),
)
