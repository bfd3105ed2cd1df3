"""Reading what publishing wrote: the read-only DuckDB file, its manifest and its exports.

The site reads nothing else, and imports nothing from ``pipelines``. Publishing writes
``<publish>/wellbeing.duckdb`` (the ``marts`` and ``reference`` tables the pages show, and
``dictionary.code_labels``: the English and Welsh name of each code of the data contracts, such
as the action categories and partner sectors), ``<publish>/manifest.json`` (exports, per-area
extracts and the disclosure rule) and ``<publish>/exports/``; the site copies the exports into
its ``data/`` folder and links them, so publishing stays the only writer of downloads.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

REQUIRED = (
    "marts.lsoa_profile",
    "marts.local_authority_profile",
    "marts.goal_indicators",
    "marts.activity_by_wimd_decile",
    "marts.collaboration_and_goals",
    "marts.activity_by_la_year",
    "marts.activity_by_la_sector",
    "marts.similar_areas",
    "marts.postcode_lsoa",
    "reference.wellbeing_goals",
    "reference.indicator_goals",
    "dictionary.code_labels",
)
# Read for search only (two columns): the other tables are read whole.
COLUMNS = {"marts.postcode_lsoa": ("postcode", "postcode_district", "lsoa_code")}


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
class Published:
    """The published tables as polars frames, their documentation, and the publish manifest."""

    frames: dict[str, pl.DataFrame]
    tables: list[TableInfo] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)
    exports_dir: Path | None = None
    # (column, code, name_en, name_cy) of dictionary.code_labels
    code_labels: list[tuple[str, str, str, str]] = field(default_factory=list)

    def __getitem__(self, name: str) -> pl.DataFrame:
        return self.frames[name]

    def code_names(self, lang: str) -> dict[str, dict[str, str]]:
        """Coded column -> {code: its name in ``lang`` ('en' or 'cy')}: what ``Translator``
        takes (``action_category`` -> ``shared_purpose`` -> 'Pwrpas cyffredin')."""
        out: dict[str, dict[str, str]] = {}
        for column, code, name_en, name_cy in self.code_labels:
            out.setdefault(column, {})[code] = name_cy if lang == "cy" else name_en
        return out


def load(db: Path) -> Published:
    """Read every ``marts`` and ``reference`` table of the published file and the names of the
    codes (``dictionary.code_labels``), read-only.

    Raises:
        FileNotFoundError: the published file or its ``manifest.json`` is missing.
        RuntimeError: a table the site needs is missing.
    """
    db = Path(db)
    if not db.is_file():
        raise FileNotFoundError(f"published DuckDB file {db} not found: publish the marts first")
    manifest_file = db.parent / "manifest.json"
    if not manifest_file.is_file():
        raise FileNotFoundError(f"{manifest_file} not found: publish the marts first")
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    if "disclosure" not in manifest:
        raise RuntimeError(f"{manifest_file} states no disclosure rule: publish again")
    with duckdb.connect(str(db), read_only=True) as con:
        every = con.execute(
            "select schema_name, table_name, comment from duckdb_tables() "
            "order by schema_name, table_name"
        ).fetchall()
        names = {f"{s}.{t}" for s, t, _ in every}
        missing = [t for t in REQUIRED if t not in names]
        if missing:
            raise RuntimeError(f"the published file {db} lacks {missing}: publish again")
        listed = [row for row in every if row[0] in ("marts", "reference")]
        code_labels = con.execute(
            "select column_name, code, name_en, name_cy from dictionary.code_labels"
        ).fetchall()
        frames: dict[str, pl.DataFrame] = {}
        tables: list[TableInfo] = []
        for schema, table, comment in listed:
            full = f"{schema}.{table}"
            cols = con.execute(
                "select column_name, data_type, comment from duckdb_columns() "
                "where schema_name = ? and table_name = ? order by column_index",
                [schema, table],
            ).fetchall()
            # the table's name is bound as a parameter: no SQL text is built from it
            relation = con.sql("from query_table(?)", params=[full])
            wanted = COLUMNS.get(full)
            frames[full] = (relation.select(*wanted) if wanted else relation).pl()
            tables.append(TableInfo(schema, table, comment, frames[full].height, cols))
    return Published(frames, tables, manifest, db.parent / "exports", code_labels)
