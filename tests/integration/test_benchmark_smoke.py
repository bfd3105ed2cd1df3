"""The benchmark script runs end to end with a tiny N (the real benchmark is `make bench`).

No wall-clock bound here: speed targets live in `make bench`, which prints its figures and
ratios; this test proves the bench runs and reports them. The subprocess timeout only guards
against a hang (the machine may be busy with other work).
"""

import csv
import subprocess
import sys
from pathlib import Path

from pipelines.settings import PROJECT_ROOT

EXPECTED_COLUMNS = {
    "n_records",
    "file_format",
    "pipeline_wall_s",
    "pipeline_peak_rss_mb",
    "pipeline_rows_per_s",
    "ingest_s",
    "marts_s",
    "checks_s",
    "publish_s",
    "baseline_wall_s",
    "baseline_peak_rss_mb",
    "baseline_rows_per_s",
    "pipeline_over_baseline",
    "example_query_max_ms",
}


def test_benchmark_runs_with_a_tiny_n(built_warehouse: Path, shared_data: Path, tmp_path: Path):
    proc = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "benchmarks" / "run.py"),
            "--sizes",
            "2000",
            "--out",
            str(tmp_path / "results"),
            "--mirror",
            str(shared_data),
            "--base-warehouse",
            str(built_warehouse),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
        cwd=PROJECT_ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(tmp_path / "results" / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1
    row = rows[0]
    assert EXPECTED_COLUMNS <= set(row)
    assert row["n_records"] == "2000" and row["file_format"] == "csv"
    for column in EXPECTED_COLUMNS - {"n_records", "file_format"}:
        assert float(row[column]) > 0, column
    assert int(row["rows_accepted"]) + int(row["rows_quarantined"]) == 2000
    assert (tmp_path / "results" / "bench.png").stat().st_size > 0
    assert "Example queries" in proc.stdout
    # the ratio to the DuckDB-only floor measured in the same run is printed beside the figures
    assert "x base" in proc.stdout and "2,000" in proc.stdout
