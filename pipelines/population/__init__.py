"""Population: Census 2021 usual residents by 2021 LSOA, mid-year estimates by local authority."""
