"""Jobs an analyst or a schedule/sensor launches. Every job that writes the working warehouse is
tagged ``wellbeing/writes=warehouse``; the run queue (deploy/dagster.yaml) runs one such job at a
time, because DuckDB allows one writer per file. ``JOBS`` is what the code location
(``pipelines.definitions``) registers; schedules and sensors refer to the jobs by name.
"""

import dagster as dg

from pipelines.logs import QUIET_CONSOLE
from pipelines.operations import keys
from pipelines.operations.accept import accept_source_version_job

WHOLE_REFRESH_JOB = "whole_refresh"
PUBLIC_REFRESH_JOB = "public_refresh"
PARTNER_INGESTION_JOB = "partner_ingestion"
PUBLISH_JOB = "publish"
PARTNER_YEAR_RERUN_JOB = "partner_year_rerun"


def partner_selection() -> dg.AssetSelection:
    """The partner ingestion asset ``raw/partnership_activity`` (by key prefix, so the code
    location still loads while that asset is missing)."""
    # required_multi_asset_neighbors: the loader is a multi-asset that also writes
    # quality.quarantine and quality.submissions, and cannot be split.
    return dg.AssetSelection.key_prefixes(keys.PARTNER_KEY.path).required_multi_asset_neighbors()


def partitioned_selection() -> dg.AssetSelection:
    """The assets partitioned by financial year (re-run one year at a time, never in a whole run:
    Dagster will not mix partitioned and unpartitioned assets in a run without a partition key)."""
    return dg.AssetSelection.key_prefixes(keys.PARTNER_YEAR_RERUNS_KEY.path)


def whole_run_selection() -> dg.AssetSelection:
    """Every unpartitioned asset: what ``make run`` (and the test suite's full build) materialise."""
    return dg.AssetSelection.all() - partitioned_selection()


def public_sources_selection() -> dg.AssetSelection:
    """Everything except loading partner submissions (those come through the inbox sensor)."""
    partner = partner_selection()
    return (
        whole_run_selection()
        - partner
        - (dg.AssetSelection.groups(keys.PARTNER_GROUP) - partner.downstream())
    )


def partner_year_rerun_selection() -> dg.AssetSelection:
    """The financial-year re-run, then the partner staging model and everything downstream."""
    return (
        partitioned_selection()
        | dg.AssetSelection.key_prefixes(keys.PARTNER_STAGING_KEY.path).downstream()
    )


def _warehouse_job(
    name: str, selection: dg.AssetSelection, description: str, config: dict | None = QUIET_CONSOLE
):
    """An asset job that writes the working warehouse: tagged so the run queue runs one at a time.
    Its default config selects our console logger when launched from the UI or the daemon."""
    return dg.define_asset_job(
        name=name,
        selection=selection,
        description=description,
        config=config,
        tags=keys.WRITES_WAREHOUSE,
        run_tags=keys.WRITES_WAREHOUSE,
    )


JOBS = [
    _warehouse_job(
        name=WHOLE_REFRESH_JOB,
        selection=whole_run_selection(),
        description="Every unpartitioned asset with its checks: what make run executes (make run "
        "selects the out-of-date part of it and what depends on that; launched from here it "
        "rebuilds everything, like FULL=1 make run).",
    ),
    _warehouse_job(
        name=PUBLIC_REFRESH_JOB,
        selection=public_sources_selection(),
        description="Refresh every public source, rebuild staging and marts, publish. Partner "
        "submissions already in the warehouse are kept; new ones come through the partner_inbox "
        "sensor.",
    ),
    _warehouse_job(
        name=PARTNER_INGESTION_JOB,
        selection=partner_selection().downstream() - partitioned_selection(),
        description="Load partner submissions from WELLBEING_PARTNER_INBOX into "
        "raw.partnership_activity, then rebuild what depends on it and publish.",
    ),
    _warehouse_job(
        name=PARTNER_YEAR_RERUN_JOB,
        config=None,
        selection=partner_year_rerun_selection(),
        description="Re-run one financial year of partner activity (pick a partition: "
        "2023-04-01 is 2023-24; several years with a backfill): re-validate that year's current "
        "rows against the current reference data, rewrite that year only, then rebuild the "
        "partner staging model, the marts and the published file.",
    ),
    _warehouse_job(
        name=PUBLISH_JOB,
        selection=dg.AssetSelection.assets(keys.PUBLISHED_KEY),
        description="Publish the current marts again (read-only snapshot, exports, dictionary).",
    ),
    accept_source_version_job(),
]
