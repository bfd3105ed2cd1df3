"""The benchmark's synthetic UK-sized warehouse, built from the real one (the side-by-side table:
tests/unit/test_benchmark_backends.py; full size: ``make bench``)."""

import duckdb
import pytest

from benchmarks import run as bench


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
