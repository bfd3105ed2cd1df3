"""WIMD sources on the real files in ../shared/data."""

import polars as pl

from pipelines.catalogue import fetch
from pipelines.wimd import parsers


def test_wimd_2025_ranks_has_every_2021_lsoa(shared_data):
    frame = parsers.parse_wimd_2025_ranks(fetch("wimd_2025_ranks", mirror=shared_data))
    assert frame.height == 1917
    assert frame["lsoa_code"].n_unique() == 1917
    assert frame["la_name_en"].n_unique() == 22
    ranks = frame["wimd_rank"].cast(pl.Int64)
    assert sorted(ranks.to_list()) == list(range(1, 1918))


def test_wimd_2019_ranks_joins_deciles(shared_data):
    frame = parsers.parse_wimd_2019_ranks(fetch("wimd_2019_ranks", mirror=shared_data))
    assert frame.height == 1909
    first = frame.filter(pl.col("lsoa_code") == "W01000001").row(0, named=True)
    assert first["lsoa_name_en"] == "Aberffraw & Rhosneigr 1"
    assert (first["wimd_rank"], first["wimd_decile"], first["wimd_quintile"]) == ("885", "5", "3")


def test_fetch_uses_csv_alternate_when_mirror_lacks_the_ods(shared_data):
    fetched = fetch("wimd_2025_ranks", mirror=shared_data)
    assert fetched.format == "csv"
    assert fetched.checksum_matches is True
