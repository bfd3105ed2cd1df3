"""The benchmark's side-by-side table of back-ends (the synthetic UK-sized warehouse:
tests/integration/test_benchmark_backends.py; ``make bench`` runs both at full size; see
benchmarks/README.md)."""

import math

from benchmarks import run as bench


def test_backends_table_sets_each_case_side_by_side():
    row = {
        "ingest_s": 1,
        "staging_s": 1,
        "marts_s": 1,
        "checks_s": 1,
        "publish_s": 1,
        "rows_accepted": 9,
    }
    rows = [
        {
            **row,
            "scenario": "wales",
            "backend": "file",
            "n_records": 1000,
            "wall_s": 10.0,
            "peak_rss_mb": 500.0,
            "baseline_wall_s": 2.0,
            "over_baseline": 5.0,
        },
        {
            **row,
            "scenario": "wales",
            "backend": "ducklake",
            "n_records": 1000,
            "wall_s": 15.0,
            "peak_rss_mb": 600.0,
            "baseline_wall_s": 2.0,
            "over_baseline": 7.5,
        },
        {
            **row,
            "scenario": "uk",
            "backend": "ducklake",
            "n_records": 5000,
            "wall_s": 30.0,
            "peak_rss_mb": 900.0,
            "baseline_wall_s": 3.0,
            "over_baseline": 10.0,
        },
    ]
    text = bench._backends_table(rows)
    lines = text.splitlines()
    assert len(lines) == 5  # heading, header, rule, two cases
    wales = [c.strip() for c in lines[3].strip("|").split("|")]
    assert wales == ["wales", "1,000", "2.00", "10.0", "500", "5.0", "15.0", "600", "7.5", "1.50"]
    uk = [c.strip() for c in lines[4].strip("|").split("|")]
    assert uk[0] == "uk" and uk[6] == "30.0" and math.isnan(float(uk[3]))
