"""Reading the published marts (read-only) and writing the downloads (CSV, Parquet).

The site reads nothing but the published DuckDB file, whose counts of people already went through
the one disclosure rule at publish (``pipelines/disclosure.py``): a withheld count is null with
``is_<column>_suppressed = true``, shown as ``[c]`` (GSS symbol for "confidential"); a true zero
is 0. Downloads are the published rows as they are.
"""

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

SCHEMAS = ("marts", "reference")
REQUIRED = (
    "marts.lsoa_profile",
    "marts.local_authority_profile",
    "marts.goal_indicators",
    "marts.activity_by_wimd_decile",
    "marts.collaboration_and_goals",
    "marts.activity_by_la_year",
    "marts.activity_by_la_sector",
    "reference.wellbeing_goals",
    "reference.indicator_goals",
)
SUPPRESSED = "[c]"
SUPPRESSED_FLAG = "is_participant_count_suppressed"


@dataclass
class TableInfo:
    schema: str
    name: str
    comment: str | None
    rows: int
    columns: list[tuple[str, str, str | None]]  # (name, type, comment)

    @property
    def full_name(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass
class SiteData:
    frames: dict[str, pl.DataFrame]
    tables: list[TableInfo] = field(default_factory=list)

    def __getitem__(self, name: str) -> pl.DataFrame:
        return self.frames[name]


def connect(db: Path) -> duckdb.DuckDBPyConnection:
    """Open the published file read-only (never the working warehouse while a run writes)."""
    if not Path(db).is_file():
        raise FileNotFoundError(f"published DuckDB file {db} not found: publish the marts first")
    return duckdb.connect(str(db), read_only=True)


def load(con: duckdb.DuckDBPyConnection) -> SiteData:
    """Every table of the ``marts`` and ``reference`` schemas, with comments and row counts.

    Raises:
        RuntimeError: a table the site needs is missing.
    """
    listed = con.execute(
        "select schema_name, table_name, comment from duckdb_tables() "
        "where schema_name in ('marts', 'reference') order by schema_name, table_name"
    ).fetchall()
    names = {f"{s}.{t}" for s, t, _ in listed}
    missing = [t for t in REQUIRED if t not in names]
    if missing:
        raise RuntimeError(f"the published file lacks {missing}")
    frames: dict[str, pl.DataFrame] = {}
    tables: list[TableInfo] = []
    for schema, table, comment in listed:
        full = f"{schema}.{table}"
        frame = con.execute(f'select * from "{schema}"."{table}"').pl()
        frames[full] = frame
        cols = con.execute(
            "select column_name, data_type, comment from duckdb_columns() "
            "where schema_name = ? and table_name = ? order by column_index",
            [schema, table],
        ).fetchall()
        tables.append(TableInfo(schema, table, comment, frame.height, cols))
    return SiteData(frames, tables)


def export_tables(con: duckdb.DuckDBPyConnection, tables: list[TableInfo], out: Path) -> dict:
    """Write ``<schema>.<table>.csv`` and ``.parquet`` for every table; return sizes in bytes."""
    out.mkdir(parents=True, exist_ok=True)
    sizes: dict[str, dict[str, int]] = {}
    for info in tables:
        source = f'"{info.schema}"."{info.name}"'
        csv_select = parquet_select = f"select * from {source}"
        base = out / f"{info.full_name}"
        csv_path, pq_path = Path(f"{base}.csv"), Path(f"{base}.parquet")
        con.execute(f"copy ({csv_select}) to '{csv_path}' (format csv, header true)")
        con.execute(f"copy ({parquet_select}) to '{pq_path}' (format parquet, compression zstd)")
        sizes[info.full_name] = {"csv": csv_path.stat().st_size, "parquet": pq_path.stat().st_size}
    return sizes


def suppress_participants(row: dict, t_no_data: str) -> tuple[str | None, float]:
    """How a participant count is shown, and its sort key: ``[c]`` where the published file
    withholds it (disclosure control), ``t_no_data`` where it is missing, else ``None`` (the
    caller formats the number)."""
    if row.get(SUPPRESSED_FLAG):
        return SUPPRESSED, 0.0
    value = row.get("participant_count")
    if value is None:
        return t_no_data, -1.0
    return None, float(value)
