"""The geography lookups partner rows are placed with, as temporary DuckDB tables.

``create_lookups`` builds, on one connection, the ``_pa_*`` tables ``normalise.normalised_sql``
joins (listed there) from four reference tables: ``raw.lsoa21_ward_la_lookup`` (2021 LSOAs and
their local authority: the one LSOA -> authority lookup, ``pipelines.geography.LSOA_LA``, read
raw because a partner file may be loaded before any staging model exists),
``raw.lsoa11_lsoa21_lookup`` (ONS 2011 -> 2021), ``raw.wimd_2019_postcodes`` (postcode -> 2011
LSOA) and ``raw.lsoa11_la_names`` (local authority names in English and
Welsh), plus the councils' own names (``pipelines/reference/council_names.csv``, and the template's
bilingual labels of them, ``normalise.council_labels``). Each source is
the warehouse table when it exists, else a relation the caller registered in its place (the same
columns, e.g. read from the catalogue), so the contract's reference rules read the same data.

``place_points`` puts coordinates into 2021 LSOA polygons for rows whose only location is a
point, with the project's one point-in-polygon function
(``pipelines.boundaries.point_in_polygon.lsoa_for_points``, DuckDB spatial).
"""

from dataclasses import dataclass, field

import duckdb
import polars as pl

from pipelines.boundaries.point_in_polygon import LSOA_POLYGONS, lsoa_for_points
from pipelines.geography import LSOA_LA, lsoa_la_sql
from pipelines.partnership_activity.normalise import COUNCIL_NAMES_CSV, council_labels
from pipelines.sqltext import quote_literal

SOURCES = (
    LSOA_LA,
    "raw.lsoa11_lsoa21_lookup",
    "raw.wimd_2019_postcodes",
    "raw.lsoa11_la_names",
)


@dataclass
class Lookups:
    """What the partner rules read, on one connection.

    Attributes:
        relations: reference table -> the relation that stands for it (``rules.bind``).
        polygons: the relation of the 2021 LSOA polygons (``lsoa_code``, ``geometry_wkb``, WGS84:
            ``raw.lsoa21_boundaries`` or a stand-in with its columns), or ``None``.
        note: which boundary data applies (for the run log).
    """

    relations: dict[str, str] = field(default_factory=dict)
    polygons: str | None = None
    note: str = ""


def create_lookups(
    con: duckdb.DuckDBPyConnection,
    relations: dict[str, str],
    polygons: str | None = None,
    note: str = "",
) -> Lookups:
    """Create the temporary lookup tables from the reference relations.

    Args:
        con: the connection the load runs on.
        relations: for each of ``SOURCES`` the relation to read (the table itself, or a registered
            stand-in with the same columns).
        polygons: relation of the 2021 LSOA polygons for placing coordinates (default: the
            polygons relation in ``relations`` if any, e.g. ``raw.lsoa21_boundaries``), or
            ``None``.

    Raises:
        KeyError: a source has no relation.
    """
    lsoa21, lookup, postcodes, names = (relations[s] for s in SOURCES)
    polygons = polygons or relations.get(LSOA_POLYGONS)
    con.execute(
        f"""
        create or replace temp table _pa_lsoa21 as
        select distinct a.lsoa_code as lsoa21_code, a.la_code, a.la_name_en,
               coalesce(w.la_name_cy, a.la_name_en) as la_name_cy
        from ({lsoa_la_sql(lsoa21)}) a
        left join (select trim(ladcd) as la_code, any_value(trim(ladnmw)) as la_name_cy
                   from {names} where ladnmw is not null group by 1) w using (la_code)
        """
    )
    con.execute(
        f"""
        create or replace temp table _pa_lsoa11 as
        select trim(l.lsoa11cd) as lsoa11_code,
               count(distinct trim(l.lsoa21cd)) as n21,
               min(trim(l.lsoa21cd)) as lsoa21_code,
               string_agg(distinct trim(l.lsoa21cd), ', ' order by trim(l.lsoa21cd)) as lsoa21_list,
               min(a.la_code) as la_code,
               min(a.la_name_en) as la_name_en,
               min(a.la_name_cy) as la_name_cy
        from {lookup} l
        left join _pa_lsoa21 a on a.lsoa21_code = trim(l.lsoa21cd)
        group by 1
        """
    )
    con.execute(
        f"""
        create or replace temp table _pa_postcodes as
        select p.postcode_key, l.n21, l.lsoa21_code, l.lsoa21_list, l.la_code, l.la_name_en,
               l.la_name_cy
        from (select distinct upper(regexp_replace(postcode, '[^A-Za-z0-9]', '', 'g')) as postcode_key,
                     trim(lsoa_code) as lsoa11_code
              from {postcodes} where postcode is not null) p
        left join _pa_lsoa11 l on l.lsoa11_code = p.lsoa11_code
        qualify row_number() over (partition by p.postcode_key order by p.lsoa11_code) = 1
        """
    )
    labels = ", ".join(
        f"({quote_literal(code)}, {quote_literal(label)})"
        for code, label in council_labels().items()
    )
    con.execute(
        f"""
        create or replace temp table _pa_la_names as
        with names as (
            select trim(ladcd) as la_code, trim(ladnm) as name from {names}
            union select trim(ladcd), trim(ladnmw) from {names}
            union select la_code, council_name
            from read_csv({quote_literal(str(COUNCIL_NAMES_CSV))}, header = true, all_varchar = true)
            -- the template's drop-down labels, 'Cardiff Council / Cyngor Caerdydd'
            union select * from (values {labels}) l(la_code, name)
        ),
        keyed as (select distinct pa_name_key(name) as name_key, la_code from names
                  where name is not null)
        -- a key two authorities share would be a guess: such keys are not used
        select name_key, any_value(la_code) as la_code from keyed
        group by name_key having count(distinct la_code) = 1
        """
    )
    con.execute(
        "create or replace temp table _pa_points (latitude double, longitude double, "
        "lsoa21_code varchar, la_code varchar, la_name_en varchar, la_name_cy varchar)"
    )
    return Lookups(dict(relations), polygons, note)


def register_frames(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame]
) -> dict[str, str]:
    """Register stand-in frames for missing reference tables; return table -> relation name."""
    out = {}
    for table, frame in frames.items():
        name = "_ref_" + table.replace(".", "__")
        con.register("_pa_frame", frame)
        con.execute(f"create or replace temp table {name} as select * from _pa_frame")
        con.unregister("_pa_frame")
        out[table] = name
    return out


def place_points(con: duckdb.DuckDBPyConnection, points: str, lookups: Lookups) -> int:
    """Place coordinates in 2021 LSOA polygons (``lsoa_for_points``) and add them to
    ``_pa_points``; returns how many distinct points were placed. Points outside every LSOA are
    not added (their rows are quarantined: no location in Wales).

    Args:
        points: a relation with ``latitude`` and ``longitude`` (decimal degrees, WGS84).
    """
    if lookups.polygons is None:
        return 0
    con.execute(
        "create or replace temp table _pa_point_ids as "
        "select row_number() over () as row_id, latitude, longitude "
        f"from (select distinct latitude, longitude from {points})"
    )
    located = lsoa_for_points(con, "_pa_point_ids", polygons=lookups.polygons)
    placed = con.execute(
        f"""
        insert into _pa_points
        select p.latitude, p.longitude, l.lsoa_code, a.la_code, a.la_name_en, a.la_name_cy
        from _pa_point_ids p
        join ({located.sql_query()}) l using (row_id)
        join _pa_lsoa21 a on a.lsoa21_code = l.lsoa_code
        """
    ).fetchone()[0]
    con.execute("drop table _pa_point_ids")
    return placed
