"""Source drift: a changed WIMD 2025 file fails its blocking contract check, and the staging model
downstream keeps its last good version."""

import dagster as dg
import duckdb
import pytest

from pipelines.geography.assets import lsoa21_ward_la_lookup
from pipelines.quality.checks import contract_check
from pipelines.transform.assets import sql_model_assets
from pipelines.warehouse import Warehouse
from pipelines.wimd.assets import wimd_2025_ranks
from tests.integration.helpers import WIMD_2025_CSV, wimd_mirror


@pytest.fixture()
def mirror(tmp_path, shared_data, monkeypatch):
    return wimd_mirror(tmp_path, shared_data, monkeypatch)


def _run(warehouse: Warehouse):
    staging = next(
        a for a in sql_model_assets if dg.AssetKey(["staging", "stg_wimd__wimd_2025"]) in a.keys
    )
    check = contract_check("raw.wimd_2025_ranks")
    return dg.materialize(
        [wimd_2025_ranks, lsoa21_ward_la_lookup, staging, check],
        resources={"warehouse": warehouse},
        raise_on_error=False,
    )


def _check_result(result):
    evaluations = result.get_asset_check_evaluations()
    return next(e for e in evaluations if e.check_name == "contract_wimd_2025_ranks")


def test_renamed_column_and_missing_area_stop_the_marts(mirror, tmp_path):
    warehouse = Warehouse(path=str(tmp_path / "warehouse.duckdb"))

    clean = _run(warehouse)
    first = _check_result(clean)
    assert first.passed, first.description
    with duckdb.connect(str(warehouse.file), read_only=True) as con:
        before = con.execute(
            "select * from staging.stg_wimd__wimd_2025 order by lsoa_code"
        ).fetchall()
    assert len(before) == 1917

    # The publisher renames a column and drops Cardiff.
    path = mirror / WIMD_2025_CSV
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].replace(",Health,", ",Health Domain,")
    kept = [line for line in lines[1:] if ",Cardiff," not in line]
    assert len(kept) < len(lines) - 1
    path.write_text("\n".join([header, *kept]) + "\n", encoding="utf-8")

    drifted = _run(warehouse)
    second = _check_result(drifted)
    assert not second.passed
    assert second.severity == dg.AssetCheckSeverity.ERROR
    text = second.description
    assert "'health_rank' is missing" in text and "health_domain" in text
    # exactly the area that went missing, not every authority and not every LSOA
    assert "every_local_authority_present" in text
    assert "missing 1 of 22 local authorities: Cardiff" in text
    assert "missing 218 of 1917 LSOAs: 218 of Cardiff" in text
    assert "Blaenau Gwent" not in text and "missing 22" not in text and "missing 1917" not in text
    assert "row_count" not in text  # no pinned count: the coverage rules say what is missing
    assert "source_checksum" in text  # the new file's checksum is reported as a warning
    # the downstream model did not run, and still holds the clean version
    staging_key = dg.AssetKey(["staging", "stg_wimd__wimd_2025"])
    assert staging_key not in {e.asset_key for e in drifted.get_asset_materialization_events()}
    with duckdb.connect(str(warehouse.file), read_only=True) as con:
        after = con.execute(
            "select * from staging.stg_wimd__wimd_2025 order by lsoa_code"
        ).fetchall()
        results = con.execute(
            "select count(*), count(*) filter (where not success), count(distinct run_id) "
            "from quality.check_results where table_name = 'raw.wimd_2025_ranks'"
        ).fetchone()
    assert after == before
    assert results[1] > 0 and results[2] == 2
    # Quality reports live outside the folder handed to policy teams.
    assert (tmp_path / "quality" / "data_docs" / "index.html").exists()
    assert not (tmp_path / "published" / "quality").exists()
    report = (tmp_path / "quality" / "report.html").read_text(encoding="utf-8")
    assert "raw.wimd_2025_ranks" in report and "every_local_authority_present" in report
