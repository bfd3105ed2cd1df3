"""The one Dagster code location: every asset, check, schedule, sensor and job of the pipeline.

Dagster's loader (``dg.load_assets_from_modules``) collects the assets each domain's ``assets``
module defines at module scope (a new dataset is a new folder whose ``assets`` module is listed
in ``DOMAIN_MODULES``); the jobs, schedules and sensors are the operations modules'. The
project-wide policies are applied once, here: the contract column schema on every asset, one
contract check per contract table among the loaded assets, the warehouse resource, the
executor and the loggers (``pipelines.logs``: a failed step in one console line, not its trace).
"""

import dagster as dg

from pipelines import contracts_checked  # noqa: F401 (first: checks every contract)
from pipelines.air_quality import assets as air_quality
from pipelines.analysis import assets as analysis
from pipelines.boundaries import assets as boundaries
from pipelines.census2021_welsh_language import assets as census2021_welsh_language
from pipelines.community_activity import assets as community_activity
from pipelines.contracts import column_schema
from pipelines.dashboard import assets as dashboard
from pipelines.executors import warehouse_executor
from pipelines.geography import assets as geography
from pipelines.indicators import assets as indicators
from pipelines.logs import LOGGERS
from pipelines.national_indicators import assets as national_indicators
from pipelines.nsw_adult_lifestyles import assets as nsw_adult_lifestyles
from pipelines.ons_local_statistics import assets as ons_local_statistics
from pipelines.operations import assets as operations
from pipelines.operations import deadruns, jobs, schedules, sensors
from pipelines.partnership_activity import assets as partnership_activity
from pipelines.population import assets as population
from pipelines.public_services_boards import assets as public_services_boards
from pipelines.quality.checks import build_contract_checks
from pipelines.reference import assets as reference
from pipelines.resources import default_resources
from pipelines.transform import assets as transform
from pipelines.wimd import assets as wimd

DOMAIN_MODULES = [
    *(air_quality, boundaries, census2021_welsh_language, community_activity, geography),
    *(indicators, national_indicators, nsw_adult_lifestyles, ons_local_statistics),
    *(partnership_activity, population, public_services_boards, reference, wimd),
    *(transform, analysis, dashboard, operations),
]


def _with_contract_schema(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Project-wide: every asset with a data contract shows its column schema (names, types,
    descriptions with units, required/unique) in the UI before its first run."""
    if len(spec.key.path) != 2 or "dagster/column_schema" in (spec.metadata or {}):
        return spec
    schema = column_schema(f"{spec.key.path[0]}.{spec.key.path[1]}")
    return (
        spec
        if schema is None
        else spec.merge_attributes(metadata={"dagster/column_schema": schema})
    )


def build_definitions() -> dg.Definitions:
    assets = dg.map_asset_specs(_with_contract_schema, dg.load_assets_from_modules(DOMAIN_MODULES))
    return dg.Definitions(
        assets=assets,
        asset_checks=build_contract_checks(assets),  # one per contract table among the assets
        jobs=jobs.JOBS,
        schedules=[schedules.monthly_public_refresh],
        sensors=[sensors.partner_inbox, sensors.wellbeing_automation, deadruns.dead_run_cleanup],
        resources=default_resources(),
        # Chosen when each run starts, from the warehouse back-end: one process running the
        # steps in turn on the DuckDB file (one writer per file), several step processes at once
        # on DuckLake, or Celery workers (WELLBEING_EXECUTOR; see pipelines/executors.py).
        executor=warehouse_executor,
        # Every job's "console" logger (and the "file" one make run turns on): see pipelines/logs.py
        loggers=LOGGERS,
    )


defs = build_definitions()
