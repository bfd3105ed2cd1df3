# The few commands a user types. `make run` builds the warehouse; `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: install run publish test test-fast dev dashboard serve bench bench-refresh accept-source browser clean lint mirror

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

## The local Dagster instance: deploy/dagster.local.yaml, copied again when it is newer than the
## copy in DAGSTER_HOME (so a changed queue or run_monitoring reaches an existing instance).
INSTANCE := mkdir -p $(DAGSTER_HOME) && cp -u deploy/dagster.local.yaml $(DAGSTER_HOME)/dagster.yaml

## run: materialise every asset with the default configuration into data/warehouse.duckdb
## (except the financial-year re-run, which takes a partition: see partner_year_rerun)
WHOLE_RUN := not key:"quality/partnership_activity_year_reruns"
LOG_INFO := --config-json '{"loggers": {"console": {"config": {"log_level": "$(or $(LOG_LEVEL),INFO)"}}}}'

## Only what changed is rebuilt: source checksums and fingerprints decide (FULL=1 rebuilds all);
## it ends with a table of steps, time, rows and checks, and why any step failed; Dagster logs
## at INFO (LOG_LEVEL=DEBUG make run shows every event). One writer at a time (see README).
run: install
	$(INSTANCE)
	$(PY) -m pipelines.run $(if $(FULL),--full) $(if $(LOG_LEVEL),--log-level $(LOG_LEVEL))

## publish: publish the read-only file again from the current warehouse (none, or a file that
## is not a DuckDB database: one line saying so and what to do, exit status 1, nothing written)
publish: install
	$(PY) -m pipelines.warehouse "make publish"
	$(INSTANCE)
	$(PY) -m pipelines.operations.deadruns
	WELLBEING_ENTRY_POINT="make publish" $(VENV)/bin/dagster asset materialize --select 'published/wellbeing_duckdb' -m pipelines.definitions $(LOG_INFO)

## accept-source: accept a new version of a source file (and, with CHECK=, its failed check):
##   make accept-source SOURCE=wimd_2025_ranks REASON="..." [CHECK=contract_wimd_2025_ranks] [TABLE=...] [BY=...] [SHA256=...]
accept-source: install
	$(PY) -m pipelines.warehouse "make accept-source"
	$(INSTANCE)
	$(PY) -m pipelines.operations.accept --source "$(SOURCE)" --reason "$(REASON)" --by "$(BY)" --check "$(CHECK)" --table "$(TABLE)" --sha256 "$(SHA256)"

## dev: open the Dagster UI on http://127.0.0.1:3000 (Ctrl-C or SIGTERM stops it and its
## webserver, daemon and code server: exec, and SIGINT/SIGTERM un-ignored, as a shell that
## started make in the background ignores SIGINT and dagster dev then ignored SIGTERM too)
## The schedule and the sensors that launch runs start switched off (WELLBEING_AUTOMATION=on
## make dev turns them on); a WELLBEING_SOURCE_MIRROR given to make (environment or make dev
## WELLBEING_SOURCE_MIRROR=...) reaches every run the UI launches.
dev: export WELLBEING_AUTOMATION ?= off
dev: export WELLBEING_SOURCE_MIRROR ?=
dev: install
	$(INSTANCE)
	$(PY) -m pipelines.operations.deadruns
	@echo "make dev: WELLBEING_AUTOMATION=$(WELLBEING_AUTOMATION) (schedule and sensors), WELLBEING_SOURCE_MIRROR=$(or $(WELLBEING_SOURCE_MIRROR),unset: sources are downloaded)"
	exec env --default-signal=INT,TERM $(VENV)/bin/dagster dev -m pipelines.definitions

## dashboard: build the static site from the published file into data/site
dashboard: install
	$(PY) -m pipelines.dashboard build

## serve: serve the built site on http://127.0.0.1:8000/
serve: install
	$(PY) -m pipelines.dashboard serve

## mirror: download every source into MIRROR_DIR (default data/mirror), laid out like ../shared/data,
## checksums verified; then build from it with WELLBEING_SOURCE_MIRROR=data/mirror make run
MIRROR_DIR ?= data/mirror
mirror: install
	$(PY) -m pipelines.mirror --to $(MIRROR_DIR)

## bench: time the partner-record path at 10k, 100k, 1M and 10M records on both warehouse
## back-ends (DuckDB file, DuckLake on a PostgreSQL of its own), then a UK-sized case (42,000
## synthetic areas, 20M records) on DuckLake (about 40 minutes on 2 cores; see benchmarks/README.md)
bench: install bench-refresh
	$(PY) benchmarks/run.py --backends file,ducklake --uk-records 20000000 --spatial-points 1000000,10000000

## bench-refresh: full run, warm re-run with nothing changed (target < 10 s), one source changed
bench-refresh: install
	$(PY) benchmarks/refresh.py

## browser: Debian's Chromium for the dashboard tests (no browser download)
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

## test: install, then run the test suite (two workers; the DuckLake / PostgreSQL / Celery tests
## start their own servers: apt-get install postgresql redis-server, as .ci/run does)
test: install browser
	$(VENV)/bin/pytest -q -n 2

## test-fast: the unit tests only (tests/unit: no shared data, no build, no server, no browser;
## about 530 tests, about 1 minute on a 2-core machine)
test-fast: install
	$(VENV)/bin/pytest -q tests/unit

## lint: ruff, and the code location loads (dg check defs: dagster definitions validate is superseded)
lint: install
	$(VENV)/bin/ruff check pipelines tests
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(VENV)/bin/dg check defs

clean:
	rm -rf data/warehouse.duckdb data/published .dagster_home
