"""Geography: LSOA (2011, 2021) -> MSOA -> local authority -> local health board, bilingual names."""

LSOA_LA = "raw.lsoa21_ward_la_lookup"
"""Which local authority each 2021 LSOA is in, stated once: the ONS LSOA (2021) -> ward (2024) ->
LAD (2024) best-fit lookup (LSOAs are built inside authorities, so for the authority the best
fit is exact). ``sql/staging/stg_geography__lsoa21.sql`` conforms it; the community-group
placement and the partner loader read it through ``lsoa_la_sql``. The population file's
``lad24_code`` was composed from the same lookup (``population_2021/SOURCES.md``) and is not read
for this."""


def lsoa_la_sql(relation: str = LSOA_LA) -> str:
    """A query of ``lsoa_code, la_code, la_name_en`` for every 2021 LSOA of Wales (1,917, in 22
    authorities), from ``relation``: ``LSOA_LA`` or a stand-in with its columns."""
    return (
        "select trim(lsoa21cd) as lsoa_code, trim(lad24cd) as la_code, "
        f"trim(lad24nm) as la_name_en from {relation} where lsoa21cd is not null"
    )
