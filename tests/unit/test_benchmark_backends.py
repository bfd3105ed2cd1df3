"""The benchmark's back-end comparison pieces: the synthetic UK-sized warehouse and the
side-by-side table (``make bench`` runs them at full size; see benchmarks/README.md)."""

import importlib.util
import math

import duckdb
import pytest

from pipelines.settings import PROJECT_ROOT

spec = importlib.util.spec_from_file_location("bench", PROJECT_ROOT / "benchmarks" / "run.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


@pytest.mark.slow
def test_uk_base_has_42000_consistent_synthetic_areas(built_warehouse, tmp_path):
    uk = bench._uk_base(built_warehouse, tmp_path / "uk.duckdb", 42_000)
    con = duckdb.connect(str(uk), read_only=True)
    lsoas, distinct, las, msoas = con.execute(
        "select count(*), count(distinct lsoa_code), count(distinct la_code), "
        "count(distinct msoa_code) from staging.stg_geography__lsoa21"
    ).fetchone()
    assert lsoas == distinct == 1917 * 22 and las == 22 and msoas > 400 * 22
    # Copies keep their lookups: every synthetic LSOA has its WIMD rank and population.
    unmatched = con.execute(
        """
        select count(*) from staging.stg_geography__lsoa21 g
        anti join raw.wimd_2025_ranks w on w.lsoa_code = g.lsoa_code
        """
    ).fetchone()[0]
    assert unmatched == 0
    assert con.execute("select count(*) from raw.lsoa21_population").fetchone() == (1917 * 22,)
    # Codes stay valid W01 codes; the real ones are copy 0.
    assert con.execute(
        "select count(*) from raw.lsoa21_population where not regexp_matches(lsoa21_code, "
        "'^W01\\d{6}$')"
    ).fetchone() == (0,)
    con.close()


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
