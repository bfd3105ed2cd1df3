"""DuckLake and spatial with no network at all, in a network namespace of their own (the
back-end rules: tests/unit/test_ducklake.py; on PostgreSQL: test_ducklake_postgres.py)."""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from pipelines.settings import PROJECT_ROOT

NO_NETWORK_SCRIPT = textwrap.dedent(
    """
    import sys, duckdb
    from pipelines.warehouse import Warehouse, connect_duckdb, load_extension
    root = sys.argv[1]
    lake = Warehouse(path=f"ducklake:{root}/catalog.ducklake", data_path=f"{root}/data")
    with lake.connect() as con:
        con.execute("create table marts.t as select 42 as answer")
        con.execute("comment on table marts.t is 'the answer'")
        assert con.execute("select answer from marts.t").fetchone() == (42,)
        assert con.execute("select snapshot_id from lake.snapshots() order by 1 desc").fetchone()
    con = connect_duckdb()
    load_extension(con, "spatial")
    assert con.execute("select st_astext(st_point(1, 2))").fetchone() == ("POINT (1 2)",)
    try:  # the network really is absent here: a download cannot succeed
        con.execute("install httpfs")
    except duckdb.Error:
        print("offline-ok")
    """
)


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root and unshare"
)
def test_warehouse_works_with_no_network_at_all(tmp_path):
    """In a network namespace with no interfaces, DuckLake and spatial still load and work."""
    probe = subprocess.run(["unshare", "--net", "true"], check=False, capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"network namespaces unavailable: {probe.stderr.decode()[:200]}")
    result = subprocess.run(
        ["unshare", "--net", sys.executable, "-c", NO_NETWORK_SCRIPT, str(tmp_path)],
        check=False,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "offline-ok" in result.stdout
