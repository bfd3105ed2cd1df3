"""The example generator: deterministic, realistic coverage, clearly flagged, fast."""

import polars as pl
import pytest

from pipelines.partnership_activity import contract as pc
from pipelines.partnership_activity import generator, reading, submission


@pytest.fixture(scope="session")
def areas(shared_data) -> pl.DataFrame:
    from pipelines.sources import load_source

    return generator.areas_from_frames(
        *(load_source(key, mirror=shared_data)[0] for key in generator.AREA_SOURCES)
    )


def test_areas_are_the_1917_lsoas_of_22_local_authorities(areas):
    assert areas.height == 1917 and areas["la_code"].n_unique() == 22
    assert areas["wimd_rank"].min() == 1 and areas["wimd_rank"].max() == 1917


def test_deterministic_for_a_seed(areas):
    a = generator.generate_activity(2000, seed=11, areas=areas)
    assert a.equals(generator.generate_activity(2000, seed=11, areas=areas))
    assert not a.equals(generator.generate_activity(2000, seed=12, areas=areas))


def test_covers_categories_areas_years_and_is_flagged(areas):
    frame = generator.generate_activity(20_000, seed=1, areas=areas)
    assert set(frame["action_category"]) == set(pc.allowed_values("action_category"))
    assert set(frame["activity_type"]) == set(pc.allowed_values("activity_type"))
    assert frame["la_code"].n_unique() == 22
    fy = frame["start_date"].dt.year() - (frame["start_date"].dt.month() < 4).cast(pl.Int32)
    assert sorted(fy.unique()) == generator.FINANCIAL_YEARS
    assert frame["is_example_data"].all()
    assert frame["partner_organisation"].str.starts_with("Example: ").all()
    assert frame["activity_id"].is_unique().all()
    grants = frame.filter(pl.col("action_category") == "financial_mechanism")["funding_gbp"]
    assert grants.median() < 20_000 < grants.max()  # mostly small grants, some large
    # More activity per person in the more deprived half of LSOAs.
    joined = frame.join(
        areas.select(pl.col("lsoa21_code").alias("lsoa_code"), "wimd_rank", "population"),
        on="lsoa_code",
    )
    deprived = (
        joined.filter(pl.col("wimd_rank") <= 958).height
        / areas.filter(pl.col("wimd_rank") <= 958)["population"].sum()
    )
    other = (
        joined.filter(pl.col("wimd_rank") > 958).height
        / areas.filter(pl.col("wimd_rank") > 958)["population"].sum()
    )
    assert deprived > 1.3 * other


def test_generated_rows_all_pass_validation(areas, shared_data, tmp_path, monkeypatch):
    import duckdb

    from pipelines.partnership_activity import assets, ingest

    monkeypatch.setenv("WELLBEING_SOURCE_MIRROR", str(shared_data))
    frame = generator.generate_activity(5000, seed=3, areas=areas)
    path = generator.write_submission(frame, tmp_path / "generated.csv")
    con = duckdb.connect()
    ingest.ensure_tables(con)
    lookups = assets.load_reference(con, _Log())
    out = ingest.load_submission(con, path, lookups, tmp_path / "archive")
    assert (out.rows_submitted, out.rows_accepted, out.rows_quarantined) == (5000, 5000, 0)


class _Log:
    def info(self, message):
        pass

    warning = error = info


def test_generates_half_a_million_rows(areas):
    """Large example sets are generated in one vectorised call (timed in ``make bench``, not
    here): every row has its own activity_id and its LSOA (if any) is a real 2021 LSOA."""
    frame = generator.generate_activity(500_000, seed=5, areas=areas)
    assert frame.height == 500_000
    assert frame["activity_id"].n_unique() == 500_000
    assert set(frame["lsoa_code"].drop_nulls().unique()) <= set(areas["lsoa21_code"])


def test_example_inbox_set(areas, tmp_path):
    files = generator.write_example_inbox(tmp_path / "inbox", areas, rows=5000)
    assert len(files) == 24
    suffixes = {f.suffix for f in files}
    assert suffixes == {".csv", ".xlsx", ".ods"}
    before = {f.name: f.stat().st_mtime for f in files}
    again = generator.write_example_inbox(tmp_path / "inbox", areas, rows=5000)
    assert {f.name: f.stat().st_mtime for f in again} == before  # not rewritten: same sha256
    assert [f.name for f in submission.inbox_files(tmp_path / "inbox")] == sorted(
        f.name for f in files
    )
    total = sum(reading.read(f).rows_hint for f in files)
    assert 4900 <= total <= 5300
