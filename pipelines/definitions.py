"""The one Dagster code location: every asset, check, schedule, sensor and job of the pipeline.

Assets and checks are collected from every ``pipelines.<domain>.assets`` and
``pipelines.<domain>.checks`` module, schedules, sensors and jobs from any
``pipelines.<domain>.{schedules,sensors,jobs}`` module (jobs listed in a module-level ``JOBS``),
so a new dataset is a new folder.
"""

import importlib
import pkgutil

import dagster as dg

import pipelines
from pipelines.contracts import column_schema
from pipelines.executors import warehouse_executor
from pipelines.quality.checks import build_contract_checks
from pipelines.resources import default_resources

COLLECTED = ("assets", "checks", "schedules", "sensors", "jobs")


def _modules() -> list:
    modules = []
    for info in pkgutil.walk_packages(pipelines.__path__, prefix="pipelines."):
        if info.name.rsplit(".", 1)[-1] in COLLECTED:
            modules.append(importlib.import_module(info.name))
    return modules


def _collect(modules: list, kind: type) -> list:
    out = []
    for module in modules:
        for value in vars(module).values():
            items = value if type(value) in (list, tuple) else [value]
            out.extend(item for item in items if isinstance(item, kind) and item not in out)
    return out


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
    modules = _modules()
    assets = dg.map_asset_specs(_with_contract_schema, dg.load_assets_from_modules(modules))
    return dg.Definitions(
        assets=assets,
        # the checks modules' own checks, and one contract check per contract table whose asset
        # was loaded above
        asset_checks=[*dg.load_asset_checks_from_modules(modules), *build_contract_checks(assets)],
        schedules=_collect(modules, dg.ScheduleDefinition),
        sensors=_collect(modules, dg.SensorDefinition),
        jobs=[job for module in modules for job in getattr(module, "JOBS", [])],
        resources=default_resources(),
        # Chosen when each run starts, from the warehouse back-end: one process running the
        # steps in turn on the DuckDB file (one writer per file), several step processes at once
        # on DuckLake, or Celery workers (WELLBEING_EXECUTOR; see pipelines/executors.py).
        executor=warehouse_executor,
    )


defs = build_definitions()
