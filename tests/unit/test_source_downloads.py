"""Errors for each way a source can be missing, and the catalogue's own rules (the downloads
against a stand-in server are in tests/integration/test_source_downloads.py)."""

import json

import pytest

from pipelines import catalogue, mirror
from pipelines.catalogue import CatalogueError, SourceUnavailableError, fetch, load_catalogue
from pipelines.readers import read_table_strings
from pipelines.settings import PROJECT_ROOT

# Sources with no download at all (compiled by hand from cited web pages, no public copy of the
# file): ``make mirror`` reports them as a manual step, and the pipeline asks for the file.
MANUAL_ONLY = {"psb_membership", "national_indicators_wales"}


def _catalogue_with(tmp_path, monkeypatch, extra: str) -> None:
    text = catalogue.CATALOGUE_PATH.read_text(encoding="utf-8") + extra
    path = tmp_path / "catalogue.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(catalogue, "CATALOGUE_PATH", path)
    catalogue.load_catalogue.cache_clear()


NO_DOWNLOAD = """
  hand_compiled_table:
    title: "A table compiled from web pages"
    publisher: Nobody
    landing_page: https://example.org/
    licence: Open Government Licence v3.0
    format: csv
    mirror_path: compiled/table.csv
    sha256: null
    manual: "Compile it from the pages listed in compiled/SOURCES.md"
"""


@pytest.fixture
def no_download_source(tmp_path, monkeypatch):
    _catalogue_with(tmp_path, monkeypatch, NO_DOWNLOAD)
    yield
    catalogue.load_catalogue.cache_clear()


def test_source_with_no_download_says_where_a_person_gets_it(no_download_source, monkeypatch):
    monkeypatch.delenv("WELLBEING_SOURCE_MIRROR", raising=False)
    with pytest.raises(SourceUnavailableError) as err:
        fetch("hand_compiled_table")
    message = str(err.value)
    assert "has no download" in message and "Compile it from the pages" in message
    assert "WELLBEING_SOURCE_MIRROR" in message and "unset" not in message


def test_mirror_missing_a_source_without_download_does_not_suggest_downloading(
    no_download_source, tmp_path
):
    with pytest.raises(SourceUnavailableError) as err:
        fetch("hand_compiled_table", mirror=tmp_path)
    message = str(err.value)
    assert str(tmp_path / "compiled/table.csv") in message and "Compile it from" in message
    assert "unset" not in message and "make mirror" not in message


def test_mirror_missing_a_downloadable_source_offers_both_ways(tmp_path):
    with pytest.raises(SourceUnavailableError) as err:
        fetch("lsoa21_population", mirror=tmp_path)
    message = str(err.value)
    assert "census2021_usual_residents_lsoa21_wales.csv" in message
    assert "make mirror" in message and "unset WELLBEING_SOURCE_MIRROR" in message
    assert "https://www.nomisweb.co.uk/output/census/2021/census2021-ts021.zip" in message


@pytest.mark.parametrize("key", sorted(MANUAL_ONLY))
def test_real_sources_with_no_download_ask_for_the_file(key, tmp_path, monkeypatch):
    """The tables compiled by hand (no file, no public copy) are a tested state, not a gap: with
    no mirror the error says there is no download and how the table is compiled; a mirror that
    lacks the file names the path to save it at and offers no download."""
    source = load_catalogue()[key]
    monkeypatch.delenv("WELLBEING_SOURCE_MIRROR", raising=False)
    with pytest.raises(SourceUnavailableError) as err:
        fetch(key, cache_dir=tmp_path / "cache")
    message = str(err.value)
    assert "has no download" in message and source.manual in message
    assert "unset" not in message
    (tmp_path / "empty").mkdir()  # a mirror folder without the file (a missing folder: one reason)
    with pytest.raises(SourceUnavailableError) as err:
        fetch(key, mirror=tmp_path / "empty")
    message = str(err.value)
    assert str(tmp_path / "empty" / source.mirror_path) in message and source.manual in message
    assert "make mirror" not in message and "unset" not in message
    assert not (tmp_path / "cache").exists()


def test_mirror_builds_report_sources_that_need_a_manual_step(no_download_source, tmp_path):
    results = mirror.build_mirror(tmp_path / "m", ["hand_compiled_table"], tmp_path / "c")
    assert results[0].status == "manual" and "Compile it from" in results[0].detail


def test_every_download_cites_the_page_it_came_from():
    entries = load_catalogue()
    assert {k for k, s in entries.items() if s.download is None} == MANUAL_ONLY
    for key, source in entries.items():
        if source.download is None:
            assert source.manual and source.url == source.landing_page, key
            continue
        download = source.download
        assert download.cited_at.startswith("https://"), key
        assert all(u.startswith("https://") for u in download.urls), key
        if download.kind == "copy":
            assert source.manual and all(p.sha256 for p in download.files), key
            assert source.url == source.landing_page, key  # a copy is never called official


@pytest.mark.parametrize(
    "extra, message",
    [
        (NO_DOWNLOAD.replace("    manual:", "    direct_download: false\n    manual:"), "unknown"),
        (
            NO_DOWNLOAD.replace(
                '    manual: "Compile it from the pages listed in compiled/SOURCES.md"\n', ""
            ),
            "'manual'",
        ),
        (
            NO_DOWNLOAD
            + "    download: {kind: copy, url: 'https://x.org/a.csv', cited_at: 'https://x.org', format: csv}\n",
            "sha256",
        ),
    ],
)
def test_catalogue_entries_are_checked(tmp_path, monkeypatch, extra, message):
    _catalogue_with(tmp_path, monkeypatch, extra)
    try:
        with pytest.raises(CatalogueError, match=message):
            load_catalogue()
    finally:
        catalogue.load_catalogue.cache_clear()


def test_an_official_form_missing_a_field_names_it(tmp_path):
    path = tmp_path / "answer.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "geometry": None, "properties": {"LSOA21CD": "W01000003"}}
                ],
            }
        )
    )
    source = load_catalogue()["lsoa21_rural_urban"]
    fetched = catalogue.FetchedFile(
        source, path, "geojson", "x", None, None, "download", None, source.download.fields
    )
    with pytest.raises(ValueError, match=r"answer.geojson: fields \['RUC21CD'"):
        read_table_strings(fetched)


def test_readme_names_the_sources_of_each_download_kind():
    """The README's "Getting the data" table lists the API and copy sources the catalogue has."""
    import re

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Getting the data", 1)[1].split("\n## ", 1)[0]
    for kind in ("official_api", "copy", "none"):
        row = next(line for line in section.splitlines() if line.startswith(f"| `{kind}` |"))
        listed = set(re.findall(r"`(\w+)`", row.split("|")[2]))
        expected = {
            k
            for k, s in load_catalogue().items()
            if (s.download.kind if s.download else "none") == kind
        }
        assert listed == expected, kind
