"""Housekeeping from issue 10: quality reports out of the policy-team folder, pruned, readable
offline; site and published folders world-readable; column schemas known before any run; a
contract and a check for every staging model."""

import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines.contracts import all_contract_tables
from pipelines.quality.report import prune_quality_reports
from pipelines.settings import PROJECT_ROOT


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_quality_reports_are_kept_out_of_the_published_folder(built_warehouse, pipeline_env):
    published = Path(pipeline_env["WELLBEING_PUBLISH_DIR"])
    quality = Path(pipeline_env["WELLBEING_QUALITY_DIR"])
    assert not (published / "quality").exists()
    assert (quality / "data_docs" / "index.html").exists()
    report = (quality / "report.html").read_text(encoding="utf-8")
    # Offline: no script and nothing loaded from elsewhere (GX Data Docs pull 16 CDN files).
    assert "<script" not in report
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", report)
    for table in (
        "raw.wimd_2025_ranks",
        "marts.lsoa_profile",
        "staging.stg_partnership_activity__activities",
    ):
        assert f"<code>{table}</code>" in report
    assert "0 failed" in report


def test_reports_are_pruned_to_the_last_runs(tmp_path):
    for sub in ("gx/uncommitted/validations/contract", "data_docs/validations/contract"):
        for table in ("raw/wimd_2025_ranks", "marts/lsoa_profile"):
            for i in range(7):
                run = tmp_path / sub / table / f"run-{i}" / "20260101T000000Z"
                run.mkdir(parents=True)
                (run / "result.json").write_text("{}")
                stamp = time.time() - 100 + i
                os.utime(run.parent, (stamp, stamp))
    removed = prune_quality_reports(tmp_path, keep=3)
    assert len(removed) == 2 * 2 * 4
    for sub in ("gx/uncommitted/validations/contract", "data_docs/validations/contract"):
        for table in ("raw/wimd_2025_ranks", "marts/lsoa_profile"):
            kept = sorted(p.name for p in (tmp_path / sub / table).iterdir())
            assert kept == ["run-4", "run-5", "run-6"]
    assert prune_quality_reports(tmp_path, keep=3, table="raw.wimd_2025_ranks") == []


def test_site_and_published_folders_are_world_readable(built_warehouse, pipeline_env):
    site = Path(pipeline_env["WELLBEING_DASHBOARD_DIR"])
    published = Path(pipeline_env["WELLBEING_PUBLISH_DIR"])
    assert _mode(site) & 0o755 == 0o755, oct(_mode(site))  # was 0700 (mkdtemp)
    assert _mode(published) & 0o755 == 0o755
    assert _mode(published / "wellbeing.duckdb") & 0o644 == 0o644


PUBLISH_UNDER_UMASK = r"""
import os, sys
os.umask(0o077)
from pipelines.operations.publish import publish
publish(sys.argv[1], sys.argv[2])
"""


def test_published_files_are_readable_whatever_the_umask(built_warehouse, tmp_path):
    out = tmp_path / "published"
    subprocess.run(
        [sys.executable, "-c", PUBLISH_UNDER_UMASK, str(built_warehouse), str(out)],
        check=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
    )
    assert _mode(out) == 0o755 and _mode(out / "exports") == 0o755
    files = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert len(files) > 10
    assert {p.name: _mode(p) for p in files if _mode(p) != 0o644} == {}


def test_column_schemas_are_known_before_any_run():
    from pipelines.definitions import build_definitions

    graph = build_definitions().resolve_asset_graph()
    contract_tables = set(all_contract_tables())
    checked = 0
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        table = ".".join(key.path)
        if not node.is_executable or table not in contract_tables:
            continue
        schema = node.metadata.get("dagster/column_schema")
        assert isinstance(schema, dg.TableSchema), table
        assert schema.columns and all(c.description for c in schema.columns), table
        checked += 1
    assert checked >= 45
    lsoa = graph.get(dg.AssetKey(["marts", "local_authority_profile"])).metadata
    funding = next(c for c in lsoa["dagster/column_schema"].columns if c.name == "funding_gbp")
    assert "GBP" in funding.description


def test_every_staging_model_has_a_contract_and_a_blocking_check():
    from pipelines.definitions import build_definitions

    graph = build_definitions().resolve_asset_graph()
    staging = [k for k in graph.get_all_asset_keys() if k.path[0] == "staging"]
    assert len(staging) >= 10
    for key in staging:
        assert ".".join(key.path) in set(all_contract_tables()), key
        checks = [c for c in graph.asset_check_keys if c.asset_key == key]
        assert dg.AssetCheckKey(key, f"contract_{key.path[1]}") in checks, key


def test_partner_staging_contract_passes_on_the_real_build(warehouse):
    rows = warehouse.execute(
        "select rule_name, success from quality.check_results "
        "where table_name = 'staging.stg_partnership_activity__activities'"
    ).fetchall()
    rules = {name for name, _ in rows}
    assert {
        "one_row_per_activity",
        "every_current_row_kept",
        "sectors_allowed",
        "wellbeing_goals_known",
        "lsoa_code_in_geography",
        "financial_year_of_start_date",
    } <= rules
    assert all(ok for _, ok in rows), [name for name, ok in rows if not ok]


@pytest.mark.parametrize("name", ["operations.yaml", "partnership_activity_staging.yaml"])
def test_new_contracts_describe_every_column(name):
    import yaml

    doc = yaml.safe_load((PROJECT_ROOT / "data_contracts" / name).read_text(encoding="utf-8"))
    for obj in doc["schema"]:
        assert obj["description"]
        for prop in obj["properties"]:
            assert prop["description"] and prop["logicalType"] and prop["physicalType"]
