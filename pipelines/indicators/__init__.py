"""Well-being goal indicators from the sources that predate the ONS time series: the ONS
subnational indicators workbook (February 2022; only what the Explore local statistics series do not
cover is used: 4G coverage, gigabit broadband in May 2021, smoking in April-December 2020), the
National Survey for Wales community cohesion tabulation (unweighted) and Welsh-language frequency,
Census 2011 Welsh speakers, and the prescription-based loneliness index by 2021 LSOA. The newer
sources have folders of their own (ons_local_statistics, census2021_welsh_language,
nsw_adult_lifestyles, air_quality)."""
