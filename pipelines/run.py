"""``python -m pipelines.run``: what ``make run`` calls.

1. takes the warehouse's writer lock (one writer at a time; see ``pipelines.warehouse_lock``);
2. computes every source checksum and every asset's fingerprint
   (``pipelines.operations.refresh``) and selects the assets whose inputs changed or whose
   output is missing, plus everything downstream;
3. materialises that selection with its contract checks through the code location's executor
   (``pipelines.executors``: in this process, step after step, on the DuckDB file; several step
   processes at once on DuckLake), recorded in the Dagster instance under ``DAGSTER_HOME`` so the
   UI shows the run; records the fingerprints of what it built, and prints a table of steps,
   time, rows and checks, then each partner file it received (rows loaded and set aside, or why
   it was rejected) and where the feedback reports are. Dagster's console lines say a failed
   step in one line (``pipelines.logs``); the complete log, every trace included, is written to
   ``WELLBEING_LOG_DIR/<run id>.log``, whose path the summary ends with.

With nothing changed it stops after the checksums. ``--full`` rebuilds everything; ``--plan``
prints what would run and why, and exits. Exit status 1 when a step failed or was refused by
the quality gate (the published file is then left as it was).
"""

import argparse
import os
import sys
import time
from datetime import UTC, datetime


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    parser = argparse.ArgumentParser(prog="make run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="rebuild every asset")
    parser.add_argument("--plan", action="store_true", help="print what would run, and exit")
    parser.add_argument(
        "--log-level", default="INFO", help="Dagster's console log level (DEBUG shows every event)"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("WELLBEING_ENTRY_POINT", "make run")

    import dagster as dg

    from pipelines.contract_validation import ContractFileError

    try:
        from pipelines.definitions import defs
    except ContractFileError as exc:  # one line per problem: file, line, what, what to type
        print(f"The run could not start: a data contract cannot be used.\n{exc}", file=sys.stderr)
        return 1
    from pipelines.logs import prune_run_logs, run_log_file
    from pipelines.operations.deadruns import fail_dead_runs
    from pipelines.operations.jobs import whole_run_selection
    from pipelines.operations.publish import published_file
    from pipelines.operations.refresh import (
        built_assets,
        format_summary,
        partner_files_summary,
        partner_files_waiting,
        plan_refresh,
        record_fingerprints,
        run_summary,
        user_error,
        whole_run_job,
    )
    from pipelines.settings import folder_problems, number_problems, setting_path
    from pipelines.wording import counted

    graph = defs.resolve_asset_graph()
    warehouse = defs.resources["warehouse"]
    selectable = set(whole_run_selection().resolve(graph))
    from pipelines.operations.refresh import INTERRUPTED
    from pipelines.warehouse_lock import NO_LOCK, WarehouseBusyError, not_writable

    # a folder set but missing (a typo), a number setting that is not a number, a warehouse
    # file that is not a database: said before anything runs or the lock file is made
    problems = [
        *folder_problems(),
        *number_problems(),
        *filter(None, [warehouse.backend().problem()]),
    ]
    if problems:
        for problem in problems:
            print(f"The run could not start: {problem}", file=sys.stderr)
        return 1
    # --plan on no warehouse has nothing to read, so takes no lock (and leaves no lock file)
    nothing_to_read = args.plan and not warehouse.backend().exists()
    lock = NO_LOCK if nothing_to_read else warehouse.writer_lock()
    waiting = time.perf_counter()
    try:
        lock.acquire(log=lambda line: print(line, flush=True))
    except WarehouseBusyError as exc:  # another writer, and no (more) waiting: say who
        print(f"The run could not start: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # e.g. a read-only data/ folder: the lock file cannot be made
        print(f"The run could not start: {not_writable(lock.path, exc)}", file=sys.stderr)
        return 1
    waited = time.perf_counter() - waiting  # another run held the warehouse: said apart
    try:
        persistent = bool(os.environ.get("DAGSTER_HOME"))
        instance = dg.DagsterInstance.get() if persistent else dg.DagsterInstance.ephemeral()
        for line in fail_dead_runs(instance):  # a run killed earlier must not block the run queue
            print(line, flush=True)
        backend = warehouse.backend()
        checking = time.perf_counter()  # the checksums and fingerprints alone
        if backend.kind == "file" and not backend.exists():
            plan = plan_refresh(graph, selectable, None)
        else:
            # DuckLake: a read-write connection (a fresh catalog has no schemas to read yet)
            with warehouse.connect(read_only=backend.kind == "file") as con:
                plan = plan_refresh(graph, selectable, con)
        selection = (
            sorted(selectable, key=lambda k: k.to_user_string()) if args.full else (plan.selection)
        )
        print(plan.header(len(selectable), time.perf_counter() - checking, waited))
        if args.plan:
            for name, reason in sorted(plan.stale.items()):
                print(f"  {name}: {reason}")
            print(
                f"Would build {counted(len(selection), 'asset')}: "
                + ", ".join(k.to_user_string() for k in selection)
                if selection
                else "Nothing to build: every asset is up to date."
            )
            if failing := plan.would_fail():
                print(failing)
            return 0
        outputs = (
            f"Working warehouse: {backend.describe()}; published read-only file: "
            f"{published_file(setting_path('WELLBEING_PUBLISH_DIR'))}; dashboard: "
            f"{setting_path('WELLBEING_DASHBOARD_DIR') / 'index.html'}"
        )
        if not selection:
            print(
                f"Nothing changed: no work to do ({time.perf_counter() - started:.1f} s); nothing "
                f"ran, everything is as the last run left it. {outputs}"
            )
            return 0
        print(
            f"Building {counted(len(selection), 'asset')} (the out-of-date ones and what depends "
            "on them)."
        )
        log_dir = setting_path("WELLBEING_LOG_DIR")
        try:
            result = _execute(dg, whole_run_job, instance, selection, args.log_level, log_dir)
        except KeyboardInterrupt:
            print(f"\nThe run was {INTERRUPTED}", file=sys.stderr)
            return 130
        from pipelines.quality.report import keep_runs

        prune_run_logs(log_dir, keep_runs())  # this run's log is the newest: always kept
        built = built_assets(instance, result.run_id)
        if built:
            with warehouse.connect() as con:
                record_fingerprints(con, plan, built, result.run_id)
        else:
            # Nothing ran: say why (e.g. another program holds the warehouse file).
            for entry in instance.all_logs(result.run_id):
                event = entry.dagster_event
                if event is None:
                    continue
                error = getattr(event.event_specific_data, "error", None)
                if event.event_type == dg.DagsterEventType.RESOURCE_INIT_FAILURE and error:
                    print(f"\nThe run could not start: {user_error(error)[1].strip()}")
                    break
        lines = run_summary(instance, result.run_id)
        if lines:
            print()
            print(format_summary(lines))
        if any(asset.startswith("raw/partnership_activity") for asset in built):
            started_at = instance.get_run_stats(result.run_id).start_time or 0.0
            with warehouse.connect() as con:
                partners = partner_files_summary(con, datetime.fromtimestamp(started_at, UTC))
            if partners:
                print("\n" + partners)
        if waiting := partner_files_waiting(plan, lines, built):
            print("\n" + waiting)
        refused = [line.asset for line in lines if line.status == "refused"]
        failed = [line.asset for line in lines if line.status == "failed"]
        done = set(built) | set(refused) | set(failed)
        held = [k for k in selection if k.to_user_string() not in done]  # held back by a failure
        elapsed = time.perf_counter() - started
        print(
            f"\nRun {result.run_id[:8]}: {counted(len(built), 'asset')} built, {len(refused)} "
            f"refused by the quality gate, {len(failed)} failed"
            + (f", {len(held)} not built because a step failed" if held and failed else "")
            + f", in {elapsed:.1f} s.\nComplete log "
            f"(every error with its trace): {run_log_file(log_dir, result.run_id)}"
        )
        if refused:
            print(
                "Refused: a table upstream failed its contract check, so these keep their last "
                "good version and the published file was not replaced. See the run log above, "
                "data/quality/report.html, or: select * from quality.check_results where not "
                "success order by checked_at desc. Fix the source and type make run again (it "
                "reloads what is out of date), or accept it with make accept-source."
            )
        if result.success:
            print(f"Run succeeded. {outputs}")
        return 0 if result.success else 1
    finally:
        lock.release()


def _execute(dg, whole_run_job, instance, selection, log_level: str, log_dir):
    """The Dagster run of ``selection`` (every event in ``instance``, every line in the log)."""
    from pipelines.operations import keys
    from pipelines.operations.deadruns import run_process_tags

    persistent = bool(os.environ.get("DAGSTER_HOME"))
    return dg.execute_job(
        dg.reconstructable(whole_run_job),
        instance=instance,
        asset_selection=selection,
        tags={
            **keys.WRITES_WAREHOUSE,
            "wellbeing/entry_point": "make run",
            **run_process_tags(),  # so a later make run or the daemon can tell it died
        },
        run_config={
            "loggers": {
                "console": {"config": {"log_level": log_level.upper()}},
                "file": {"config": {"log_dir": str(log_dir)}},  # everything, traces too
            },
            # Parallel step processes need a persistent instance; without one, run in turn.
            **({} if persistent else {"execution": {"config": {"mode": "in_process"}}}),
        },
        raise_on_error=False,
    )


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # before or after the Dagster run (during it: main says it)
        from pipelines.operations.refresh import INTERRUPTED

        print(f"\nmake run was {INTERRUPTED}", file=sys.stderr)
        sys.exit(130)
