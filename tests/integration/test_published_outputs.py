"""What readers get, scanned end to end after a full run on the real data: the published DuckDB
file, every export (Parquet, CSV), the data dictionary, the manifest and the built site (HTML,
JSON, CSV, Parquet). No participant count from 1 to 4 anywhere, withheld cells agree across all
outputs, true zeros shown as 0, no placeholder comment, and example data labelled as such."""

import csv
import html
import json
import math
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.contracts import placeholder_description
from pipelines.csvfiles import is_flat_list, is_nested

# no number shown: no data, or a participant count no activity reported (unknown, not 0)
NO_DATA = {"No data", "Dim data", "Not reported", "Heb ei adrodd"}
PARTICIPANT_HEADERS = ("Participants", "Cyfranogwyr")


@pytest.fixture(scope="module")
def outputs(built_warehouse, pipeline_env) -> dict[str, Path]:
    publish_dir = Path(pipeline_env["WELLBEING_PUBLISH_DIR"])
    return {
        "warehouse": built_warehouse,
        "file": publish_dir / "wellbeing.duckdb",
        "publish": publish_dir,
        "site": Path(pipeline_env["WELLBEING_DASHBOARD_DIR"]),
    }


def _small(values) -> list:
    return [v for v in values if v is not None and not math.isnan(v) and 1 <= float(v) <= 4]


def _participant_columns(columns) -> list[str]:
    # counts of people; participant_count_activities counts activities (published like activity_count)
    return [
        c
        for c in columns
        if "participant" in c and not c.startswith("is_") and not c.endswith("_activities")
    ]


def test_published_file_holds_no_count_from_one_to_four_and_keeps_true_zeros(outputs):
    pub = duckdb.connect(str(outputs["file"]), read_only=True)
    wh = duckdb.connect(str(outputs["warehouse"]), read_only=True)
    try:
        tables = pub.execute(
            "select schema_name, table_name from duckdb_tables() where schema_name <> 'dictionary'"
        ).fetchall()
        scanned = 0
        for schema, table in tables:
            cols = [
                d[0] for d in pub.execute(f"select * from {schema}.{table} limit 0").description
            ]
            for col in _participant_columns(cols):
                values = [
                    v for (v,) in pub.execute(f"select {col} from {schema}.{table}").fetchall()
                ]
                assert _small(values) == [], f"{schema}.{table}.{col}"
                scanned += 1
        assert scanned >= 4
        zeros = "select count(*) from marts.lsoa_profile where participant_count = 0"
        assert pub.execute(zeros).fetchone()[0] == wh.execute(zeros).fetchone()[0] > 0
        small = "select count(*) from marts.lsoa_profile where participant_count between 1 and 4"
        assert wh.execute(small).fetchone()[0] > 0  # the real run does have small counts
        flagged = pub.execute(
            "select count(*), count(*) filter (where participant_count is null) "
            "from marts.lsoa_profile where is_participant_count_suppressed"
        ).fetchone()
        assert flagged[0] == flagged[1] >= wh.execute(small).fetchone()[0]
    finally:
        pub.close()
        wh.close()


def _withheld_lsoas(outputs) -> set[str]:
    with duckdb.connect(str(outputs["file"]), read_only=True) as con:
        return {
            c
            for (c,) in con.execute(
                "select lsoa_code from marts.lsoa_profile where is_participant_count_suppressed"
            ).fetchall()
        }


def _data_files(outputs) -> list[Path]:
    return [
        *sorted((outputs["publish"] / "exports").glob("*.csv")),
        *sorted((outputs["publish"] / "exports").glob("*.parquet")),
        *sorted(outputs["site"].rglob("*.csv")),
        *sorted(outputs["site"].rglob("*.parquet")),
    ]


def test_every_export_and_download_agrees_with_the_published_file(outputs):
    withheld = _withheld_lsoas(outputs)
    files = _data_files(outputs)
    assert len(files) >= 4 * 9
    for path in files:
        if path.suffix == ".csv":
            text = path.read_text(encoding="utf-8-sig")
            assert "<5" not in text, path
            rows = list(csv.DictReader(text.splitlines()))
            frame = pl.DataFrame(rows) if rows else pl.DataFrame()
        else:
            frame = pl.read_parquet(path)
        for col in _participant_columns(frame.columns):
            values = [None if v in ("", None) else float(v) for v in frame[col].to_list()]
            assert _small(values) == [], (path.name, col)
        if "lsoa_code" in frame.columns and "participant_count" in frame.columns:
            rows = frame.select(
                "lsoa_code", "participant_count", "activity_count", "participant_count_activities"
            ).to_dicts()
            empty = {r["lsoa_code"] for r in rows if r["participant_count"] in (None, "")}
            # unknown, not withheld: activities placed there, none reporting participants
            unknown = {
                r["lsoa_code"]
                for r in rows
                if str(r["activity_count"]) != "0" and str(r["participant_count_activities"]) == "0"
            }
            in_file = set(frame["lsoa_code"].to_list())
            # a per-area extract (lsoa_profile_<W06>.csv) holds one authority's rows
            assert empty == (withheld | unknown) & in_file, path
            assert not withheld & unknown
            if in_file >= withheld:
                assert any(str(v) in ("0", "0.0") for v in frame["participant_count"].to_list())


def _table_cells(page: str, header_prefixes: tuple[str, ...]):
    for table in re.findall(r"<table\b.*?</table>", page, flags=re.DOTALL):
        heads = [
            html.unescape(re.sub(r"<span.*?</span>|<[^>]+>", "", h)).strip()
            for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table, flags=re.DOTALL)
        ]
        index = next((i for i, h in enumerate(heads) if h.startswith(header_prefixes)), None)
        if index is None:
            continue
        body = table[table.find("<tbody>") :]
        for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.DOTALL):
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.DOTALL)
            label = html.unescape(re.sub(r"<[^>]+>", "", cells[0]))
            yield label, html.unescape(re.sub(r"<[^>]+>", "", cells[index])).strip()


def test_site_pages_never_show_a_count_from_one_to_four_and_mark_withheld_ones(outputs):
    withheld = _withheld_lsoas(outputs)
    pages = sorted(outputs["site"].rglob("*.html"))
    assert len(pages) > 40
    seen_zero = seen_withheld = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "&lt;5" not in text and "<5" not in text, page
        for label, cell in _table_cells(text, PARTICIPANT_HEADERS):
            if cell == "[c]":
                seen_withheld += 1
                code = re.search(r"\((W01\d{6})\)", label)
                assert code is None or code.group(1) in withheld, (page.name, label)
                continue
            if cell in NO_DATA:
                continue
            value = float(cell.replace(",", ""))
            assert not 1 <= value <= 4, (page.name, label, cell)
            seen_zero += value == 0
            code = re.search(r"\((W01\d{6})\)", label)
            assert code is None or code.group(1) not in withheld, (page.name, label)
    assert seen_zero > 0 and seen_withheld > 0


def test_site_json_holds_no_count_from_one_to_four(outputs):
    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                yield from walk(v, k)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v, key)
        elif "participant" in key and isinstance(value, int | float):
            yield value

    blobs = [p.read_text(encoding="utf-8") for p in outputs["site"].rglob("*.json")]
    for page in outputs["site"].rglob("*.html"):
        blobs += re.findall(
            r'<script type="application/json"[^>]*>(.*?)</script>',
            page.read_text(encoding="utf-8"),
            flags=re.DOTALL,
        )
    assert blobs
    for blob in blobs:
        assert _small(list(walk(json.loads(blob)))) == []


def test_no_placeholder_comment_reaches_the_published_file_or_dictionary(outputs):
    with duckdb.connect(str(outputs["file"]), read_only=True) as con:
        columns = con.execute(
            "select schema_name, table_name, column_name, comment from duckdb_columns() "
            "where not internal"
        ).fetchall()
        tables = con.execute(
            "select table_name, comment from duckdb_tables() where not internal"
        ).fetchall()
        dictionary = con.execute(
            "select column_name, description from dictionary.columns"
        ).fetchall()
    bad = [f"{s}.{t}.{c}: {d!r}" for s, t, c, d in columns if placeholder_description(c, d)]
    assert bad == []
    assert all(d and len(d) > 20 for _, d in tables)
    assert [c for c, d in dictionary if placeholder_description(c, d)] == []
    for name in ("data_dictionary.md", "data_dictionary.html"):
        text = (outputs["publish"] / name).read_text(encoding="utf-8")
        assert "as named by the source or model" not in text
        assert "Disclosure control: counts from 1 to 4 are withheld" in text
        assert "TS021" in text and "3,107,494" in text


def test_example_data_is_labelled_in_comments_dictionary_manifest_and_parquet(outputs):
    import pyarrow.parquet as pq

    manifest = json.loads((outputs["publish"] / "manifest.json").read_text(encoding="utf-8"))
    example = {t["table"] for t in manifest["tables"] if t.get("is_example_data")}
    assert {
        "marts.collaboration_and_goals",
        "marts.activity_by_wimd_decile",
        "marts.activity_by_la_year",
        "marts.activity_by_la_sector",
        "marts.lsoa_profile",
        "marts.local_authority_profile",
    } <= example
    assert manifest["example_data"] is True
    assert manifest["disclosure_withheld"]["marts.lsoa_profile.participant_count"]["primary"] > 0
    with duckdb.connect(str(outputs["file"]), read_only=True) as con:
        for table in example:
            schema, name = table.split(".")
            comment = con.execute(
                "select description from dictionary.tables where schema_name = ? and table_name = ?",
                [schema, name],
            ).fetchone()[0]
            assert comment.startswith("EXAMPLE DATA, NOT EVIDENCE"), table
            assert "2.5 times as likely per person" in comment
    meta = pq.read_metadata(outputs["publish"] / "exports" / "collaboration_and_goals.parquet")
    assert meta.metadata[b"is_example_data"] == b"true"
    assert meta.metadata[b"description"].startswith(b"EXAMPLE DATA")
    dictionary = (outputs["publish"] / "data_dictionary.md").read_text(encoding="utf-8")
    assert "EXAMPLE DATA, NOT EVIDENCE" in dictionary


@pytest.mark.slow
def test_real_published_file_has_every_table_and_column_commented(outputs):
    with duckdb.connect(str(outputs["file"]), read_only=True) as con:
        schemas = {
            s for (s,) in con.execute("select distinct schema_name from duckdb_tables()").fetchall()
        }
        assert schemas == {"marts", "reference", "dictionary"}
        tables = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where not internal and (comment is null or trim(comment) = '') order by 1"
        ).fetchall()
        columns = con.execute(
            "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns() "
            "where not internal and (comment is null or trim(comment) = '') order by 1"
        ).fetchall()
        marts = {
            t
            for (t,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
    assert {
        "lsoa_profile",
        "local_authority_profile",
        "goal_indicators",
        "public_services_board_profile",
        "health_board_profile",
        "msoa_profile",
    } <= marts
    assert [t for (t,) in tables] == [], "tables without a comment"
    assert [c for (c,) in columns] == [], "columns without a comment"


def test_every_nested_column_of_every_csv_export_reads_back_as_the_published_value(outputs):
    """Profiles' ``indicators`` (a list of structs, up to ~25k characters a cell) and every
    other struct or map column: in every CSV export and per-area extract, each cell is JSON text
    that parses back to exactly the published value; a list of plain values (``la_codes``) is
    ``a; b`` of exactly the published list; Parquet keeps the type."""
    manifest = json.loads((outputs["publish"] / "manifest.json").read_text(encoding="utf-8"))
    exports = outputs["publish"] / "exports"
    pub = duckdb.connect(str(outputs["file"]), read_only=True)
    try:
        nested = pub.execute(
            "select schema_name, table_name, column_name, data_type from duckdb_columns() "
            "where database_name = current_database() and schema_name in "
            "('marts', 'reference', 'dictionary')"
        ).fetchall()
        nested = [(s, t, c, d) for s, t, c, d in nested if is_nested(d)]
        assert {(s, t, c) for s, t, c, _ in nested} >= {
            ("marts", "local_authority_profile", "indicators"),
            ("marts", "public_services_board_profile", "indicators"),
            ("marts", "health_board_profile", "indicators"),
            ("marts", "msoa_profile", "indicators"),
            ("marts", "public_services_board_profile", "la_codes"),
            ("reference", "national_indicators", "pipeline_indicators"),
        }
        checked, longest = 0, 0
        for schema, table, column, data_type in nested:
            names = [manifest["exports"][f"{schema}.{table}"]["csv"]]
            if table == "local_authority_profile":  # per-area extracts of the profiles
                names += [n for n in manifest["area_extracts"].values() if n.startswith(table)]
            flat = is_flat_list(data_type)
            shown = f"array_to_string({column}, '; ')" if flat else f"to_json({column})::varchar"

            def parsed(text, flat=flat):
                if flat:  # an empty or missing list is an empty cell
                    return text or ""
                return json.loads(text) if text else None

            expected = {
                key: parsed(value)
                for key, value in pub.execute(
                    f"select row_number() over () as i, {shown} from {schema}.{table}"
                ).fetchall()
            }
            for name in names:
                with (exports / name).open(encoding="utf-8-sig", newline="") as f:
                    cells = [row[column] for row in csv.DictReader(f)]
                assert cells, name
                for cell in cells:
                    value = parsed(cell)
                    assert value in expected.values(), (name, column, cell[:80])
                    longest = max(longest, len(cell))
                    checked += 1
                if name == names[0]:
                    assert [parsed(c) for c in cells] == list(expected.values()), (name, column)
            parquet = pl.read_parquet(exports / manifest["exports"][f"{schema}.{table}"]["parquet"])
            assert isinstance(parquet.schema[column], pl.List | pl.Struct | pl.Array), column
        assert checked > 2000
        assert longest > 10_000  # the authorities' indicator lists
        cardiff = pub.execute(
            "select len(indicators) from marts.local_authority_profile where la_code = 'W06000015'"
        ).fetchone()[0]
        with (exports / "local_authority_profile.csv").open(encoding="utf-8-sig") as f:
            row = next(r for r in csv.DictReader(f) if r["la_code"] == "W06000015")
        assert len(json.loads(row["indicators"])) == cardiff > 30
    finally:
        pub.close()


def test_every_dictionary_table_is_exported(outputs):
    manifest = json.loads((outputs["publish"] / "manifest.json").read_text(encoding="utf-8"))
    pub = duckdb.connect(str(outputs["file"]), read_only=True)
    try:
        tables = pub.execute(
            "select table_name from duckdb_tables() where schema_name = 'dictionary' order by 1"
        ).fetchall()
        assert [t for (t,) in tables] == ["code_labels", "columns", "sources", "tables"]
        for (table,) in tables:
            files = manifest["exports"][f"dictionary.{table}"]
            assert files == {
                "parquet": f"dictionary__{table}.parquet",
                "csv": f"dictionary__{table}.csv",
            }
            n = pub.execute(f"select count(*) from dictionary.{table}").fetchone()[0]
            parquet = pl.read_parquet(outputs["publish"] / "exports" / files["parquet"])
            with (outputs["publish"] / "exports" / files["csv"]).open(encoding="utf-8-sig") as f:
                assert len(list(csv.DictReader(f))) == parquet.height == n > 0
    finally:
        pub.close()


def test_every_raw_source_is_cited_with_its_licence_and_attribution(outputs):
    """dictionary.sources, the manifest and the data dictionary cite every source file the build
    read: licence, attribution, and the sha256 the raw table recorded; the British Red Cross
    loneliness index carries its MIT copyright and permission notice."""
    pub = duckdb.connect(str(outputs["file"]), read_only=True)
    wh = duckdb.connect(str(outputs["warehouse"]), read_only=True)
    try:
        raw_files = set()
        for (table,) in wh.execute(
            "select table_name from duckdb_columns() where schema_name = 'raw' "
            "and column_name = 'source_sha256'"
        ).fetchall():
            raw_files |= {
                (table, name, sha)
                for name, sha in wh.execute(
                    f"select distinct source_file_name, source_sha256 from raw.{table}"
                ).fetchall()
            }
        raw_tables = {
            t
            for (t,) in wh.execute(
                "select table_name from duckdb_tables() where schema_name = 'raw'"
            ).fetchall()
        }
        sources = pub.execute(
            "select source_key, raw_table, licence, attribution, source_file_name, "
            "source_sha256, retrieved_at from dictionary.sources"
        ).fetchall()
        cited = {(table, name, sha) for _, table, _, _, name, sha, _ in sources if name}
        assert cited == raw_files
        assert len(raw_files) >= 60  # 31 raw tables, 15 + 15 ONS files, 5 census files
        # every raw table but the partners' own records is a catalogue source
        assert raw_tables - {t for _, t, *_ in sources} == {"partnership_activity"}
        for key, _, licence, attribution, name, _, retrieved_at in sources:
            assert licence and len(licence) > 10, key
            assert attribution and len(attribution) > 40, key
            assert name is None or retrieved_at is not None, key
        brc = [a for k, _, _, a, *_ in sources if k == "loneliness_index"]
        assert len(brc) == 1
        assert "MIT" in brc[0] and "Copyright (c) 2023 loneliness authors" in brc[0]
        assert "this permission notice shall be included in all copies" in brc[0]
        ogl = pub.execute(
            "select attribution from dictionary.sources where source_key = 'wimd_2025_ranks'"
        ).fetchone()[0]
        assert ogl == (
            "Source: Welsh Government. Contains public sector information licensed under the "
            "Open Government Licence v3.0."
        )
    finally:
        pub.close()
        wh.close()
    manifest = json.loads((outputs["publish"] / "manifest.json").read_text(encoding="utf-8"))
    by_key = {s["source"]: s for s in manifest["sources"]}
    assert set(by_key) == {k for k, *_ in sources}
    assert "Copyright (c) 2023 loneliness authors" in by_key["loneliness_index"]["attribution"]
    assert by_key["loneliness_index"]["files"][0]["sha256"] == (
        "7b8abbf75bfb2b5ae4bb62df78f07ee9b89bc517b7044e034e48ab7607eddefb"
    )
    for form in ("md", "html"):
        text = (outputs["publish"] / f"data_dictionary.{form}").read_text(encoding="utf-8")
        assert "Sources and licences" in text and "Copyright (c) 2023 loneliness authors" in text


def test_activity_by_la_year_categories_are_what_its_contract_says(outputs):
    """The contract once promised 'all' rows the table never had."""
    pub = duckdb.connect(str(outputs["file"]), read_only=True)
    try:
        categories = pub.execute(
            "select distinct action_category from marts.activity_by_la_year order by 1"
        ).fetchall()
        comment = pub.execute(
            "select comment from duckdb_columns() where table_name = 'activity_by_la_year' "
            "and column_name = 'action_category'"
        ).fetchone()[0]
    finally:
        pub.close()
    assert [c for (c,) in categories] == ["financial_mechanism", "governance", "shared_purpose"]
    assert "no 'all' row" in comment


@pytest.mark.parametrize("content", [None, b"", b"warehouse\n"])
def test_make_publish_without_a_warehouse_says_so_in_one_line_and_writes_nothing(
    published_file, pipeline_env, tmp_path, content
):
    """``make publish`` before ``make run`` (or on an empty or text file at the warehouse's
    path): one line saying there is no warehouse and what to type, exit status non-zero, no
    lock file beside it, and the published file as it was."""
    import os

    from pipelines.catalogue import sha256_of
    from tests.integration.helpers import run_captured

    before = sha256_of(published_file)
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    if content is not None:
        warehouse.parent.mkdir()
        warehouse.write_bytes(content)
    env = {**os.environ, **pipeline_env, "WELLBEING_WAREHOUSE": str(warehouse)}
    result = run_captured(["make", "-s", "publish"], env)
    assert result.returncode != 0
    why = (
        f"there is no warehouse at {warehouse}: run `make run` first to build it"
        if content is None
        else f"the warehouse file {warehouse} is not a DuckDB database ({len(content)} bytes). "
        "Move it away and run `make run` to build a new warehouse there"
    )
    # make's own last line ('make: ***', or 'make[1]: ***' when the tests run under make test)
    [line] = [x for x in result.stderr.splitlines() if not re.match(r"make(\[\d+\])?: \*\*\*", x)]
    assert line.startswith(f"make publish could not start: {why}"), result.stderr
    assert "IOException" not in result.stdout + result.stderr
    left = sorted(p.name for p in warehouse.parent.iterdir()) if warehouse.parent.exists() else []
    assert left == ([] if content is None else ["warehouse.duckdb"])
    assert sha256_of(published_file) == before
