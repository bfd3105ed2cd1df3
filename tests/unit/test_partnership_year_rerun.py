"""Partner activity is partitioned by financial year in the definitions (the re-run itself, on a
built warehouse: tests/integration/test_partnership_year_rerun.py)."""

import dagster as dg

from pipelines.financial_year import label_of
from pipelines.operations import jobs, keys
from pipelines.settings import PROJECT_ROOT


def test_definitions_expose_financial_year_partitions():
    from pipelines.definitions import build_definitions

    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    node = graph.get(keys.PARTNER_YEAR_RERUNS_KEY)
    partitions = node.partitions_def
    assert isinstance(partitions, dg.TimeWindowPartitionsDefinition)
    partition_keys = partitions.get_partition_keys()
    assert partition_keys[0] == "2015-04-01"
    assert {"2021-04-01", "2022-04-01", "2023-04-01", "2024-04-01", "2025-04-01"} <= set(
        partition_keys
    )
    assert all(k.endswith("-04-01") for k in partition_keys)
    assert label_of("2023-04-01") == "2023-24"
    # Only this asset is partitioned; `make run` (and the whole-run selection) leave it out.
    partitioned = {k for k in graph.get_all_asset_keys() if graph.get(k).partitions_def}
    assert partitioned == {keys.PARTNER_YEAR_RERUNS_KEY}
    whole = jobs.whole_run_selection().resolve(graph)
    assert keys.PARTNER_YEAR_RERUNS_KEY not in whole and keys.PARTNER_KEY in whole
    assert 'not key:"quality/partnership_activity_year_reruns"' in (
        PROJECT_ROOT / "Makefile"
    ).read_text(encoding="utf-8")
    rerun_job = defs.resolve_job_def(jobs.PARTNER_YEAR_RERUN_JOB)
    assert rerun_job.partitions_def == partitions
    selected = rerun_job.asset_layer.executable_asset_keys
    assert keys.PARTNER_YEAR_RERUNS_KEY in selected and keys.PARTNER_STAGING_KEY in selected
    assert keys.PUBLISHED_KEY in selected and keys.PARTNER_KEY not in selected
    for name in (jobs.PUBLIC_REFRESH_JOB, jobs.PARTNER_INGESTION_JOB):
        job = defs.resolve_job_def(name)
        assert job.partitions_def is None
        assert keys.PARTNER_YEAR_RERUNS_KEY not in job.asset_layer.executable_asset_keys
