"""Benchmark: how the pipeline scales with the number of partner activity records.

``make bench`` runs it. What it measures, prints and writes, and the figures measured so far, are
in ``benchmarks/README.md``; every option: ``--help``. Every step runs in a fresh subprocess of
this script (``run.py _<step>``: the ``child_*`` functions), so each peak memory figure belongs to
one step; the parent (``main``) prepares the warehouses and the files, starts the steps and
reports.
"""

import argparse
import csv
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager, nullcontext
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

DEFAULT_SIZES = "10000,100000,1000000,10000000"
GEN_CHUNK = 1_000_000
MESSY_SHARE = 0.02
SEED = 2025
# N -> end to end (seconds, MiB, at most this many times the DuckDB baseline; None: no ratio
# target) (issue 9: 1M under 15 s and 1.5 GiB)
TARGETS = {
    1_000_000: (15, 1536, None),
    10_000_000: (300, 8192, 5.0),
}
UK_AREAS = 42_000
# Synthetic areas: copy k of a real code W0[12]nnnnnn is nnnnnn + k * CODE_STRIDE (same prefix).
CODE_STRIDE = 10_000
EXAMPLE_QUERY_TARGET_MS = 100.0
BACKENDS = {"file": "file", "ducklake": "DuckLake"}  # --backends, as the report names them
SPATIAL_ENGINES = {"duckdb": "DuckDB spatial", "geopandas": "geopandas"}  # --spatial-points
REAL_RUN_TARGET_S = 60.0  # the real-data run, every asset and check from empty

STAGES = (  # the pipeline's stages, timed in the child (seconds)
    "startup_s",
    "reference_s",
    "ingest_s",
    "staging_s",
    "marts_s",
    "partner_checks_s",
    "checks_s",
    "publish_s",
)
# the stages after which the pipeline child's peak RSS so far (``_maxrss_mb``) is reported
MAXRSS_STAGES = ("ingest", "staging", "marts", "partner_checks")
RESULT_COLUMNS = [
    "n_records",
    "file_format",
    "file_mb",
    "rows_accepted",
    "rows_quarantined",
    "pipeline_wall_s",
    "pipeline_peak_rss_mb",
    "pipeline_rows_per_s",
    *STAGES,
    "baseline_wall_s",
    "baseline_peak_rss_mb",
    "baseline_rows_per_s",
    "pipeline_over_baseline",
    "example_query_max_ms",
    "generate_s",
    *(f"maxrss_after_{stage}_mb" for stage in MAXRSS_STAGES),
    "partner_check_engine",
]


# ---------------------------------------------------------------------------------------------
# Subprocess runner with peak RSS


def run_child(
    step: str, work: Path, env: dict[str, str] | None = None, log: Path | None = None, **options
) -> dict:
    """Run ``python run.py _<step> --<option> <value> ...`` in a fresh process (an option that is
    None is left out); return its JSON result plus wall time and peak RSS (MiB, psutil sampling
    of the process tree every 20 ms, or the child's own getrusage if larger)."""
    import psutil

    result_file = work / f"{step}.json"
    result_file.unlink(missing_ok=True)
    args = [f"_{step}", "--result", str(result_file)]
    for name, value in options.items():
        if value is not None:
            args += [f"--{name}", str(value)]
    with open(log, "w") if log else nullcontext(subprocess.DEVNULL) as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), *args],
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        peak = 0
        ps = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                rss = ps.memory_info().rss + sum(
                    c.memory_info().rss for c in ps.children(recursive=True)
                )
                peak = max(peak, rss)
            except psutil.Error:
                pass
            time.sleep(0.02)
        wall = time.perf_counter() - started
    if proc.returncode != 0:
        tail = log.read_text()[-3000:] if log else ""
        raise RuntimeError(f"benchmark step {step} failed (exit {proc.returncode}):\n{tail}")
    result = json.loads(result_file.read_text())
    result["wall_s"] = wall
    result["peak_rss_mb"] = max(peak / 2**20, result.get("ru_maxrss_mb", 0.0))
    return result


def _generate(n: int, file: Path, areas: Path, work: Path, log: Path) -> float:
    """Write N generated records to ``file`` (``_generate``) unless it is cached there; the
    seconds it took (0 when cached)."""
    if file.exists():
        return 0.0
    return run_child("generate", work, log=log, n=n, file=file, areas=areas)["wall_s"]


def _maxrss_mb() -> float:
    """Peak RSS of this process so far (MiB): the stage where it rises is the one that peaked."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# A child's getrusage peak starts at its parent's (Linux keeps it across fork and exec), so it is
# the child's own only once it has risen above what it was when the child imported this module.
INHERITED_MAXRSS_MB = _maxrss_mb()


def _finish(result: dict, path: str) -> None:
    own = _maxrss_mb()
    result["ru_maxrss_mb"] = own if own > INHERITED_MAXRSS_MB else 0.0
    Path(path).write_text(json.dumps(result, default=str))


def say(message: str) -> None:
    print(message, flush=True)


def verdict(met: bool) -> str:
    """How the report states a target's outcome."""
    return "MET" if met else "NOT MET"


def _fresh_root(root: Path) -> Path:
    """An empty folder for one pipeline run's outputs, with its Dagster home."""
    shutil.rmtree(root, ignore_errors=True)
    (root / "dagster_home").mkdir(parents=True)
    return root


def _write_csv(path: Path, rows: list[dict], fieldnames: list[str], digits: int = 3) -> None:
    """Result rows as a CSV, floats rounded to ``digits`` decimals."""
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames)
        writer.writeheader()
        for r in rows:
            writer.writerow(
                {k: round(v, digits) if isinstance(v, float) else v for k, v in r.items()}
            )


def _env(root: Path, mirror: Path) -> dict[str, str]:
    """Every output under ``root``; the download cache shared by the runs beside it."""
    from pipelines.settings import outputs_under

    env = {**outputs_under(root), "WELLBEING_SOURCE_MIRROR": str(mirror)}
    return env | {"WELLBEING_CACHE_DIR": str(root.parent / "cache")}


# ---------------------------------------------------------------------------------------------
# Child steps


def child_real(ns: argparse.Namespace) -> None:
    """Materialise every asset and check (the whole real-data run), like tests/integration/conftest.py."""
    started = time.perf_counter()
    import dagster as dg

    from pipelines.definitions import build_definitions
    from pipelines.operations.jobs import whole_run_selection

    defs = build_definitions()
    imported = time.perf_counter()
    result = dg.materialize(
        [*(defs.assets or []), *(defs.asset_checks or [])],
        resources=defs.resources,
        selection=whole_run_selection(),  # every unpartitioned asset: what `make run` builds
        raise_on_error=True,
    )
    done = time.perf_counter()
    checks = result.get_asset_check_evaluations()
    _finish(
        {
            "success": result.success,
            "startup_s": imported - started,
            "materialize_s": done - imported,
            "assets_materialized": len(result.get_asset_materialization_events()),
            "checks": len(checks),
            "checks_failed": sum(not c.passed for c in checks),
        },
        ns.result,
    )


def child_generate(ns: argparse.Namespace) -> None:
    """Write N generated records to one UTF-8 CSV (in chunks, ids unique across chunks)."""
    import numpy as np
    import polars as pl

    from pipelines.files import replacing
    from pipelines.partnership_activity import generator

    areas = pl.read_parquet(ns.areas)
    path = Path(ns.file)
    with replacing(path) as tmp, open(tmp, "wb") as handle:
        for k, offset in enumerate(range(0, ns.n, GEN_CHUNK)):
            size = min(GEN_CHUNK, ns.n - offset)
            frame = generator.generate_activity(size, SEED + k, areas)
            frame = frame.with_columns(
                pl.format(
                    "{}-{}",
                    pl.col("activity_id").str.replace(r"-\d+$", ""),
                    (pl.int_range(0, pl.len()) + offset).cast(pl.String).str.zfill(8),
                ).alias("activity_id")
            ).with_columns(pl.all().cast(pl.String))
            # MESSY_SHARE of the rows, picked at random, replaced by their messy copy (same order)
            messy = np.random.default_rng(SEED + k).random(size) < MESSY_SHARE
            rows = pl.Series("_r", np.flatnonzero(messy), dtype=pl.UInt32)
            fixed = generator.messy_copy(frame[rows], seed=SEED + k).with_columns(rows)
            frame = frame.with_row_index("_r").update(fixed, on="_r", include_nulls=True)
            frame.drop("_r").write_csv(handle, include_header=k == 0)
            del frame
    _finish({"n": ns.n}, ns.result)


def _toposorted_models(schemas: tuple[str, ...]) -> list[tuple[str, str, Path]]:
    """The SQL models of ``schemas``, each after the models of those schemas it reads."""
    from graphlib import TopologicalSorter

    from pipelines.warehouse import sql_dependencies, sql_models

    models = {(s, t): (s, t, f) for s, t, f in sql_models() if s in schemas}
    graph = {
        k: set(sql_dependencies(f.read_text())) & set(models) - {k} for k, (*_, f) in models.items()
    }
    return [models[k] for k in TopologicalSorter(graph).static_order()]


def child_pipeline(ns: argparse.Namespace) -> None:
    """ingest -> staging -> marts -> contract checks (partner tables, marts) -> publish, timed
    per stage."""
    t0 = time.perf_counter()
    stages: dict[str, float] = {}

    from pipelines.contracts import all_contract_tables
    from pipelines.operations.keys import PARTNER_STAGING_KEY
    from pipelines.operations.publish import publish
    from pipelines.partnership_activity import assets as pa_assets
    from pipelines.partnership_activity import contract as partner_contract
    from pipelines.partnership_activity import ingest
    from pipelines.quality.checks import check_name_for, data_docs_root
    from pipelines.quality.validate import validate_table
    from pipelines.settings import setting_path
    from pipelines.warehouse import Warehouse, run_sql_model, sql_dependencies

    # load_reference notes what it read (and any table it had to read from the catalogue)
    log = logging.getLogger("benchmark")
    log.addHandler(logging.StreamHandler(sys.stdout))
    log.setLevel(logging.INFO)

    # The configured back-end (--backends): the DuckDB file or DuckLake, same code path.
    warehouse = Warehouse()
    stages["startup_s"] = time.perf_counter() - t0

    profiler = None
    if ns.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()

    @contextmanager
    def stage(name: str):
        """Time a stage (``<name>_s``) and note the peak RSS after it (``<name>_maxrss_mb``)."""
        started = time.perf_counter()
        yield
        stages[f"{name}_s"] = time.perf_counter() - started
        stages[f"{name}_maxrss_mb"] = _maxrss_mb()

    open_connection = ExitStack()
    with stage("reference"):
        con = open_connection.enter_context(warehouse.connect())
        ingest.ensure_tables(con)
        ref = pa_assets.load_reference(con, log)

    with stage("ingest"):
        outcome = ingest.load_submission(
            con,
            Path(ns.file),
            ref,
            setting_path("WELLBEING_ARCHIVE_DIR"),
            is_example_data=True,
            feedback_dir=setting_path("WELLBEING_FEEDBACK_DIR"),
        )
    if outcome.rows_accepted + outcome.rows_quarantined != outcome.rows_submitted:
        raise AssertionError(f"rows not accounted for: {outcome}")

    # the partner staging model and the staging models built on it (the area measures), then the
    # marts downstream of partner activity: what a partner run rebuilds (goal_indicators, built
    # from public sources only, is not)
    rebuilt = {tuple(PARTNER_STAGING_KEY.path)}
    for group in ("staging", "marts"):
        with stage(group):
            for schema, table, file in _toposorted_models((group,)):
                sql = file.read_text()
                if (schema, table) in rebuilt or rebuilt & set(sql_dependencies(sql)):
                    rebuilt.add((schema, table))
                    run_sql_model(con, schema, table, sql)
    open_connection.close()

    # The contract checks the pipeline runs on this path, as its asset checks run them
    # (pipelines.quality.validate.validate_table: every rule in DuckDB SQL, reported through
    # GX Data Docs): the three partner tables, then every mart the partner run rebuilt.
    contract_tables = set(all_contract_tables())
    check_results = []
    rebuilt_marts = [f"marts.{t}" for s, t in sorted(rebuilt) if s == "marts"]
    mart_tables = [name for name in rebuilt_marts if name in contract_tables]
    for group, tables in (("partner_checks", partner_contract.TABLES), ("checks", mart_tables)):
        with stage(group):
            for name in tables:
                validation = validate_table(
                    warehouse.connect,
                    name,
                    run_id="benchmark",
                    docs_root=data_docs_root(),
                    check_name=check_name_for(name),
                )
                check_results.append(
                    {
                        "table": name,
                        "passed": validation.passed,
                        "engine": validation.engine,
                        "errors": len(validation.failed_errors),
                    }
                )

    with stage("publish"):
        publish(warehouse.backend(), setting_path("WELLBEING_PUBLISH_DIR"))

    if profiler is not None:
        profiler.stop()
        Path(ns.profile).write_text(profiler.output_html())
        Path(ns.profile).with_suffix(".txt").write_text(profiler.output_text(unicode=False))

    _finish(
        {
            **stages,
            "rows_submitted": outcome.rows_submitted,
            "rows_accepted": outcome.rows_accepted,
            "rows_quarantined": outcome.rows_quarantined,
            "status": outcome.status,
            "checks": check_results,
        },
        ns.result,
    )


def child_baseline(ns: argparse.Namespace) -> None:
    """DuckDB alone: read the CSV and aggregate by LSOA, joined to the LSOA list (the floor)."""
    import duckdb

    from pipelines.sqltext import quote_literal

    t = time.perf_counter()
    con = duckdb.connect()
    rows = con.execute(
        f"""
        with activity as (
            select lsoa_code, count(*) as activities, sum(try_cast(funding_gbp as double)) as funding_gbp
            from read_csv_auto({quote_literal(ns.file)})
            group by lsoa_code
        )
        select l.lsoa21_code, coalesce(a.activities, 0), coalesce(a.funding_gbp, 0)
        from read_parquet({quote_literal(ns.areas)}) l
        left join activity a on a.lsoa_code = l.lsoa21_code
        """
    ).fetchall()
    _finish({"query_s": time.perf_counter() - t, "lsoas": len(rows)}, ns.result)


def child_examples(ns: argparse.Namespace) -> None:
    """Every example query against a published file: time of the first run and best of three."""
    import timeit

    import duckdb

    times = []
    with duckdb.connect(ns.file, read_only=True) as con:
        for file in sorted((ROOT / "sql" / "examples").glob("*.sql")):
            sql = file.read_text()
            runs = timeit.repeat(lambda sql=sql: con.execute(sql).fetchall(), repeat=3, number=1)
            ms = [t * 1000 for t in runs]
            times.append({"query": file.stem, "first_ms": ms[0], "best_of_3_ms": min(ms)})
    _finish({"queries": times}, ns.result)


# ---------------------------------------------------------------------------------------------
# Parent


def _records_file(work: Path, scenario: str, n: int) -> Path:
    """Where N generated records for a scenario are cached: ``wales`` over the real areas,
    ``uk`` over the synthetic ones."""
    prefix = "activity" if scenario == "wales" else scenario
    return work / f"{prefix}_{n}_seed{SEED}.csv"


def _failed_checks(pipe: dict) -> str:
    """How a pipeline run's report line names the contract checks that failed (none: empty)."""
    failed = [c["table"] for c in pipe["checks"] if not c["passed"]]
    return f"; contract checks failed: {', '.join(failed)}" if failed else ""


def _result_row(n: int, file: Path, pipe: dict, base_run: dict, examples: list, gen_s: float):
    """One row of ``results.csv`` (``RESULT_COLUMNS``) from the runs of one N."""
    from pipelines.partnership_activity.contract import RAW_TABLE

    row = {
        "n_records": n,
        "file_format": "csv",
        "file_mb": file.stat().st_size / 2**20,
        "rows_accepted": pipe["rows_accepted"],
        "rows_quarantined": pipe["rows_quarantined"],
        **{k: pipe[k] for k in STAGES},
        "pipeline_over_baseline": pipe["wall_s"] / base_run["wall_s"],
        "example_query_max_ms": max(q["first_ms"] for q in examples),
        "generate_s": gen_s,
        **{f"maxrss_after_{s}_mb": pipe[f"{s}_maxrss_mb"] for s in MAXRSS_STAGES},
        "partner_check_engine": next(
            c["engine"] for c in pipe["checks"] if c["table"] == RAW_TABLE
        ),
    }
    for step, run in (("pipeline", pipe), ("baseline", base_run)):
        row[f"{step}_wall_s"] = run["wall_s"]
        row[f"{step}_peak_rss_mb"] = run["peak_rss_mb"]
        row[f"{step}_rows_per_s"] = n / run["wall_s"]
    return row


def _prepare_base(real_root: Path, work: Path) -> tuple[Path, Path]:
    """Base warehouse (public sources, partner tables emptied; each N starts from a copy) and
    the 2021 areas as Parquet."""
    import duckdb

    from pipelines.partnership_activity.contract import TABLES

    base = work / "base.duckdb"
    shutil.copy2(real_root / "warehouse.duckdb", base)
    with duckdb.connect(str(base)) as con:
        for table in TABLES:
            con.execute(f"delete from {table}")
        con.execute("checkpoint")
    return base, _areas_parquet(base, work / "areas.parquet")


def _chart(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = {  # (title, y label): [(column, line style, legend)]
        ("Time against N", "wall time (s)"): [
            ("pipeline_wall_s", "o-", "pipeline (end to end)"),
            ("ingest_s", "s--", "pipeline: ingest stage"),
            ("baseline_wall_s", "^-", "DuckDB alone (baseline)"),
        ],
        ("Memory against N", "peak resident memory (MiB)"): [
            ("pipeline_peak_rss_mb", "o-", "pipeline"),
            ("baseline_peak_rss_mb", "^-", "DuckDB alone"),
        ],
    }
    n = [r["n_records"] for r in rows]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, ((title, ylabel), lines) in zip(axes, panels.items()):
        for column, style, label in lines:
            ax.loglog(n, [r[column] for r in rows], style, label=label)
        ax.set_xlabel("partner records (N)")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _table(rows: list[dict], columns: list[tuple[str, str, str]]) -> str:
    head = [c[1] for c in columns]
    body = [[format(r[c[0]], c[2]) if c[2] else str(r[c[0]]) for c in columns] for r in rows]
    widths = [
        max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)
    ]
    line = lambda cells: "| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(head), sep, *(line(b) for b in body)])


# ---------------------------------------------------------------------------------------------
# Back-ends side by side (--backends file,ducklake) and the UK-sized case (--uk-records)


def _copy_into_lake(base: Path, env: dict[str, str]) -> float:
    """Every table of the base DuckDB warehouse into an empty DuckLake (not timed as pipeline)."""
    from pipelines.sqltext import quote_ident, quote_literal
    from pipelines.warehouse import Warehouse

    started = time.perf_counter()
    lake = Warehouse(path=env["WELLBEING_WAREHOUSE"], data_path=env["WELLBEING_DUCKLAKE_DATA_PATH"])
    with lake.connect() as con:
        con.execute(f"attach {quote_literal(str(base))} as base (read_only)")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'base'"
        ).fetchall()
        for schema, table in tables:
            name = f"{quote_ident(schema)}.{quote_ident(table)}"
            con.execute(f"create schema if not exists {quote_ident(schema)}")
            con.execute(f"create or replace table {name} as select * from base.{name}")
        con.execute("detach base")
    return time.perf_counter() - started


def _uk_base(base: Path, target: Path, n_areas: int) -> Path:
    """A synthetic UK-sized warehouse: every table whose rows are small areas (2011 or 2021 LSOAs,
    MSOAs: codes W01/W02) copied until there are about ``n_areas`` LSOAs, each copy's codes moved
    by ``k * CODE_STRIDE``, then every staging model rebuilt. Local authorities stay the 22.
    The WIMD postcode lookup is not copied (a postcode keeps one area). Contract checks that pin
    Welsh row counts fail on it, by design; the benchmark reports them and goes on."""
    import duckdb

    from pipelines.operations.keys import PARTNER_STAGING_KEY
    from pipelines.sqltext import quote_ident
    from pipelines.warehouse import columns_of, run_sql_model, table_row_count

    shutil.copy2(base, target)
    con = duckdb.connect(str(target))
    n_lsoas = table_row_count(con, "raw.lsoa21_population")
    copies = max(1, round(n_areas / n_lsoas))
    code = r"^W0[12]\d{6}$"
    for schema, table in con.execute(
        "select schema_name, table_name from duckdb_tables() where schema_name = 'raw' "
        "and table_name not in ('partnership_activity', 'wimd_2019_postcodes')"
    ).fetchall():
        name = f"{schema}.{quote_ident(table)}"
        columns = [(c, t) for c, t, _ in columns_of(con, f"{schema}.{table}")]
        rows = table_row_count(con, name)
        coded = [
            c
            for c, t in columns
            if t == "VARCHAR"
            and rows
            and con.execute(
                f"select count(*) filter (where regexp_matches({quote_ident(c)}, '{code}')) "
                f"from {name}"
            ).fetchone()[0]
            > rows / 2
        ]
        if not coded:
            continue

        def moved(c: str, t: str, coded: list[str] = coded) -> str:
            q = quote_ident(c)
            if c in coded:
                return (
                    f"case when regexp_matches({q}, '{code}') then substr({q}, 1, 3) || "
                    f"lpad((substr({q}, 4)::integer + k * {CODE_STRIDE})::varchar, 6, '0') "
                    f"else {q} end"
                )
            low = c.lower()
            if (
                t == "VARCHAR"
                and ("lsoa" in low or "msoa" in low)
                and ("nm" in low or "name" in low)
            ):
                # Area names are join keys too (MSOA names are matched to LSOA names): a copy's
                # names get a prefix, so copy k's LSOAs find copy k's MSOAs only.
                return f"case when k = 0 then {q} else 'UK' || k || ' ' || {q} end"
            return q

        select = ", ".join(f"{moved(c, t)} as {quote_ident(c)}" for c, t in columns)
        con.execute(
            f"create or replace table {name} as select {select} from {name}, "
            f"range({copies}) as copies(k)"
        )
    for schema, table, file in _toposorted_models(("staging",)):
        if [schema, table] != PARTNER_STAGING_KEY.path:
            run_sql_model(con, schema, table, file.read_text())
    con.execute("checkpoint")
    con.close()
    return target


def _areas_parquet(warehouse: Path, target: Path) -> Path:
    """The areas the example generator places activity in (``generator.areas_from_frames``)."""
    import duckdb

    from pipelines.partnership_activity.assets import reference_frames
    from pipelines.partnership_activity.generator import areas_from_frames

    with duckdb.connect(str(warehouse), read_only=True) as con:
        areas_from_frames(**reference_frames(con)).write_parquet(target)
    return target


def _backend_row(backend: str, scenario: str, n: int, pipe: dict, base_run: dict) -> dict:
    return {
        "scenario": scenario,
        "backend": backend,
        "n_records": n,
        "wall_s": pipe["wall_s"],
        "peak_rss_mb": pipe["peak_rss_mb"],
        "ingest_s": pipe["ingest_s"],
        "staging_s": pipe["staging_s"],
        "marts_s": pipe["marts_s"],
        "checks_s": pipe["partner_checks_s"] + pipe["checks_s"],
        "publish_s": pipe["publish_s"],
        "rows_accepted": pipe["rows_accepted"],
        "baseline_wall_s": base_run["wall_s"],
        "over_baseline": pipe["wall_s"] / base_run["wall_s"],
    }


def _compare_backends(ns, work, out, mirror, base, areas, measured) -> list[dict]:
    """For every N: the DuckLake pipeline beside the file back-end's runs just measured
    (``measured``: N -> (pipeline, baseline); same CSV, same baseline); then the UK-sized case
    on DuckLake. Writes ``<out>/backends.csv``."""
    if "ducklake" not in ns.backends and not ns.uk_records:
        return []
    from pipelines.localservers import PostgresServer
    from pipelines.warehouse import close_lake_instances

    out_rows = []
    if "file" in ns.backends:
        for n, (pipe, base_run) in measured.items():
            out_rows.append(_backend_row("file", "wales", n, pipe, base_run))
    with PostgresServer() as pg:
        say(f"DuckLake: PostgreSQL catalog server on 127.0.0.1:{pg.port}")
        cases = []
        if "ducklake" in ns.backends:
            cases += [("wales", n, base, areas) for n in measured]
        if ns.uk_records:
            uk = _uk_base(base, work / "uk_base.duckdb", ns.uk_areas)
            cases.append(("uk", ns.uk_records, uk, _areas_parquet(uk, work / "uk_areas.parquet")))
        for scenario, n, case_base, case_areas in cases:
            file = _records_file(work, scenario, n)
            if not file.exists():
                say(f"{scenario} N={n:,}: generating...")
            _generate(n, file, case_areas, work, work / f"generate_{scenario}_{n}.log")
            root = _fresh_root(work / f"lake_{scenario}_n{n}")
            catalog = pg.create_database(f"lake_{scenario}_{n}")
            env = _env(root, mirror) | {"WELLBEING_WAREHOUSE": f"ducklake:postgres:{catalog}"}
            copy_s = _copy_into_lake(case_base, env)
            close_lake_instances()
            say(f"{scenario} N={n:,}: DuckLake pipeline (base copied in {copy_s:.0f} s)...")
            log = work / f"pipeline_ducklake_{scenario}_{n}.log"
            pipe = run_child("pipeline", work, env, log, file=file)
            if scenario == "wales":
                base_run = measured[n][1]
            else:
                base_run = run_child("baseline", work, file=file, areas=case_areas)
            row = _backend_row("ducklake", scenario, n, pipe, base_run)
            out_rows.append(row)
            say(
                f"{scenario} N={n:,} on DuckLake: {row['wall_s']:.1f} s, peak "
                f"{row['peak_rss_mb']:.0f} MiB, {row['over_baseline']:.1f}x the DuckDB floor"
                + _failed_checks(pipe)
            )
            if not ns.keep:
                shutil.rmtree(root, ignore_errors=True)
                if scenario == "uk":
                    file.unlink(missing_ok=True)
    _write_csv(out / "backends.csv", out_rows, list(out_rows[0]))
    return out_rows


def _backends_table(rows: list[dict]) -> str:
    """The back-ends side by side: one line per (scenario, N)."""
    cases: dict[tuple, dict] = {}
    for r in rows:
        cases.setdefault((r["scenario"], r["n_records"]), {})[r["backend"]] = r
    figures = [("wall_s", "s", ".1f"), ("peak_rss_mb", "MiB", ".0f"), ("over_baseline", "x", ".1f")]
    table = []
    for (scenario, n), by in cases.items():
        f, d = by.get("file"), by.get("ducklake")
        row = {"case": scenario, "n": n, "floor": (f or d)["baseline_wall_s"]}
        for backend in BACKENDS:
            for key, _, _ in figures:
                row[f"{backend} {key}"] = by[backend][key] if backend in by else float("nan")
        row["lake/file"] = d["wall_s"] / f["wall_s"] if d and f else float("nan")
        table.append(row)
    columns = [("case", "case", ""), ("n", "N", ","), ("floor", "floor s", ".2f")]
    for backend, label in BACKENDS.items():
        columns += [(f"{backend} {key}", f"{label} {unit}", fmt) for key, unit, fmt in figures]
    columns.append(("lake/file", "lake/file", ".2f"))
    head = (
        "Partner path by warehouse back-end (wall s, peak MiB, x = ratio to the DuckDB-only floor):"
    )
    return head + "\n" + _table(table, columns)


# ---------------------------------------------------------------------------------------------
# Point in polygon at scale (--spatial-points): DuckDB spatial against geopandas


def child_spatial(ns: argparse.Namespace) -> None:
    """The 2021 LSOA of N points (Parquet: row_id, latitude, longitude) with one engine."""
    import geopandas as gpd
    import polars as pl

    from pipelines.boundaries.geo import geometry_to_wkb
    from pipelines.boundaries.point_in_polygon import lsoa_for_points, lsoa_for_points_geopandas
    from pipelines.sqltext import quote_literal
    from pipelines.warehouse import connect_duckdb

    polygons = gpd.read_file(Path(ns.areas))
    polygons = polygons[polygons["LSOA21CD"].str.startswith("W01")]
    polygons = polygons.rename(columns={"LSOA21CD": "lsoa_code"}).to_crs("EPSG:4326")
    t = time.perf_counter()
    if ns.engine == "duckdb":
        con = connect_duckdb()
        con.execute("set memory_limit = '4GB'")
        con.execute("create schema raw")
        con.register("wkb", geometry_to_wkb(polygons, ["lsoa_code"]).to_arrow())
        con.execute("create table raw.lsoa21_boundaries as select * from wkb")
        rel = lsoa_for_points(con, f"read_parquet({quote_literal(ns.file)})")
        located, n = rel.aggregate("count(lsoa_code), count(*)").fetchone()
    else:
        frame = pl.read_parquet(ns.file)
        codes = lsoa_for_points_geopandas(
            frame["latitude"].to_numpy(), frame["longitude"].to_numpy(), polygons
        )
        located, n = codes.count(), len(codes)
    _finish({"seconds": time.perf_counter() - t, "located": located, "points": n}, ns.result)


def spatial_benchmark(sizes: list[int], work: Path, mirror: Path) -> list[dict]:
    """Both engines on the same points (uniform over the Wales bounding box, fixed seed)."""
    import numpy as np
    import polars as pl

    boundaries = mirror / "boundaries" / "lsoa21_boundaries.geojson"
    rows = []
    for n in sizes:
        file = work / f"points_{n}.parquet"
        if not file.exists():
            rng = np.random.default_rng(SEED)
            pl.DataFrame(
                {
                    "row_id": np.arange(n),
                    "latitude": rng.uniform(51.35, 53.45, n),
                    "longitude": rng.uniform(-5.35, -2.65, n),
                }
            ).write_parquet(file)
        row = {"n": n}
        for engine in SPATIAL_ENGINES:
            r = run_child(
                "spatial",
                work,
                log=work / f"spatial_{engine}_{n}.log",
                engine=engine,
                file=file,
                areas=boundaries,
            )
            say(
                f"point in polygon N={n:,} {engine}: {r['seconds']:.1f} s, peak "
                f"{r['peak_rss_mb']:.0f} MiB, {r['located']:,} points in an LSOA"
            )
            row |= {f"{engine}_s": r["seconds"], f"{engine}_mib": r["peak_rss_mb"]}
            if row.setdefault("located", r["located"]) != r["located"]:
                raise AssertionError(f"engines disagree at N={n}: {row} against {engine} {r}")
        rows.append(row)
    return rows


def _real_target(real: dict) -> str:
    """The real-data run's target and whether it was met."""
    return f"target < {REAL_RUN_TARGET_S:.0f} s: {verdict(real['wall_s'] < REAL_RUN_TARGET_S)}"


def _report_real(real: dict, out: Path) -> None:
    say(
        f"real-data run: {real['wall_s']:.1f} s wall ({real['startup_s']:.1f} s imports, "
        f"{real['materialize_s']:.1f} s materialise), {real['assets_materialized']} assets, "
        f"{real['checks']} checks ({real['checks_failed']} failed), peak {real['peak_rss_mb']:.0f} MiB "
        f"-> {_real_target(real)}"
    )
    (out / "real_data_run.json").write_text(json.dumps(real, indent=2))


def _examples_table(examples_real: list[dict], examples_by_n: dict[int, list[dict]]) -> str:
    """Every example query: first run and best of three on the real-data run's published file
    and on the largest N's."""
    runs = {"real data": examples_real} if examples_real else {}
    if examples_by_n:
        largest = max(examples_by_n)
        runs[f"N={largest:,}"] = examples_by_n[largest]
    names = [q["query"] for q in next(iter(runs.values()), [])]
    table = []
    for i, name in enumerate(names):
        row = {"query": name[:48]}
        for label, queries in runs.items():
            row[label], row[f"{label} best"] = queries[i]["first_ms"], queries[i]["best_of_3_ms"]
        table.append(row)
    columns = [("query", "query", "")]
    for label in runs:
        columns += [(label, label, ".1f"), (f"{label} best", "best", ".1f")]
    return _table(table, columns)


def _summary(real, rows, examples_real, examples_by_n, backend_rows, spatial_rows) -> None:
    """The figures, ratios and verdicts of the whole benchmark, printed at its end."""
    say("")
    if real is not None:
        say(
            f"Real-data run (every asset and check, from empty): {real['wall_s']:.1f} s "
            f"({_real_target(real)}), peak {real['peak_rss_mb']:.0f} MiB"
        )
    say("")
    say("Partner records, end to end (one UTF-8 CSV per N; fresh subprocess per N):")
    say(
        _table(
            rows,
            [
                ("n_records", "N", ","),
                ("file_mb", "CSV MiB", ".0f"),
                ("pipeline_wall_s", "wall s", ".1f"),
                ("pipeline_peak_rss_mb", "peak MiB", ".0f"),
                ("pipeline_rows_per_s", "rows/s", ",.0f"),
                ("startup_s", "import", ".1f"),
                ("reference_s", "ref", ".1f"),
                ("ingest_s", "ingest", ".1f"),
                ("staging_s", "staging", ".2f"),
                ("marts_s", "marts", ".2f"),
                ("partner_checks_s", "partner chk", ".1f"),
                ("checks_s", "mart chk", ".1f"),
                ("publish_s", "publish", ".1f"),
                ("baseline_wall_s", "DuckDB s", ".2f"),
                ("baseline_peak_rss_mb", "DuckDB MiB", ".0f"),
                ("pipeline_over_baseline", "x base", ".1f"),
                ("rows_quarantined", "quarantined", ","),
            ],
        )
    )
    say("")
    for n, (secs, mib, ratio) in TARGETS.items():
        r = next((r for r in rows if r["n_records"] == n), None)
        if r is None:
            continue
        parts = [
            f"time {r['pipeline_wall_s']:.1f} s < {secs} s: {verdict(r['pipeline_wall_s'] < secs)}",
            f"memory {r['pipeline_peak_rss_mb']:.0f} MiB < {mib} MiB: "
            + verdict(r["pipeline_peak_rss_mb"] < mib),
        ]
        if ratio is not None:
            parts.append(
                f"{r['pipeline_over_baseline']:.1f}x baseline <= {ratio:.0f}x: "
                + verdict(r["pipeline_over_baseline"] <= ratio)
            )
        say(f"target N={n:,}: " + "; ".join(parts))
    say("")
    say("Example queries against the published file (ms; first run / best of 3; target < 100 ms):")
    say(_examples_table(examples_real, examples_by_n))
    runs = [examples_real, *examples_by_n.values()]
    worst = max([0.0, *(q["first_ms"] for queries in runs for q in queries)])
    say(
        f"slowest example query: {worst:.1f} ms -> target < {EXAMPLE_QUERY_TARGET_MS:.0f} ms: "
        + verdict(worst < EXAMPLE_QUERY_TARGET_MS)
    )
    if backend_rows:
        say("")
        say(_backends_table(backend_rows))
    if spatial_rows:
        say("")
        say("Point in polygon, 2021 LSOAs (seconds of the join, peak MiB of the process):")
        columns = [("n", "points", ",")]
        for engine, label in SPATIAL_ENGINES.items():
            columns += [(f"{engine}_s", f"{label} s", ".1f"), (f"{engine}_mib", "MiB", ".0f")]
        say(_table(spatial_rows, [*columns, ("located", "in an LSOA", ",")]))


def _real_run(ns: argparse.Namespace, work: Path, mirror: Path) -> tuple[Path, dict | None]:
    """The whole real-data run from an empty folder, and the folder of the warehouse it built
    (the partner runs start from it). With ``--base-warehouse``, no run: that warehouse; with
    ``--reuse-real``, the run already in the work folder."""
    if ns.base_warehouse:
        given = work / "given"
        given.mkdir(exist_ok=True)
        shutil.copy2(ns.base_warehouse, given / "warehouse.duckdb")
        return given, None
    root, saved = work / "real", work / "real_result.json"
    if ns.reuse_real and saved.exists():
        return root, json.loads(saved.read_text())
    _fresh_root(root)
    say(
        "real-data run: materialising every asset and check (all sources, checks, marts, publish)..."
    )
    real = run_child("real", work, _env(root, mirror), work / "real.log")
    saved.write_text(json.dumps(real))
    return root, real


def _counts(text: str) -> list[int]:
    """A comma-separated list of counts (``10000,1_000_000``; empty: none)."""
    return [int(s.replace("_", "")) for s in text.split(",") if s.strip()]


def _backends(text: str) -> list[str]:
    """A comma-separated list of back-ends (``BACKENDS``), checked before anything runs."""
    backends = [b.strip() for b in text.split(",") if b.strip()]
    unknown = set(backends) - set(BACKENDS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown {sorted(unknown)} ({', '.join(BACKENDS)})")
    return backends


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=_counts, default=DEFAULT_SIZES, help="comma-separated N (records)"
    )
    parser.add_argument("--out", default=str(HERE / "results"), help="results folder")
    parser.add_argument(
        "--mirror",
        default=str(ROOT.parent / "shared" / "data"),
        help="folder of the public source files (WELLBEING_SOURCE_MIRROR)",
    )
    parser.add_argument("--work", default=None, help="scratch folder (default <out>/work)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="write a pyinstrument profile of each pipeline run into --out",
    )
    parser.add_argument("--keep", action="store_true", help="keep per-N warehouses")
    parser.add_argument(
        "--base-warehouse",
        default=None,
        help="use this already-built warehouse as the base and skip the real-data "
        "run (the smoke test passes the test session's warehouse)",
    )
    parser.add_argument(
        "--reuse-real",
        action="store_true",
        help="reuse the real-data run already in the work folder (development)",
    )
    parser.add_argument(
        "--backends",
        type=_backends,
        default="file",
        help="warehouse back-ends to run the partner path on, comma-separated: file, ducklake "
        "(DuckLake: a PostgreSQL server of its own, Parquet under --work); make bench runs both",
    )
    parser.add_argument(
        "--uk-records",
        type=int,
        default=0,
        help="also run a UK-sized case on DuckLake with this many records (0 = skip)",
    )
    parser.add_argument(
        "--spatial-points",
        type=_counts,
        default="",
        help="point-in-polygon sizes, comma-separated (DuckDB spatial against geopandas); "
        "empty = skip",
    )
    parser.add_argument(
        "--uk-areas",
        type=int,
        default=UK_AREAS,
        help="synthetic small areas in the UK-sized case (about 42,000 in the UK)",
    )
    ns = parser.parse_args(argv)

    out = Path(ns.out).resolve()
    work = Path(ns.work).resolve() if ns.work else out / "work"
    mirror = Path(ns.mirror).resolve()
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    bench_started = time.perf_counter()

    real_root, real = _real_run(ns, work, mirror)
    if real is not None:
        _report_real(real, out)

    base, areas = _prepare_base(real_root, work)
    examples_real = []
    if real is not None:
        published = real_root / "published" / "wellbeing.duckdb"
        examples_real = run_child("examples", work, file=published)["queries"]
    rows, measured, examples_by_n = [], {}, {}
    for n in ns.sizes:
        file = _records_file(work, "wales", n)
        gen_s = _generate(n, file, areas, work, work / f"generate_{n}.log")
        root = _fresh_root(work / f"n{n}")
        shutil.copy2(base, root / "warehouse.duckdb")
        say(f"N={n:,}: pipeline...")
        profile = out / f"profile_{n}.html" if ns.profile else None
        pipe = run_child(
            "pipeline",
            work,
            _env(root, mirror),
            work / f"pipeline_{n}.log",
            file=file,
            profile=profile,
        )
        say(f"N={n:,}: baseline...")
        base_run = run_child("baseline", work, file=file, areas=areas)
        ex = run_child("examples", work, file=root / "published" / "wellbeing.duckdb")["queries"]
        examples_by_n[n] = ex
        measured[n] = (pipe, base_run)
        row = _result_row(n, file, pipe, base_run, ex, gen_s)
        rows.append(row)
        say(
            f"N={n:,}: pipeline {row['pipeline_wall_s']:.1f} s, peak {row['pipeline_peak_rss_mb']:.0f} MiB, "
            f"{row['pipeline_rows_per_s']:,.0f} rows/s (ingest {row['ingest_s']:.1f} s); "
            f"baseline {row['baseline_wall_s']:.2f} s, {row['baseline_peak_rss_mb']:.0f} MiB; "
            f"{pipe['rows_accepted']:,} accepted, {pipe['rows_quarantined']:,} quarantined"
            + f"; partner checks {row['partner_checks_s']:.1f} s ({row['partner_check_engine']})"
            + _failed_checks(pipe)
        )
        if not ns.keep:
            shutil.rmtree(root / "archive", ignore_errors=True)
            (root / "warehouse.duckdb").unlink(missing_ok=True)

    backend_rows = _compare_backends(ns, work, out, mirror, base, areas, measured)
    spatial_rows = spatial_benchmark(ns.spatial_points, work, mirror)

    _write_csv(out / "results.csv", rows, RESULT_COLUMNS)
    runs = {"real_data_run": examples_real} | {f"n={n}": qs for n, qs in examples_by_n.items()}
    examples = [{"published_from": label, **q} for label, queries in runs.items() for q in queries]
    columns = ["published_from", "query", "first_ms", "best_of_3_ms"]
    _write_csv(out / "example_queries.csv", examples, columns, digits=2)
    if rows:
        _chart(rows, out / "bench.png")

    _summary(real, rows, examples_real, examples_by_n, backend_rows, spatial_rows)
    say(
        f"\nresults: {out / 'results.csv'}, {out / 'bench.png'}; benchmark took "
        f"{time.perf_counter() - bench_started:.0f} s"
    )
    return 0


def child_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("step")
    parser.add_argument("--result", required=True)
    parser.add_argument("--file")
    parser.add_argument("--areas")
    parser.add_argument("--n", type=int)
    parser.add_argument("--profile")
    parser.add_argument("--engine")
    ns = parser.parse_args(argv)
    {
        "_real": child_real,
        "_generate": child_generate,
        "_pipeline": child_pipeline,
        "_baseline": child_baseline,
        "_examples": child_examples,
        "_spatial": child_spatial,
    }[ns.step](ns)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        child_main(sys.argv[1:])
    else:
        sys.exit(main())
