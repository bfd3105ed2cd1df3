"""The source catalogue and how files are obtained: mirror, alternates, download and cache."""

import dataclasses
import functools
import http.server
import threading

from pipelines import catalogue
from pipelines.catalogue import fetch, load_catalogue


def test_every_catalogue_entry_names_a_licence_a_url_and_a_mirror_file(shared_data):
    entries = load_catalogue()
    assert len(entries) >= 20
    for key, source in entries.items():
        assert source.licence and source.url.startswith("http"), key
        paths = [source.mirror_path] + [a.mirror_path for a in source.alternates]
        assert any((shared_data / p).exists() for p in paths), (
            f"{key}: none of {paths} in the mirror"
        )


def test_recorded_checksums_match_the_mirror(shared_data):
    for key in load_catalogue():
        fetched = fetch(key, mirror=shared_data)
        assert fetched.checksum_matches in (True, None), key


def test_download_from_the_official_url_is_cached(tmp_path, shared_data, monkeypatch):
    """A local HTTP server stands in for the publisher (no network in tests)."""
    served = tmp_path / "served"
    served.mkdir()
    original = shared_data / "loneliness_index_wales" / "wales_clinical_loneliness_lsoa.csv"
    (served / "wales_clinical_loneliness_lsoa.csv").write_bytes(original.read_bytes())
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/wales_clinical_loneliness_lsoa.csv"

    entries = dict(load_catalogue())
    source = entries["loneliness_index"]
    entries["loneliness_index"] = dataclasses.replace(
        source, download=dataclasses.replace(source.download, url=url)
    )
    monkeypatch.setattr(catalogue, "load_catalogue", lambda: entries)
    monkeypatch.delenv("WELLBEING_SOURCE_MIRROR", raising=False)
    try:
        first = fetch("loneliness_index", cache_dir=tmp_path / "cache")
    finally:
        server.shutdown()
    assert first.origin == "download" and first.checksum_matches is True
    # The server is gone: the second fetch must come from the cache.
    second = fetch("loneliness_index", cache_dir=tmp_path / "cache")
    assert second.path == first.path and second.sha256 == first.sha256
