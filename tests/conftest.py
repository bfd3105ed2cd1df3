"""Suite-wide hooks: the DuckLake file goes out beside the shared warehouse build, and the
run's summary says how often the full warehouse was built (once, shared by the xdist workers:
``built_warehouse`` in tests/integration/conftest.py) and how long it took."""

import pytest

from tests.integration.conftest import BUILD_LOG


def pytest_configure(config):
    """A broken data contract stops the run with one line per problem (file, line, what), not a
    trace from every test that loads it."""
    from pipelines.contract_validation import ContractFileError
    from pipelines.contracts import all_contract_tables

    try:
        all_contract_tables()
    except ContractFileError as exc:
        raise pytest.UsageError(f"a data contract cannot be used:\n{exc}") from None


def pytest_collection_modifyitems(items):
    """The first file (it needs the shared build) goes to the first worker, which builds; the
    DuckLake file, which makes its own full build on PostgreSQL, goes out second, so the second
    worker runs it meanwhile instead of waiting for the first build (``--dist loadfile``)."""
    if items:
        first = items[0].path
        items.sort(key=lambda i: (i.path != first, i.path.name != "test_ducklake_postgres.py"))


def pytest_terminal_summary(terminalreporter, config):
    log = config._tmp_path_factory.getbasetemp() / BUILD_LOG
    if not hasattr(config, "workerinput") and log.exists():  # the xdist controller reports
        lines = log.read_text().splitlines()
        terminalreporter.write_line(f"full warehouse builds: {len(lines)} ({'; '.join(lines)})")
