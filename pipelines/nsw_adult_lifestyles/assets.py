"""National Survey for Wales adult lifestyles source asset (group ``nsw_adult_lifestyles``);
typed by ``sql/staging/stg_nsw__adult_lifestyles.sql``."""

from pipelines.nsw_adult_lifestyles import parsers
from pipelines.sources import raw_source_asset

nsw_adult_lifestyles = raw_source_asset(
    "nsw_adult_lifestyles",
    parsers.parse_adult_lifestyles,
    group_name="nsw_adult_lifestyles",
    description=(
        "National Survey for Wales adult lifestyles, long: one row per measure x area (23 "
        "measures x 30 areas: Wales, 7 health boards, 22 local authorities by name; 690 rows). "
        "Columns: source_row_number, topic (e.g. 'Combined healthy lifestyles'), measure (e.g. "
        "'2 or more healthy behaviours'), area_name, value (percentage of adults 16+, or for "
        "'Average annual alcohol consumption' a mean in units; text as published), "
        "measure_filter, standardisation_filter ('Observed': not age-standardised), year_filter "
        "('2021-22 & 2022-23': two survey years combined). No confidence intervals or sample "
        "sizes in this export."
    ),
)
