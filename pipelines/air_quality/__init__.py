"""Air quality exposure indicators (StatsWales ENVI0201): average population-weighted NO2, PM10
and PM2.5 concentrations by local authority and health board, modelled from DEFRA's Pollution
Climate Mapping."""
