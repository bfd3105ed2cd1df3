"""ONS Explore local statistics source assets (group ``ons_local_statistics``).

``raw.ons_local_statistics`` stacks the Welsh rows of the 15 indicator CSVs;
``raw.ons_local_statistics_metadata`` the indicators' JSON metadata. The typed long table is the
SQL model ``sql/staging/stg_ons_local_statistics__indicators.sql``.
"""

from pipelines.ons_local_statistics import parsers
from pipelines.sources import raw_multi_source_asset

GROUP = "ons_local_statistics"

ons_local_statistics = raw_multi_source_asset(
    "ons_local_statistics",
    parsers.parse_indicator_csv,
    group_name=GROUP,
    description=(
        "ONS Explore local statistics indicator files, Welsh rows, long: one row per area x "
        "indicator x period as published (text). Columns: source_row_number (CSV record, header "
        "= 1), dataset (file name, e.g. 'personal-wellbeing-estimates'), areacd (W06 local "
        "authority, W92000004 Wales, W42 city region, TLL = ITL1 Wales in the GVA file), areanm, "
        "geography, indicator (e.g. 'Satisfaction'), period (ISO 8601: '2011-04-01/P1Y' = "
        "2011-12, '2011-01-01/P3Y' = 2011-2013 pooled, a bare date = a point in time), "
        "observation, measure, unit, lci_95 / uci_95 (95 % confidence limits where given), "
        "status, notes. UK rows outside Wales are not loaded."
    ),
)

ons_local_statistics_metadata = raw_multi_source_asset(
    "ons_local_statistics_metadata",
    parsers.parse_metadata_json,
    group_name=GROUP,
    description=(
        "ONS Explore local statistics metadata, one row per indicator (22 indicators in 15 "
        "files): dataset, indicator_key (the CSV's indicator value; null in a one-indicator "
        "file), label, subtitle, long_description, caveats, source_org, source_date, "
        "publisher_url (the original publisher's page; '|'-separated when two), experimental_statistic ('T' = official statistics in "
        "development), decimal_places, prefix, suffix, sub_text, standardised, file_note."
    ),
)
