"""Accepting a new source version: the ``accept_source_version`` job and ``make accept-source``.

In the Dagster UI: *Jobs* -> ``accept_source_version`` -> *Launchpad*, fill in the config::

    ops:
      record_source_acceptance:
        config:
          source: wimd_2025_ranks          # the catalogue source (= raw table name)
          reason: "WIMD 2025 revision of 15 January: ranks corrected"
          accepted_by: "Ceri Jones"
          check: contract_wimd_2025_ranks  # optional: also accept this failed error-level check
          table: ""                        # optional: the check's table (default raw.<source>)
          sha256: ""                       # optional: default the checksum raw.<source> holds now

From a shell (same job, recorded in the Dagster instance under ``DAGSTER_HOME``)::

    make accept-source SOURCE=wimd_2025_ranks REASON="..." [CHECK=contract_...] [TABLE=...] [BY=...]

The job appends the acceptance to ``quality.accepted_source_versions`` (who, which checksum,
which check, why; see ``pipelines.quality.acceptance``), then re-runs the contract check of the
source's raw table (and of the named table) so the checks, the quality gate, the automation
condition and ``make run`` all see the new verdict at once. Without ``check`` only the new
checksum is accepted: an error-level failure is never accepted by accident.
"""

import argparse
import getpass
import os
import sys

import dagster as dg

from pipelines.contracts import contract_for
from pipelines.logs import LOGGERS, QUIET_CONSOLE
from pipelines.operations import keys
from pipelines.warehouse import Warehouse

ACCEPT_JOB = "accept_source_version"
USAGE = (
    "make accept-source SOURCE=<catalogue key> REASON='why this version is right' "
    "[CHECK=contract_<table>] [TABLE=<schema.table>] [BY=<name>] [SHA256=<checksum>]"
)


class AcceptSourceConfig(dg.Config):
    """What to accept (see the module docstring)."""

    source: str
    reason: str
    accepted_by: str = ""
    check: str = ""
    table: str = ""
    sha256: str = ""


@dg.op(
    description="Record who accepted which source checksum (and which failed check) and why, "
    "in quality.accepted_source_versions, then re-run the affected contract checks."
)
def record_source_acceptance(
    context: dg.OpExecutionContext, config: AcceptSourceConfig, warehouse: Warehouse
) -> None:
    from pipelines.quality.acceptance import (
        AcceptanceError,
        latest_failed_error_rules,
        record_acceptance,
    )
    from pipelines.quality.checks import check_name_for, run_contract_check

    who = (
        config.accepted_by
        or context.run.tags.get("dagster/user")
        or os.environ.get("USER")
        or getpass.getuser()
    )
    with warehouse.connect() as con:
        try:
            acceptance = record_acceptance(
                con,
                source_key=config.source,
                reason=config.reason,
                accepted_by=who,
                source_sha256=config.sha256 or None,
                table_name=config.table or None,
                check_name=config.check or None,
                run_id=context.run.run_id,
            )
        except AcceptanceError as exc:
            raise dg.Failure(description=f"nothing accepted: {exc}", allow_retries=False) from exc
        raw_table = f"raw.{config.source}"
        unaccepted = (
            latest_failed_error_rules(con, raw_table, check_name_for(raw_table))
            if not config.check and contract_for(raw_table)
            else []
        )
    context.log.info(f"{config.source} {acceptance.describe()}")
    if unaccepted:
        context.log.warning(
            f"only the checksum was accepted: {raw_table}'s latest check still fails error rules "
            f"({', '.join(unaccepted)}). To accept them too, give check: "
            f"{check_name_for(raw_table)}."
        )
    tables = [raw_table] + ([acceptance.table_name] if acceptance.table_name else [])
    for table in dict.fromkeys(tables):
        if contract_for(table) is None:
            continue
        name = check_name_for(table)
        result = run_contract_check(warehouse, table, name, context.run.run_id, context.log)
        context.log_event(
            dg.AssetCheckEvaluation(
                asset_key=dg.AssetKey(table.split(".")),
                check_name=name,
                passed=result.passed,
                severity=result.severity,
                description=result.description,
                metadata=dict(result.metadata or {}),
            )
        )
        context.log.info(f"{name}: {'passed' if result.passed else 'still failing'}")


def accept_source_version_job() -> dg.JobDefinition:
    """The UI action: one op with the acceptance as run config."""

    @dg.job(
        name=ACCEPT_JOB,
        description="Accept a new version of a source file (and, if named, a failed contract "
        "check on it): records who, which checksum and why, then re-checks. Config: source, "
        "reason, accepted_by, optional check, table, sha256.",
        tags=keys.WRITES_WAREHOUSE,
        executor_def=dg.in_process_executor,
        logger_defs=LOGGERS,  # a failed step in one line on the console, not its trace
    )
    def accept_source_version():
        record_source_acceptance()

    return accept_source_version


def main(argv: list[str] | None = None) -> int:
    """``python -m pipelines.operations.accept --source KEY --reason TEXT [...]``."""
    parser = argparse.ArgumentParser(
        prog="make accept-source",
        description="Accept a new version of a source file: record who accepted which checksum "
        "(and which failed check) and why, then re-run its contract check.",
    )
    parser.add_argument("--source", required=True, help="catalogue source, e.g. wimd_2025_ranks")
    parser.add_argument("--reason", required=True, help="why the new version is right")
    parser.add_argument("--by", default="", help="who accepts it (default: your login)")
    parser.add_argument("--check", default="", help="also accept this failed check (contract_…)")
    parser.add_argument("--table", default="", help="the check's table (default raw.<source>)")
    parser.add_argument("--sha256", default="", help="the checksum (default: the one loaded now)")
    args = parser.parse_args(argv)
    os.environ.setdefault("WELLBEING_ENTRY_POINT", "make accept-source")
    # make passes every variable, empty when not given: check before anything starts
    given = (("SOURCE", args.source), ("REASON", args.reason))
    missing = [name for name, value in given if not value.strip()]
    if missing:
        print(
            f"accept-source: {' and '.join(f'{m}=' for m in missing)} "
            f"{'is' if len(missing) == 1 else 'are'} required. Usage:\n  {USAGE}",
            file=sys.stderr,
        )
        return 2
    from pipelines.catalogue import load_catalogue
    from pipelines.quality.acceptance import unknown_source

    if args.source not in load_catalogue():
        print(f"accept-source: {unknown_source(args.source)} Usage:\n  {USAGE}", file=sys.stderr)
        return 2

    from pipelines.resources import default_resources
    from pipelines.warehouse_lock import WarehouseBusyError, not_writable

    resources = default_resources()
    lock = resources["warehouse"].writer_lock()
    try:  # one writer at a time: say who holds it, in one line, before the job starts
        lock.acquire(log=lambda line: print(line, flush=True))
    except WarehouseBusyError as exc:
        print(f"accept-source could not start: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"accept-source could not start: {not_writable(lock.path, exc)}", file=sys.stderr)
        return 1
    try:
        # a source is accepted in a built warehouse (make accept-source checks this first, so
        # it leaves no lock file behind: python -m pipelines.warehouse)
        if problem := resources["warehouse"].backend().problem(must_exist=True):
            print(f"accept-source could not start: {problem}", file=sys.stderr)
            return 1
        return _accept(args, resources)
    finally:
        lock.release()


def _accept(args, resources) -> int:
    """Run the ``accept_source_version`` job in this process and print its verdicts."""
    from pipelines.operations.refresh import user_error

    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    job = accept_source_version_job()
    config = {
        "source": args.source,
        "reason": args.reason,
        "accepted_by": args.by,  # empty: the op's default, your login
        "check": args.check,
        "table": args.table,
        "sha256": args.sha256,
    }
    result = job.execute_in_process(
        run_config={"ops": {"record_source_acceptance": {"config": config}}, **QUIET_CONSOLE},
        resources=resources,
        instance=instance,
        raise_on_error=False,
    )
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.user_failure_data
            text = error.description if error else user_error(event.step_failure_data.error)[1]
            print(f"accept-source failed: {text}", file=sys.stderr)
    if not result.success:
        return 1
    for evaluation in result.get_asset_check_evaluations():
        state = "passed" if evaluation.passed else "still failing"
        print(f"{evaluation.check_name}: {state}")
        if not evaluation.passed:
            print((evaluation.description or "")[:2000])
    print(f"Accepted {args.source}; recorded in quality.accepted_source_versions.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
