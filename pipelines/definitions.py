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
from pipelines.executors import warehouse_executor
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


def build_definitions() -> dg.Definitions:
    modules = _modules()
    return dg.Definitions(
        assets=dg.load_assets_from_modules(modules),
        asset_checks=dg.load_asset_checks_from_modules(modules),
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
