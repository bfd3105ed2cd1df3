"""The source catalogue's own rules and its errors, without the mirror (the real-data side is
tests/integration/test_catalogue.py)."""

import dataclasses

import pytest
import yaml

from pipelines import catalogue
from pipelines.catalogue import SourceUnavailableError, fetch, load_catalogue


def test_missing_mirror_file_names_what_was_looked_for(tmp_path):
    with pytest.raises(SourceUnavailableError, match="wimd-2025-index-and-domain-ranks"):
        fetch("wimd_2025_ranks", mirror=tmp_path)


def test_source_without_direct_download_explains_how_to_provide_it(monkeypatch):
    entries = dict(load_catalogue())
    entries["lsoa21_population"] = dataclasses.replace(
        entries["lsoa21_population"], download=None, manual="Ask the census office"
    )
    monkeypatch.setattr(catalogue, "load_catalogue", lambda: entries)
    monkeypatch.delenv("WELLBEING_SOURCE_MIRROR", raising=False)
    with pytest.raises(SourceUnavailableError, match="WELLBEING_SOURCE_MIRROR") as err:
        fetch("lsoa21_population")
    assert "Ask the census office" in str(err.value) and "unset" not in str(err.value)


def test_catalogue_yaml_is_plain_data():
    raw = yaml.safe_load(catalogue.CATALOGUE_PATH.read_text(encoding="utf-8"))
    assert set(raw) == {"sources"}


RUC = "geography_lookups/LSOA21_RUC21_rural_urban_classification_Wales.csv"


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (
            b"<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head></html>",
            "a web page (HTML), probably an error page saved in its place",
        ),
        (b'<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>', "an XML file"),
        (b'{"error": {"code": 503, "message": "Service Unavailable"}}', "a JSON document"),
        (b"", "an empty file"),
        (b"PK\x03\x04" + b"\x00" * 60, "a zip archive"),
    ],
)
def test_a_source_file_that_is_not_csv_is_named_once_with_what_it_really_is(
    tmp_path, content, what
):
    (tmp_path / RUC).parent.mkdir(parents=True)
    (tmp_path / RUC).write_bytes(content)
    with pytest.raises(catalogue.SourceFileTypeError) as error:
        fetch("lsoa21_rural_urban", mirror=tmp_path)
    assert str(error.value) == (
        f"{tmp_path / RUC} is {what}, not CSV: re-download it, or fix the mirror folder "
        "(WELLBEING_SOURCE_MIRROR; `make mirror MIRROR_DIR=<folder>` downloads every source)."
    )


def test_a_csv_source_file_is_read_whatever_its_first_column(tmp_path):
    (tmp_path / RUC).parent.mkdir(parents=True)
    (tmp_path / RUC).write_text("\ufeffLSOA21CD,LSOA21NM,RUC21CD\nW01000001,Anglesey 001A,UN1\n")
    assert fetch("lsoa21_rural_urban", mirror=tmp_path).path == tmp_path / RUC


def test_a_mirror_folder_that_does_not_exist_is_said_once_before_the_run(tmp_path, monkeypatch):
    from pipelines.settings import folder_problem

    monkeypatch.setenv("WELLBEING_SOURCE_MIRROR", str(tmp_path / "dta"))
    assert folder_problem("WELLBEING_SOURCE_MIRROR") == (
        f"the folder {tmp_path / 'dta'} does not exist (WELLBEING_SOURCE_MIRROR). Point it at a "
        "folder laid out like ../shared/data (check the spelling), or unset it to download every "
        "source from its official URL."
    )
    monkeypatch.setenv("WELLBEING_SOURCE_MIRROR", str(tmp_path))
    assert folder_problem("WELLBEING_SOURCE_MIRROR") is None


def test_every_source_says_the_same_one_reason_when_the_mirror_folder_does_not_exist(tmp_path):
    """The reason make run gives before it starts (settings.folder_problem), for the folder
    handed to fetch, and for a file at the mirror's path too."""
    (tmp_path / "file").write_text("not a folder")
    for folder, what in (("dta", "does not exist"), ("file", "is a file, not a folder")):
        reasons = set()
        for key in ("wimd_2025_ranks", "lsoa21_rural_urban", "loneliness_index"):
            with pytest.raises(SourceUnavailableError) as error:
                fetch(key, mirror=tmp_path / folder)
            reasons.add(str(error.value))
        assert reasons == {
            (
                f"The folder {tmp_path / folder} {what} (WELLBEING_SOURCE_MIRROR). Point it at a "
                "folder laid out like ../shared/data (check the spelling), or unset it to "
                "download every source from its official URL."
            )
        }


def test_a_source_not_under_the_ogl_alone_must_say_its_attribution(tmp_path, monkeypatch):
    raw = yaml.safe_load(catalogue.CATALOGUE_PATH.read_text(encoding="utf-8"))
    del raw["sources"]["loneliness_index"]["attribution"]
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(catalogue, "CATALOGUE_PATH", path)
    load_catalogue.cache_clear()
    try:
        with pytest.raises(
            catalogue.CatalogueError,
            match=r"source 'loneliness_index': licence 'MIT \(package\).*'attribution' must give",
        ):
            load_catalogue()
    finally:
        monkeypatch.undo()
        load_catalogue.cache_clear()


def test_an_ogl_source_is_attributed_to_its_publisher_and_the_brc_index_carries_its_notice():
    sources = load_catalogue()
    assert sources["wimd_2025_ranks"].attribution_text == (
        "Source: Welsh Government. Contains public sector information licensed under the Open "
        "Government Licence v3.0."
    )
    brc = sources["loneliness_index"].attribution_text
    assert "Copyright (c) 2023 loneliness authors" in brc
    assert "The above copyright notice and this permission notice shall be included" in brc


def test_every_source_names_its_publisher_in_welsh():
    """The Welsh sources page gave every publisher in English: each entry now has its Welsh
    name (publisher_cy), and the well-known ones are their official Welsh names."""
    sources = load_catalogue()
    missing = [key for key, s in sources.items() if not s.publisher_cy]
    assert not missing, f"catalogue.yaml entries without publisher_cy: {missing}"
    official = {
        "Welsh Government": "Llywodraeth Cymru",
        "Office for National Statistics": "Swyddfa Ystadegau Gwladol",
    }
    for s in sources.values():
        assert s.publisher_cy != s.publisher, s.key
        assert official.get(s.publisher, s.publisher_cy) == s.publisher_cy, s.key
    assert sources["wimd_2025_ranks"].publisher_cy == "Llywodraeth Cymru"
    ofcom = [s for s in sources.values() if "from Ofcom" in s.publisher]
    assert ofcom and all(
        s.publisher_cy.startswith("Swyddfa Ystadegau Gwladol (Archwilio ystadegau lleol), o Ofcom")
        and s.publisher.split("(")[-1] == s.publisher_cy.split("(")[-1]  # the same page cited
        for s in ofcom
    )
