"""Housekeeping from issue 10 that needs no run: reports pruned, column schemas known before any
run, a contract and a check for every staging model (the built side:
tests/integration/test_housekeeping.py)."""

import os
import time

import dagster as dg
import pytest

from pipelines.contracts import all_contract_tables
from pipelines.quality.report import prune_quality_reports
from pipelines.settings import PROJECT_ROOT


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


@pytest.mark.parametrize("name", ["operations.yaml", "partnership_activity_staging.yaml"])
def test_new_contracts_describe_every_column(name):
    import yaml

    doc = yaml.safe_load((PROJECT_ROOT / "data_contracts" / name).read_text(encoding="utf-8"))
    for obj in doc["schema"]:
        assert obj["description"]
        for prop in obj["properties"]:
            assert prop["description"] and prop["logicalType"] and prop["physicalType"]
