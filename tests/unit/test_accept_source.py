"""``make accept-source`` misused, and what can be accepted, without a build (the acceptance of
real drift on the real warehouse: tests/integration)."""

import duckdb
import pytest

from pipelines.operations import accept
from pipelines.quality.acceptance import AcceptanceError, record_acceptance
from pipelines.quality.validate import RESULTS_DDL

EMPTY = ["--source", "", "--reason", "", "--by", "", "--check", "", "--table", "", "--sha256", ""]


def _args(**given) -> list[str]:
    out = list(EMPTY)
    for name, value in given.items():
        out[out.index(f"--{name}") + 1] = value
    return out


def test_no_source_or_reason_shows_usage_before_starting_anything(capsys, monkeypatch):
    monkeypatch.setattr(accept, "accept_source_version_job", pytest.fail)  # never started
    assert accept.main(_args()) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["accept-source: SOURCE= and REASON= are required. Usage:", f"  {accept.USAGE}"]
    assert accept.main(_args(source="lsoa21_rural_urban")) == 2
    assert capsys.readouterr().err.startswith("accept-source: REASON= is required. Usage:")


def test_a_misspelt_source_gets_did_you_mean(capsys, monkeypatch):
    monkeypatch.setattr(accept, "accept_source_version_job", pytest.fail)
    assert accept.main(_args(source="lsoa21_rural_urbn", reason="new version")) == 2
    assert capsys.readouterr().err.startswith(
        "accept-source: unknown source 'lsoa21_rural_urbn': did you mean lsoa21_rural_urban?"
    )


def test_another_writer_is_one_line_not_a_trace(tmp_path, capsys, monkeypatch):
    from pipelines.warehouse_lock import WarehouseBusyError, WriterLock

    def busy(self, **kwargs):
        raise WarehouseBusyError("the working warehouse x is being written by pid 1 (make run)")

    monkeypatch.setenv("WELLBEING_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setattr(WriterLock, "acquire", busy)
    monkeypatch.setattr(accept, "accept_source_version_job", pytest.fail)
    assert accept.main(_args(source="lsoa21_rural_urban", reason="new version")) == 1
    assert capsys.readouterr().err == (
        "accept-source could not start: the working warehouse x is being written by pid 1 "
        "(make run)\n"
    )


def test_a_table_without_the_contracts_columns_cannot_be_accepted():
    """An HTML page loaded as the file: one column doctype_html, rules not evaluated."""
    con = duckdb.connect()
    con.execute("create schema raw; create schema quality")
    con.execute(
        f"create table raw.lsoa21_rural_urban as select 'x' as doctype_html, "
        f"'{'b' * 64}' as source_sha256"
    )
    con.execute(RESULTS_DDL)
    rows = [
        ("lsoa21cd.exists", "expect_column_to_exist", "lsoa21cd", '"column missing"'),
        ("ruc21cd.exists", "expect_column_to_exist", "ruc21cd", '"column missing"'),
        ("lsoa21cd.unique", "unique", "lsoa21cd", '"not evaluated: column lsoa21cd missing"'),
        ("lsoa21cd.complete", "set", "lsoa21cd", '"not evaluated: column lsoa21cd missing"'),
    ]
    con.executemany(
        "insert into quality.check_results (run_id, checked_at, table_name, check_name, "
        "rule_name, expectation_type, column_name, severity, success, observed_value) values "
        "('r', timestamptz '2026-12-01 10:00:00+00', 'raw.lsoa21_rural_urban', 'contract_lsoa21_rural_urban', ?, ?, ?, "
        "'error', false, ?)",
        rows,
    )
    with pytest.raises(AcceptanceError) as error:
        record_acceptance(
            con,
            source_key="lsoa21_rural_urban",
            reason="new version",
            accepted_by="Ceri",
            check_name="contract_lsoa21_rural_urban",
        )
    assert str(error.value).startswith(
        "raw.lsoa21_rural_urban cannot be accepted: column lsoa21cd, ruc21cd missing, so 2 "
        "rule(s) of its contract could not be evaluated."
    )
    assert "fix the source file and type make run" in str(error.value)
    assert con.execute(
        "select count(*) from duckdb_tables() where table_name = 'accepted_source_versions'"
    ).fetchone() == (0,)


def test_not_even_the_checksum_of_a_file_that_is_not_the_table_is_accepted():
    con = duckdb.connect()
    con.execute("create schema raw; create schema quality")
    con.execute(f"create table raw.lsoa21_rural_urban as select '{'b' * 64}' as source_sha256")
    con.execute(RESULTS_DDL)
    con.execute(
        "insert into quality.check_results (run_id, checked_at, table_name, check_name, "
        "rule_name, expectation_type, column_name, severity, success, observed_value) values "
        "('r', now(), 'raw.lsoa21_rural_urban', 'contract_lsoa21_rural_urban', "
        "'lsoa21cd.exists', 'expect_column_to_exist', 'lsoa21cd', 'error', false, "
        "'\"column missing\"')"
    )
    with pytest.raises(AcceptanceError, match=r"column lsoa21cd missing\. It is not the table"):
        record_acceptance(
            con, source_key="lsoa21_rural_urban", reason="new version", accepted_by="Ceri"
        )
