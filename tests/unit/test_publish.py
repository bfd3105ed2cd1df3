"""Publishing: the read-only snapshot, its comments, exports and data dictionary."""

import csv
import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.operations.assets import EVERY_COLUMN_COMMENTED, published_deps, wellbeing_duckdb
from pipelines.operations.publish import (
    PublishError,
    dictionary_html,
    dictionary_markdown,
    missing_comments,
    publish,
    published_file,
)
from pipelines.warehouse import Warehouse


def make_tiny_warehouse(path: Path, rows: int = 100, version: int = 1) -> Path:
    """A small working warehouse: one mart and one reference table, fully commented, plus raw
    partner rows and quarantined rows that must never be published."""
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    for schema in ("raw", "staging", "marts", "reference", "quality"):
        con.execute(f"create schema if not exists {schema}")
    con.execute(
        f"""
        create table marts.lsoa_profile as
        select
            'W01' || lpad(i::varchar, 6, '0') as lsoa_code,
            (i % 10) + 1 as wimd_decile,
            1000 + (i % 7) as population,
            {int(version)} as version,
            ['a prosperous Wales', 'a healthier Wales'] as wellbeing_goals
        from range({int(rows)}) t(i)
        """
    )
    con.execute("comment on table marts.lsoa_profile is 'One row per LSOA.'")
    for col, text in {
        "lsoa_code": "LSOA 2021 code.",
        "wimd_decile": "WIMD 2025 decile, 1 = most deprived.",
        "population": "Usual residents. Unit: people.",
        "version": "Test version marker.",
        "wellbeing_goals": "Well-being goals served.",
    }.items():
        con.execute(f"comment on column marts.lsoa_profile.{col} is '{text}'")
    con.execute("create table reference.wellbeing_goals as select 1 as goal_number")
    con.execute("comment on table reference.wellbeing_goals is 'The seven well-being goals.'")
    con.execute("comment on column reference.wellbeing_goals.goal_number is 'Goal number.'")
    con.execute("create table raw.partnership_activity as select 'x@example.org' as contact_email")
    con.execute("create table quality.quarantine as select 'bad row' as reason")
    con.close()
    return path


@pytest.fixture()
def tiny(tmp_path) -> tuple[Path, Path]:
    return make_tiny_warehouse(tmp_path / "warehouse.duckdb"), tmp_path / "published"


def test_publish_copies_marts_and_reference_only_with_comments(tiny):
    warehouse, publish_dir = tiny
    result = publish(warehouse, publish_dir)
    assert result.file == published_file(publish_dir)
    assert result.missing_comments == []
    with duckdb.connect(str(result.file), read_only=True) as con:
        tables = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() order by 1"
        ).fetchall()
        assert [t for (t,) in tables] == [
            "dictionary.code_labels",
            "dictionary.columns",
            "dictionary.sources",
            "dictionary.tables",
            "marts.lsoa_profile",
            "reference.wellbeing_goals",
        ]
        assert con.execute("select count(*) from marts.lsoa_profile").fetchone()[0] == 100
        assert (
            con.execute(
                "select comment from duckdb_columns() where table_name = 'lsoa_profile' "
                "and column_name = 'population'"
            ).fetchone()[0]
            == "Usual residents. Unit: people."
        )
        assert (
            con.execute(
                "select description from dictionary.columns where table_name = 'lsoa_profile' "
                "and column_name = 'wimd_decile'"
            ).fetchone()[0]
            == "WIMD 2025 decile, 1 = most deprived."
        )
        assert (
            con.execute(
                "select row_count from dictionary.tables where table_name = 'lsoa_profile'"
            ).fetchone()[0]
            == 100
        )
    leftovers = [p.name for p in publish_dir.rglob(".tmp-*")]
    assert leftovers == []


def test_publish_writes_exports_dictionary_and_manifest(tiny):
    warehouse, publish_dir = tiny
    publish(warehouse, publish_dir)
    exports = publish_dir / "exports"
    assert (exports / "lsoa_profile.parquet").is_file()
    assert (exports / "lsoa_profile.csv").is_file()
    assert (exports / "reference__wellbeing_goals.parquet").is_file()
    rows = duckdb.sql(f"select count(*) from '{exports / 'lsoa_profile.parquet'}'").fetchone()[0]
    assert rows == 100
    md = (publish_dir / "data_dictionary.md").read_text()
    assert "## marts.lsoa_profile" in md and "Usual residents. Unit: people." in md
    page = (publish_dir / "data_dictionary.html").read_text()
    assert '<html lang="en">' in page and "WIMD 2025 decile, 1 = most deprived." in page
    manifest = json.loads((publish_dir / "manifest.json").read_text())
    assert {"table": "marts.lsoa_profile", "rows": 100, "columns": 5} in manifest["tables"]
    # every dictionary table is exported, as the README says
    for name in ("columns", "tables", "sources", "code_labels"):
        for fmt in ("csv", "parquet"):
            assert manifest["exports"][f"dictionary.{name}"][fmt] == f"dictionary__{name}.{fmt}"
            assert (exports / f"dictionary__{name}.{fmt}").is_file()


def test_the_published_file_names_each_code_in_english_and_welsh(tiny):
    """A policy team querying marts.activity_by_la_sector.sector saw 'third_sector' and had to
    open the partner contract to learn its name: dictionary.code_labels now holds every code of
    the contracts' valueLabels, commented, and the data dictionary lists it."""
    from pipelines.partnership_activity import contract as pc

    warehouse, publish_dir = tiny
    publish(warehouse, publish_dir)
    with duckdb.connect(str(published_file(publish_dir)), read_only=True) as con:
        rows = con.execute(
            "select table_name, column_name, code, name_en, name_cy from dictionary.code_labels"
        ).fetchall()
        comments = con.execute(
            "select column_name, comment from duckdb_columns() "
            "where schema_name = 'dictionary' and table_name = 'code_labels'"
        ).fetchall()
        (table_comment,) = con.execute(
            "select comment from duckdb_tables() where table_name = 'code_labels'"
        ).fetchone()
    assert (
        "raw.partnership_activity",
        "sectors",
        "third_sector",
        "Third sector",
        "Trydydd sector",
    ) in rows
    for column in ("action_category", "activity_type", "sectors", "partnership_maturity"):
        assert [(code, en) for _, c, code, en, _ in rows if c == column] == list(
            pc.value_labels(column).items()
        )
    assert [c for c, _ in comments] == ["table_name", "column_name", "code", "name_en", "name_cy"]
    assert all(comment for _, comment in comments)
    assert "valueLabels" in table_comment
    assert dict(comments)["table_name"].startswith("The data contract table")
    md = (publish_dir / "data_dictionary.md").read_text()
    assert "## dictionary.code_labels" in md and "The code's name in Welsh" in md


def test_csv_exports_write_a_list_as_text_and_parquet_keeps_the_list(tiny):
    warehouse, publish_dir = tiny
    publish(warehouse, publish_dir)
    exports = publish_dir / "exports"
    with (exports / "lsoa_profile.csv").open(encoding="utf-8-sig", newline="") as f:
        row = next(csv.DictReader(f))
    assert row["wellbeing_goals"] == "a prosperous Wales; a healthier Wales"
    parquet = duckdb.sql(f"select wellbeing_goals from '{exports / 'lsoa_profile.parquet'}'")
    assert parquet.types[0] == "VARCHAR[]"


def test_publish_reports_missing_comments(tmp_path):
    warehouse = make_tiny_warehouse(tmp_path / "wh.duckdb")
    con = duckdb.connect(str(warehouse))
    con.execute("create table marts.undocumented as select 1 as x")
    con.close()
    result = publish(warehouse, tmp_path / "pub")
    assert result.missing_comments == ["marts.undocumented", "marts.undocumented.x"]


def test_publish_refuses_personal_data(tmp_path):
    warehouse = make_tiny_warehouse(tmp_path / "wh.duckdb")
    con = duckdb.connect(str(warehouse))
    con.execute("create table marts.leak as select 'a@b.org' as contact_email")
    con.close()
    with pytest.raises(PublishError, match="personal data"):
        publish(warehouse, tmp_path / "pub")
    assert not published_file(tmp_path / "pub").exists()


NO_WAREHOUSE = (
    "there is no warehouse at {}: run `make run` first to build it (or set WELLBEING_WAREHOUSE "
    "to the warehouse you meant)."
)
NOT_A_DATABASE = (
    "the warehouse file {} is not a DuckDB database ({}). Move it away and run `make run` to "
    "build a new warehouse there, or set WELLBEING_WAREHOUSE to the warehouse you meant."
)


def test_publish_without_warehouse_fails_clearly(tmp_path):
    missing = tmp_path / "missing.duckdb"
    with pytest.raises(PublishError) as error:
        publish(missing, tmp_path / "pub")
    assert str(error.value) == NO_WAREHOUSE.format(missing)
    assert sorted(tmp_path.iterdir()) == []  # no lock file, no published folder


@pytest.mark.parametrize(("content", "size"), [(b"", "0 bytes"), (b"not a database\n", "15 bytes")])
def test_make_publish_says_in_one_line_there_is_no_warehouse_to_publish(
    tmp_path, monkeypatch, capsys, content, size
):
    """``make publish`` checks first (``python -m pipelines.warehouse "make publish"``): exit
    status 1, one line, and nothing written beside the warehouse; the asset, run from the UI,
    fails with the same line instead of DuckDB's IOException."""
    from pipelines.warehouse import main

    warehouse = tmp_path / "data" / "warehouse.duckdb"
    monkeypatch.setenv("WELLBEING_WAREHOUSE", str(warehouse))
    assert main(["make publish"]) == 1
    assert (
        capsys.readouterr().err
        == f"make publish could not start: {NO_WAREHOUSE.format(warehouse)}\n"
    )
    assert not (tmp_path / "data").exists()
    warehouse.parent.mkdir()
    warehouse.write_bytes(content)  # an empty file, or a text file saved under its name
    assert main(["make publish"]) == 1
    assert capsys.readouterr().err == (
        f"make publish could not start: {NOT_A_DATABASE.format(warehouse, size)}\n"
    )
    assert sorted(p.name for p in warehouse.parent.iterdir()) == ["warehouse.duckdb"]
    result = dg.materialize(
        [wellbeing_duckdb],
        resources={"warehouse": Warehouse(path=str(warehouse))},
        run_config={
            "ops": {"published__wellbeing_duckdb": {"config": {"publish_dir": str(tmp_path / "p")}}}
        },
        raise_on_error=False,
    )
    assert not result.success  # the run fails as it starts (the warehouse resource), saying why
    from pipelines.operations.refresh import user_error

    errors = [getattr(e.event_specific_data, "error", None) for e in result.all_events]
    assert {user_error(e)[1].strip() for e in errors if e} == {
        NOT_A_DATABASE.format(warehouse, size)
    }
    assert warehouse.read_bytes() == content and not (tmp_path / "p").exists()
    capsys.readouterr()  # Dagster's own log lines
    make_tiny_warehouse(warehouse)
    assert main(["make publish"]) == 0 and capsys.readouterr().err == ""


def test_publish_removes_stale_temp_files(tiny):
    warehouse, publish_dir = tiny
    (publish_dir / "exports").mkdir(parents=True)
    stale = [
        publish_dir / ".tmp-123-abc-wellbeing.duckdb",
        publish_dir / ".tmp-123-abc-wellbeing.duckdb.wal",
        publish_dir / "exports" / ".tmp-123-abc-lsoa_profile.parquet",
    ]
    for path in stale:
        path.write_bytes(b"half-written")
    result = publish(warehouse, publish_dir)
    assert sorted(result.stale_removed) == sorted(stale)
    assert not any(p.exists() for p in stale)


def test_extra_files_are_published_with_the_rest_and_only_by_a_successful_publish(tmp_path):
    """The partner template is swapped in with the exports; a failed publish (here: refused for
    personal data) leaves the published copy as it was, and no temporary file behind."""
    warehouse = make_tiny_warehouse(tmp_path / "wh.duckdb")
    publish_dir = tmp_path / "pub"
    staged = tmp_path / "staged.xlsx"
    staged.write_bytes(b"template v1")
    name = "partners/partner_submission_template.xlsx"
    publish(warehouse, publish_dir, extra_files={name: staged})
    assert (publish_dir / name).read_bytes() == b"template v1"

    staged.write_bytes(b"template v2")  # the contract changed; the run then fails
    con = duckdb.connect(str(warehouse))
    con.execute("create table marts.leak as select 'a@b.org' as contact_email")
    con.close()
    with pytest.raises(PublishError, match="personal data"):
        publish(warehouse, publish_dir, extra_files={name: staged})
    assert (publish_dir / name).read_bytes() == b"template v1"
    assert not list(publish_dir.rglob(".tmp-*"))

    (publish_dir / "partners" / ".tmp-1-abc-partner_submission_template.xlsx").write_bytes(b"x")
    con = duckdb.connect(str(warehouse))
    con.execute("drop table marts.leak")
    con.close()
    result = publish(warehouse, publish_dir, extra_files={name: staged})
    assert (publish_dir / name).read_bytes() == b"template v2"
    assert [p.name for p in result.stale_removed] == [".tmp-1-abc-partner_submission_template.xlsx"]


def test_the_template_asset_writes_nothing_under_the_published_folder(tmp_path, monkeypatch):
    from pipelines.partnership_activity.assets import staged_template, submission_template

    monkeypatch.setenv("WELLBEING_PUBLISH_DIR", str(tmp_path / "published"))
    monkeypatch.setenv("WELLBEING_CACHE_DIR", str(tmp_path / "cache"))
    assert dg.materialize([submission_template]).success
    assert staged_template().is_file() and staged_template().is_relative_to(tmp_path / "cache")
    assert not (tmp_path / "published").exists()


def test_dictionary_renderers_escape_text():
    from datetime import UTC, datetime

    from pipelines.operations.publish import PublishedColumn, PublishedTable

    table = PublishedTable(
        "marts", "t", 1, "a | b <c>", (PublishedColumn("x", "VARCHAR", "1 < 2 | 3"),)
    )
    when = datetime(2026, 1, 1, tzinfo=UTC)
    assert "1 < 2 \\| 3" in dictionary_markdown([table], when)
    assert "1 &lt; 2 | 3" in dictionary_html([table], when)
    assert missing_comments([table]) == []


def test_published_deps_cover_every_mart_and_reference_table():
    from pipelines.warehouse import sql_models

    deps = {key.to_user_string() for key in published_deps()}
    marts = {f"marts/{table}" for schema, table, _ in sql_models() if schema == "marts"}
    assert marts <= deps
    assert {
        "reference/wellbeing_goals",
        "reference/indicator_goals",
        "reference/national_indicators",
        "reference/areas",
    } <= deps
    assert not any(d.startswith(("raw/", "staging/", "quality/")) for d in deps)


def test_publish_asset_materialises_with_metadata_and_check(tiny, tmp_path, monkeypatch):
    warehouse, publish_dir = tiny
    monkeypatch.setenv("WELLBEING_CACHE_DIR", str(tmp_path / "cache"))  # the staged template
    result = dg.materialize(
        [wellbeing_duckdb],
        resources={"warehouse": Warehouse(path=str(warehouse))},
        run_config={
            "ops": {"published__wellbeing_duckdb": {"config": {"publish_dir": str(publish_dir)}}}
        },
    )
    assert result.success
    materialization = result.asset_materializations_for_node("published__wellbeing_duckdb")[0]
    assert materialization.metadata["tables_copied"].value == 2
    assert materialization.metadata["dagster/row_count"].value == 101
    checks = result.get_asset_check_evaluations()
    assert [(c.check_name, c.passed) for c in checks] == [(EVERY_COLUMN_COMMENTED, True)]
    assert published_file(publish_dir).is_file()
    # the partner template, built from the contract when never staged, published with the rest
    template = publish_dir / "partners" / "partner_submission_template.xlsx"
    assert (
        template.read_bytes()
        == (tmp_path / "cache" / "staged" / template.relative_to(publish_dir)).read_bytes()
    )


# ---------------------------------------------------------------------------------------------
# The real marts, built from ../shared/data


def test_csv_exports_never_run_partner_text_as_a_formula_and_parquet_keeps_it(tmp_path):
    """A partner's title '=HYPERLINK(...)' in a published table (and in its per-area extract) is
    written to the CSV after a single quote, so Excel shows it instead of running it; a
    negative number stays a number; the Parquet and the published file keep the value as sent."""
    warehouse = make_tiny_warehouse(tmp_path / "warehouse.duckdb", rows=2)
    formula = '=HYPERLINK("http://example.com","x")'
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create table marts.lsoa_profile_activity as select * from (values "
            "('W01000001', 'W06000015', ?, '@Cwmpas', -3.5, '-3', ['+1 walk', 'ar ôl']), "
            "('W01000002', 'W06000015', 'Walk', E'\\tTab', 2.0, 'x', ['a'])) "
            "v(lsoa_code, la_code, title, partner, funding_gbp, note, kinds)",
            [formula],
        )
        con.execute("comment on table marts.lsoa_profile_activity is 'Activities.'")
        for col in ("lsoa_code", "la_code", "title", "partner", "funding_gbp", "note", "kinds"):
            con.execute(f"comment on column marts.lsoa_profile_activity.{col} is 'x.'")
        con.execute(
            "create or replace table marts.lsoa_profile as select *, 'W06000015' as "
            "la_code, ? as title from marts.lsoa_profile",
            [formula],
        )
        for col in ("la_code", "title"):
            con.execute(f"comment on column marts.lsoa_profile.{col} is 'x.'")
    publish_dir = tmp_path / "published"
    publish(warehouse, publish_dir)
    exports = publish_dir / "exports"
    raw = (exports / "lsoa_profile_activity.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw[3:].decode("utf-8").splitlines()
    assert lines[1] == (
        'W01000001,W06000015,"\'=HYPERLINK(""http://example.com"",""x"")",'
        "'@Cwmpas,-3.5,-3,'+1 walk; ar ôl"
    )  # a list is "a; b" text, quoted like any text that starts like a formula
    assert lines[2] == "W01000002,W06000015,Walk,'\tTab,2.0,x,a"
    extract = (exports / "lsoa_profile_W06000015.csv").read_bytes().decode("utf-8-sig")
    assert "\"'=HYPERLINK(" in extract and ',"=HYPERLINK(' not in extract
    parquet = exports / "lsoa_profile_activity.parquet"
    assert duckdb.sql(
        f"select title, partner, kinds from '{parquet}' order by 1 limit 1"
    ).fetchone() == (
        formula,
        "@Cwmpas",
        ["+1 walk", "ar ôl"],
    )
    with duckdb.connect(str(published_file(publish_dir)), read_only=True) as con:
        assert con.execute("select title from marts.lsoa_profile limit 1").fetchone() == (formula,)
