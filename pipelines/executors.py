"""How a run's steps execute, chosen when the run starts from the warehouse back-end.

``warehouse_executor`` is the code location's executor. Its mode comes from the run's
executor config or, when that is empty, ``WELLBEING_EXECUTOR`` (read at run time, never at
import):

| mode | steps | when |
|---|---|---|
| ``auto`` (default) | ``in_process`` on the DuckDB file, ``multiprocess`` on DuckLake | always right |
| ``in_process`` | one process, one step after another | the DuckDB file allows one writer |
| ``multiprocess`` | up to ``WELLBEING_MAX_CONCURRENT_STEPS`` step processes at once, forked from a server that has the code location loaded (no per-step import) | DuckLake on one machine |
| ``celery`` | each step a Celery task on any worker (``dagster-celery worker start``), broker ``WELLBEING_CELERY_BROKER`` | DuckLake across machines |

Steps that run at once write different tables, which DuckLake commits independently; the DuckDB
file would make them queue on its lock, so ``multiprocess`` and ``celery`` refuse it. Both need
a persistent Dagster instance (``DAGSTER_HOME``), as ``make run`` and the daemon use.
"""

import dagster as dg

from pipelines.settings import number_problem, setting, setting_number
from pipelines.warehouse import Warehouse, WarehouseError

MODES = ("auto", "in_process", "multiprocess", "celery")
PARALLEL_MODES = ("multiprocess", "celery")
RETRIES = {"enabled": {}}
PRELOAD_MODULES = ("pipelines.definitions", "great_expectations", "pipelines.quality.validate")


def executor_mode(configured: str = "") -> str:
    """The mode a run uses: ``configured`` or ``WELLBEING_EXECUTOR``, ``auto`` resolved against the
    configured warehouse back-end.

    Raises:
        WarehouseError: an unknown mode, or a parallel mode on the DuckDB file back-end.
    """
    mode = (configured or setting("WELLBEING_EXECUTOR") or "auto").strip().lower()
    if mode not in MODES:
        raise WarehouseError(f"WELLBEING_EXECUTOR={mode!r}: expected one of {', '.join(MODES)}")
    backend = Warehouse().backend()
    if mode == "auto":
        return "multiprocess" if backend.concurrent_writers else "in_process"
    if mode in PARALLEL_MODES and not backend.concurrent_writers:
        raise WarehouseError(
            f"WELLBEING_EXECUTOR={mode} runs steps at once, but the warehouse "
            f"{backend.describe()} allows one writer at a time: use in_process (or auto), or move "
            "the warehouse to DuckLake (WELLBEING_WAREHOUSE=ducklake:postgres:...)"
        )
    return mode


def _max_concurrent(configured: int) -> int:
    if configured:
        return configured
    if problem := number_problem("WELLBEING_MAX_CONCURRENT_STEPS"):
        raise WarehouseError(problem)
    return int(setting_number("WELLBEING_MAX_CONCURRENT_STEPS"))


def _requirements(config: dict) -> list[dg.ExecutorRequirement]:
    if executor_mode(config.get("mode", "")) in PARALLEL_MODES:
        return dg.multiple_process_executor_requirements()
    return []


def _delegate(init_context: dg.InitExecutorContext, executor_def, config: dict) -> dg.Executor:
    return executor_def.executor_creation_fn(
        dg.InitExecutorContext(
            job=init_context.job,
            executor_def=executor_def,
            executor_config=config,
            instance=init_context.instance,
        )
    )


@dg.executor(
    name="warehouse_executor",
    config_schema={
        "mode": dg.Field(
            str,
            default_value="",
            description="auto, in_process, multiprocess or celery; empty = WELLBEING_EXECUTOR",
        ),
        "max_concurrent": dg.Field(
            int,
            default_value=0,
            description="multiprocess: steps at once; 0 = WELLBEING_MAX_CONCURRENT_STEPS",
        ),
        "broker": dg.Field(
            str, default_value="", description="celery: broker URL; empty = WELLBEING_CELERY_BROKER"
        ),
    },
    requirements=_requirements,
)
def warehouse_executor(init_context: dg.InitExecutorContext) -> dg.Executor:
    """Run steps one at a time on the DuckDB file, several at once on DuckLake (see module)."""
    config = init_context.executor_config
    mode = executor_mode(config.get("mode", ""))
    if mode == "in_process":
        return _delegate(init_context, dg.in_process_executor, {"retries": RETRIES})
    if mode == "multiprocess":
        return _delegate(
            init_context,
            dg.multiprocess_executor,
            {
                "max_concurrent": _max_concurrent(config.get("max_concurrent", 0)),
                "retries": RETRIES,
                # Fork each step from a server that already imported the code location and Great
                # Expectations: a spawned process would spend about 8 s importing them per step.
                "start_method": {"forkserver": {"preload_modules": list(PRELOAD_MODULES)}},
            },
        )
    from dagster_celery import celery_executor

    broker = config.get("broker") or setting("WELLBEING_CELERY_BROKER")
    return _delegate(
        init_context,
        celery_executor,
        {
            "broker": broker,
            "backend": broker,
            "include": [],
            "config_source": {"worker_prefetch_multiplier": 1, "task_acks_late": True},
            "retries": RETRIES,
        },
    )
