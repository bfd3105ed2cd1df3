"""Well-being goal indicators by local authority: ONS subnational indicators (personal well-being,
healthy life expectancy, smoking, employment, pay, connectivity, productivity), National Survey for
Wales community cohesion and Welsh-language frequency, Census 2011 Welsh speakers, and the
prescription-based loneliness index by 2021 LSOA."""
