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
