"""The static dashboard site, built from the published DuckDB file (group ``dashboard``)."""
