"""Well-being indicator source assets (group ``indicators``): raw tables, values as published.

The typed, conformed local-authority table is the SQL model
``sql/staging/stg_indicators__local_authority.sql``; the LSOA loneliness table is
``sql/staging/stg_indicators__lsoa21.sql``.
"""

from pipelines.indicators import parsers
from pipelines.sources import raw_source_asset

GROUP = "indicators"

ons_subnational_indicators = raw_source_asset(
    "ons_subnational_indicators",
    parsers.parse_ons_subnational_indicators,
    group_name=GROUP,
    description=(
        "ONS subnational indicators (February 2022), long: one row per indicator sheet x area, for "
        "every UK area in the 12 sheets with Welsh rows (Life satisfaction, Worthwhile, Happiness, "
        "Anxiety, Female HLE, Male HLE, Smokers, Employment rate, Weekly pay, Broadband "
        "availability, 4G, GVA per hour; 4,190 rows, 22 Welsh W06 rows per sheet). Columns: "
        "sheet, indicator_title (the 'Indicator:' line), period_text (the 'Date:' line, e.g. "
        "'04/2020-03/2021'), coverage, geography, measure (the value column's header, which "
        "states the unit), source_row_number, area_code, area_name, value, lower_ci and upper_ci "
        "(HLE and Smokers only), notes (e.g. obsolete codes). All text as published: 'na' and 'x' "
        "mark missing values; employment rates carry stray spaces and tabs. Reads the official "
        "xlsx workbook or the mirror's folder of per-sheet CSV exports."
    ),
)

nsw_community_cohesion = raw_source_asset(
    "nsw_community_cohesion",
    parsers.parse_nsw_community_cohesion,
    group_name=GROUP,
    description=(
        "National Survey for Wales (2018-19) cross-tabulation by local authority (sheet 'By local "
        "authority'), long: one row per variable x response x local authority (22 LAs, 836 "
        "rows). Columns: source_row_number, variable (e.g. 'Community Cohesion - Belonging to "
        "local area', as published), response (e.g. 'Strongly agree'), la_name, cell_text (the "
        "published 'n ( %)' string), n (respondents) and percent (% of respondents to that "
        "question in the LA) parsed from it, p_value. Counts and percentages are UNWEIGHTED (a "
        "custom tabulation of survey microdata, not official weighted estimates)."
    ),
)

welsh_language_frequency = raw_source_asset(
    "welsh_language_frequency",
    parsers.parse_welsh_language_frequency,
    group_name=GROUP,
    description=(
        "National Survey for Wales 2018-19, frequency of speaking Welsh: one row per area (Wales "
        "and the 22 local authorities, 23 rows). Columns: source_row_number, level ('country' / "
        "'local_authority'), area_name, daily, weekly, less_often, never (% of adults, text as "
        "published; '*' = suppressed because of a small base)."
    ),
)

welsh_language_census_2011 = raw_source_asset(
    "welsh_language_census_2011",
    parsers.parse_welsh_language_census_2011,
    group_name=GROUP,
    description=(
        "Census 2011, percentage of usual residents aged 3 and over able to speak Welsh: one row "
        "per area (Wales, 22 local authorities, 1,909 2011 LSOAs; 1,932 rows). Columns: "
        "source_row_number, level ('country' / 'local_authority' / 'lsoa'), country_name, la_name "
        "(filled down from the StatsWales hierarchy layout), lsoa_code (W01, trailing space "
        "stripped), percentage_able_to_speak_welsh (text as published)."
    ),
)

loneliness_index = raw_source_asset(
    "loneliness_index",
    parsers.parse_loneliness_index,
    group_name=GROUP,
    description=(
        "Clinical loneliness index (prescription-based, derived; not an official statistic and "
        "not survey-measured loneliness): one row per 2021 LSOA (1,917). Columns: "
        "source_row_number, lsoa21_code, loneliness_zscore (z-score within Wales; higher = more "
        "loneliness-related prescribing), rank (1 = least lonely, published as e.g. '1200.0'), "
        "deciles (1 = least lonely, 10 = most lonely). Text as published; 9 LSOAs have no "
        "value (empty cells), so ranks run 1-1,908."
    ),
)
