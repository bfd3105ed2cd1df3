"""The quality gate and accepting a source version, on the real WIMD 2025 file.

Reproduces issue 10: a WIMD 2025 copy missing Cardiff fails ``contract_wimd_2025_ranks``; a run
that selected no checks (as automation, the UI's "Materialize" of one model, or
``dagster asset materialize`` of the staging model do) used to rebuild staging on it. Now the
model refuses, keeps its last good version, and says what failed and how to accept it; once an
analyst accepts the version (who, which checksum, which check, why), the check passes and the
model builds.
"""

import dagster as dg
import duckdb
import pytest

from pipelines.geography.assets import lsoa21_ward_la_lookup
from pipelines.operations.accept import accept_source_version_job
from pipelines.quality.checks import contract_check
from pipelines.transform.assets import sql_model_assets
from pipelines.warehouse import Warehouse
from pipelines.wimd.assets import wimd_2025_ranks
from tests.integration.helpers import WIMD_2025_CSV, wimd_mirror

STAGING_KEY = dg.AssetKey(["staging", "stg_wimd__wimd_2025"])
STAGING = next(a for a in sql_model_assets if STAGING_KEY in a.keys)
CHECK = "contract_wimd_2025_ranks"


@pytest.fixture()
def mirror(tmp_path, shared_data, monkeypatch):
    return wimd_mirror(tmp_path, shared_data, monkeypatch)


def _staging_rows(warehouse: Warehouse) -> int:
    with duckdb.connect(str(warehouse.file), read_only=True) as con:
        return con.execute("select count(*) from staging.stg_wimd__wimd_2025").fetchone()[0]


def test_no_model_is_built_on_a_failed_check_until_accepted(mirror, remove_cardiff, tmp_path):
    warehouse = Warehouse(path=str(tmp_path / "warehouse.duckdb"))
    resources = {"warehouse": warehouse}
    check = contract_check("raw.wimd_2025_ranks")
    everything = [wimd_2025_ranks, lsoa21_ward_la_lookup, STAGING, check]
    assert dg.materialize(everything, resources=resources).success
    assert _staging_rows(warehouse) == 1917

    # The publisher's copy loses Cardiff: the source is loaded and its check fails.
    remove_cardiff(mirror)
    loaded = dg.materialize(
        [wimd_2025_ranks, check],
        resources=resources,
        selection=[wimd_2025_ranks.key],
        raise_on_error=False,
    )
    evaluation = loaded.get_asset_check_evaluations()[0]
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR

    # A run that selected no check (what automation or the UI launch) refuses to build on it.
    refused = dg.materialize([STAGING], resources=resources, raise_on_error=False)
    assert not refused.success
    failure = next(e for e in refused.all_events if e.is_step_failure)
    message = failure.step_failure_data.user_failure_data.description
    assert "staging/stg_wimd__wimd_2025 was not rebuilt" in message
    assert f"raw.wimd_2025_ranks: check {CHECK} failed" in message
    assert "every_local_authority_present" in message and "every_lsoa_present" in message
    assert f"make accept-source SOURCE=wimd_2025_ranks CHECK={CHECK}" in message
    assert _staging_rows(warehouse) == 1917, "the model keeps its last good version"

    # An acceptance of the checksum alone does not accept the error-level failure.
    job = accept_source_version_job()
    only_checksum = job.execute_in_process(
        run_config={
            "ops": {
                "record_source_acceptance": {
                    "config": {
                        "source": "wimd_2025_ranks",
                        "reason": "checking",
                        "accepted_by": "Ceri Jones",
                    }
                }
            }
        },
        resources=resources,
    )
    [recheck] = only_checksum.get_asset_check_evaluations()
    assert not recheck.passed and recheck.severity == dg.AssetCheckSeverity.ERROR
    assert "source_checksum" not in recheck.description  # the new checksum is now expected
    assert not dg.materialize([STAGING], resources=resources, raise_on_error=False).success

    # The analyst accepts the version with its failed check: recorded, re-checked, and built.
    accepted = job.execute_in_process(
        run_config={
            "ops": {
                "record_source_acceptance": {
                    "config": {
                        "source": "wimd_2025_ranks",
                        "check": CHECK,
                        "accepted_by": "Ceri Jones",
                        "reason": "Cardiff withdrawn by the publisher pending a correction",
                    }
                }
            }
        },
        resources=resources,
    )
    [recheck] = accepted.get_asset_check_evaluations()
    assert recheck.passed, recheck.description
    assert recheck.description.startswith("ACCEPTED") and "Ceri Jones" in recheck.description
    assert dg.materialize([STAGING], resources=resources).success
    assert _staging_rows(warehouse) == 1699  # 1,917 LSOAs less Cardiff's 218
    with duckdb.connect(str(warehouse.file), read_only=True) as con:
        rows = con.execute(
            "select accepted_by, source_key, table_name, check_name, failed_rules, reason, "
            "source_sha256 = (select any_value(source_sha256) from raw.wimd_2025_ranks) "
            "from quality.accepted_source_versions order by accepted_at"
        ).fetchall()
    assert [r[:4] for r in rows] == [
        ("Ceri Jones", "wimd_2025_ranks", None, None),
        ("Ceri Jones", "wimd_2025_ranks", "raw.wimd_2025_ranks", CHECK),
    ]
    assert "every_local_authority_present" in rows[1][4] and all(r[6] for r in rows)

    # The next revision of the file is checked afresh: the acceptance was for that checksum.
    path = mirror / WIMD_2025_CSV
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    again = dg.materialize(
        [wimd_2025_ranks, check],
        resources=resources,
        selection=[wimd_2025_ranks.key],
        raise_on_error=False,
    )
    assert not again.get_asset_check_evaluations()[0].passed
    assert not dg.materialize([STAGING], resources=resources, raise_on_error=False).success

    report = (tmp_path / "quality" / "report.html").read_text(encoding="utf-8")
    assert "Cardiff withdrawn by the publisher" in report and "failed" in report
    assert "<script" not in report and "http" not in report.split("</style>")[0]


def test_acceptance_needs_a_reason_and_a_known_source(mirror, tmp_path):
    warehouse = Warehouse(path=str(tmp_path / "warehouse.duckdb"))
    job = accept_source_version_job()
    for config, expected in [
        ({"source": "no_such_source", "reason": "x"}, "unknown source 'no_such_source'"),
        ({"source": "wimd_2025_ranks", "reason": " "}, "say why"),
        ({"source": "wimd_2025_ranks", "reason": "x"}, "load the source first"),
    ]:
        result = job.execute_in_process(
            run_config={"ops": {"record_source_acceptance": {"config": config}}},
            resources={"warehouse": warehouse},
            raise_on_error=False,
        )
        assert not result.success
        failure = next(e for e in result.all_events if e.is_step_failure)
        assert expected in failure.step_failure_data.user_failure_data.description
