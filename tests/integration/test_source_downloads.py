"""Downloads without a mirror, and `make mirror`, against a stand-in for the publishers' servers.

The stand-in (``tests/integration/standin_server.py``) runs in its own process on a free port and serves,
for every download URL in the catalogue, a file in the publisher's form: the mirror's own file
where the download is that file (WIMD 2019 ODS, pinned copies), and otherwise a small
official-form file built here from the mirror data (the WIMD 2025 ODS from Sport Wales's CSV
export, ArcGIS GeoJSON query pages from the Wales extracts, Nomis bulk-CSV zips from the
reprocessed Census file, the ONS zip around the SAPE workbook). Nothing real is committed.
"""

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipelines import catalogue, mirror
from pipelines.catalogue import (
    fetch,
    load_catalogue,
    sha256_of,
)
from pipelines.readers import read_csv_strings, read_table_strings
from tests.unit.test_source_downloads import MANUAL_ONLY

PAGE_SIZE = 1000  # features per stand-in ArcGIS page (the real services cap at 1,000-2,000)
STANDIN_SCRIPT = Path(__file__).with_name("standin_server.py")

# Sources whose download is not the mirror's file but another form of the same table.
OFFICIAL_FORM_DIFFERS = {
    "wimd_2025_ranks",
    "lsoa11_lsoa21_lookup",
    "lsoa21_ward_la_lookup",
    "lsoa21_rural_urban",
    "lsoa21_boundaries",
    "lsoa21_population",
    *(f"census2021_welsh_language__ts{n:03d}" for n in range(32, 37)),
}


# ---------------------------------------------------------------------------------------------
# Official-form samples built from the mirror data


def _feature_pages(features: list[dict], out: Path, stem: str) -> list[Path]:
    """ArcGIS GeoJSON query pages: ``exceededTransferLimit`` on every page but the last."""
    pages = []
    for i in range(0, max(len(features), 1), PAGE_SIZE):
        chunk = features[i : i + PAGE_SIZE]
        doc = {"type": "FeatureCollection", "features": chunk}
        if i + PAGE_SIZE < len(features):
            doc["properties"] = {"exceededTransferLimit": True}
        page = out / f"{stem}.page{i // PAGE_SIZE}.geojson"
        page.write_text(json.dumps(doc), encoding="utf-8")
        pages.append(page)
    return pages


def _lookup_features(csv_path: Path, fields: dict[str, str]) -> list[dict]:
    """Features with the official field names (and an extra ``ObjectId`` the loader must drop)
    holding the mirror CSV's rows."""
    rows = read_csv_strings(csv_path).to_dicts()
    official = {mirror_col: field for field, mirror_col in fields.items()}
    features = []
    for i, row in enumerate(rows, start=1):
        props = {official[k]: v for k, v in row.items()}
        props["ObjectId"] = i
        features.append({"type": "Feature", "geometry": None, "properties": props})
    return features


def _wimd_2025_ods(csv_path: Path, out: Path) -> Path:
    """The official ODS layout: title lines, then the ranks table with numeric rank cells."""
    frame = pd.read_csv(csv_path, dtype=str).dropna(how="all")
    frame = frame[[c for c in frame.columns if c.strip()]]
    header = list(frame.columns)
    data = [[*row[:3], *(int(v) for v in row[3:])] for row in frame.itertuples(index=False)]
    width = len(header)
    grid = [
        ["WIMD 2025 ranks"] + [None] * (width - 1),
        ["Rank 1 = most deprived"] + [None] * (width - 1),
    ]
    grid += [[None] * width, header, *data]
    path = out / "wimd-2025-index-and-domain-ranks-by-small-area.ods"
    with pd.ExcelWriter(path, engine="odf") as writer:
        pd.DataFrame([["Guidance"]]).to_excel(
            writer, sheet_name="Guidance", index=False, header=False
        )
        pd.DataFrame(grid, dtype=object).to_excel(
            writer, sheet_name="WIMD_2025_ranks", index=False, header=False
        )
    return path


def _zip(members: dict[str, bytes], path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _census_bulk_zip(population_csv: Path, table: str, label: str, out: Path) -> Path:
    """A Nomis bulk CSV of one table: England and Wales LSOAs, the total and one category."""
    rows = pl.read_csv(population_csv, infer_schema=False)
    total = f"{label}: Total: All usual residents"
    frame = pl.DataFrame(
        {
            "date": ["2021"] * (rows.height + 1),
            "geography": ["Wirral 035A", *rows["lsoa21_name"]],
            "geography code": ["E01007110", *rows["lsoa21_code"]],
            total: ["1500", *rows[f"usual_residents_{table}"]],
            f"{label}: Other": ["1", *(["0"] * rows.height)],
        }
    )
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    return _zip({f"census2021-{table}-lsoa.csv": buffer.getvalue()}, out / f"{table}.zip")


def _census_welsh_language_zip(ltla_csv: Path, table: str, out: Path) -> Path:
    """A Nomis bulk zip of one Welsh-language table: the authorities' CSV with an English row
    before the Welsh ones (the loader keeps Welsh rows), beside a country-level member."""
    rows = pl.read_csv(ltla_csv, infer_schema=False)
    english = pl.DataFrame(
        {c: ["E06000001" if c == "geography code" else "0"] for c in rows.columns}
    ).with_columns(pl.lit("2021").alias("date"), pl.lit("Hartlepool").alias("geography"))
    buffer = io.BytesIO()
    pl.concat([english.select(rows.columns), rows]).write_csv(buffer)
    country = rows.head(0).write_csv()
    members = {
        f"census2021-{table}-ctry.csv": country.encode(),
        f"census2021-{table}-ltla.csv": buffer.getvalue(),
    }
    return _zip(members, out / f"welsh-{table}.zip")


def build_official_forms(shared: Path, out: Path) -> dict[str, Path]:
    """Every catalogue download URL -> the local file the stand-in serves for it."""
    out.mkdir(parents=True, exist_ok=True)
    entries = load_catalogue()
    served: dict[str, Path] = {}

    def pages(url: str, paths: list[Path]) -> None:
        for i, path in enumerate(paths):
            served[url if i == 0 else f"{url}&resultOffset={i * PAGE_SIZE}"] = path

    geo = shared / "geography_lookups"
    for key in ("lsoa11_lsoa21_lookup", "lsoa21_ward_la_lookup", "lsoa21_rural_urban"):
        source = entries[key]
        features = _lookup_features(shared / source.mirror_path, source.download.fields)
        pages(source.download.url, _feature_pages(features, out, key))

    boundaries = json.loads((shared / "boundaries/lsoa21_boundaries.geojson").read_text())
    welsh = [f for f in boundaries["features"] if f["properties"]["LSOA21CD"].startswith("W01")]
    pages(entries["lsoa21_boundaries"].download.url, _feature_pages(welsh, out, "lsoa21"))

    served[entries["wimd_2025_ranks"].download.url] = _wimd_2025_ods(
        shared / "wimd_2025/wimd-2025-index-and-domain-ranks-by-small-area.csv", out
    )
    sape = shared / "population/lsoa_pop_density_2018-19.xlsx"
    served[entries["lsoa11_population_2018"].download.url] = _zip(
        {"SAPE21DT11-mid-2018-lsoa-population-density.xlsx": sape.read_bytes()},
        out / "sape21dt11.zip",
    )

    population = shared / "population_2021/census2021_usual_residents_lsoa21_wales.csv"
    labels = {"ts021": "Ethnic group", "ts030": "Religion", "ts038": "Disability"}
    for part in entries["lsoa21_population"].download.parts:
        if part.paged:
            features = _lookup_features(
                geo / "LSOA21_WD24_LAD24_best_fit_lookup_Wales.csv",
                entries["lsoa21_ward_la_lookup"].download.fields,
            )
            pages(part.url, _feature_pages(features, out, "population_lookup"))
        else:
            table = part.name.split("-")[1]
            served[part.url] = _census_bulk_zip(population, table, labels[table], out)

    for key, source in entries.items():
        if key.startswith("census2021_welsh_language__"):
            table = key.rsplit("__", 1)[1]
            served[source.download.url] = _census_welsh_language_zip(
                shared / source.mirror_path, table, out
            )

    for key, source in entries.items():  # the rest: the download is the mirror's own file
        for part in source.download.files if source.download else ():
            if part.url in served:
                continue
            where = shared / source.download.mirror_path
            candidates = [where / part.name, where, shared / source.mirror_path]
            served[part.url] = next(p for p in candidates if p.is_file())
    return served


# ---------------------------------------------------------------------------------------------
# The stand-in server and a catalogue pointed at it


def _route(url: str) -> str:
    """The request path the stand-in sees for a catalogue URL (host kept as the first segment)."""
    parts = urlsplit(url)
    return unquote(f"/{parts.netloc}{parts.path}" + (f"?{parts.query}" if parts.query else ""))


class Standin:
    """The stand-in server's state: what it serves for each real catalogue URL."""

    def __init__(self, root: Path, served: dict[str, Path]):
        self.root = root
        self.served = served
        self.entries = load_catalogue()  # the real catalogue, real URLs
        self.routes_file = root / "routes.json"
        self.port = None

    def serve(self, overrides: dict[str, dict] | None = None) -> None:
        """(Re)write the routes (real URL -> file, or a status); read on every request."""
        routes = {_route(url): {"file": str(path)} for url, path in self.served.items()}
        routes.update({_route(url): route for url, route in (overrides or {}).items()})
        self.routes_file.write_text(json.dumps(routes), encoding="utf-8")


@pytest.fixture(scope="module")
def standin(tmp_path_factory, shared_data):
    root = tmp_path_factory.mktemp("standin")
    server = Standin(root, build_official_forms(shared_data, root / "served"))
    server.serve()
    process = subprocess.Popen(
        [sys.executable, str(STANDIN_SCRIPT), str(server.routes_file)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("PORT "), line
        server.port = int(line.split()[1])
        yield server
    finally:
        # kill, not terminate: a worker that ran Dagster in-process may pass SIGTERM on ignored
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def local_catalogue(standin, tmp_path, monkeypatch):
    """The real catalogue with every URL pointed at the stand-in server."""
    text = catalogue.CATALOGUE_PATH.read_text(encoding="utf-8")
    text = text.replace("https://", f"http://127.0.0.1:{standin.port}/")
    path = tmp_path / "catalogue.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(catalogue, "CATALOGUE_PATH", path)
    monkeypatch.delenv("WELLBEING_SOURCE_MIRROR", raising=False)
    catalogue.load_catalogue.cache_clear()
    standin.serve()
    yield load_catalogue()
    standin.serve()
    catalogue.load_catalogue.cache_clear()


@pytest.fixture(scope="module")
def downloaded_mirror(standin, tmp_path_factory):
    """`make mirror` once into a fresh folder (its own cache), for the tests that read it."""
    folder = tmp_path_factory.mktemp("made_mirror")
    mp = pytest.MonkeyPatch()
    text = catalogue.CATALOGUE_PATH.read_text(encoding="utf-8")
    path = folder / "catalogue.yaml"
    path.write_text(text.replace("https://", f"http://127.0.0.1:{standin.port}/"), "utf-8")
    mp.setattr(catalogue, "CATALOGUE_PATH", path)
    catalogue.load_catalogue.cache_clear()
    try:
        code = mirror.main(["--to", str(folder / "mirror"), "--cache", str(folder / "cache")])
        results = {r.key: r for r in mirror.build_mirror(folder / "mirror", None, folder / "cache")}
    finally:
        mp.undo()
        catalogue.load_catalogue.cache_clear()
    return folder / "mirror", code, results


# ---------------------------------------------------------------------------------------------
# make mirror


def test_make_mirror_downloads_every_source_with_checksums_verified(downloaded_mirror):
    folder, exit_code, results = downloaded_mirror
    entries = load_catalogue()
    assert exit_code == 0
    assert set(results) == set(entries) and len(results) >= 24
    statuses = {k: r.status for k, r in results.items()}
    assert {k for k, s in statuses.items() if s != "ok"} == MANUAL_ONLY, {
        k: r.detail for k, r in results.items() if r.status != "ok"
    }
    for key in MANUAL_ONLY:
        assert results[key].status == "manual" and results[key].path is None
        # The mirror ran on the stand-in's copy of the catalogue (https:// -> the stand-in).
        detail = re.sub(r"http://127\.0\.0\.1:\d+/", "https://", results[key].detail)
        assert detail == entries[key].manual
        assert not (folder / entries[key].mirror_path).exists()
    for key, source in entries.items():
        if key in MANUAL_ONLY:
            continue
        written = folder / source.download.mirror_path
        for part in source.download.files:
            path = written / part.name if written.is_dir() else written
            assert path.is_file(), (key, path)
            if part.sha256:
                assert sha256_of(path) == part.sha256, key
    sums = dict(
        reversed(line.split("  ", 1))
        for line in (folder / mirror.SUMS_FILE).read_text().splitlines()
    )
    assert len(sums) >= 24 + 11 + 3  # ONS CSV folder and Census parts hold several files
    for rel, sha in sums.items():
        assert sha256_of(folder / rel) == sha, rel
    # Layout like ../shared/data: the pinned copies land where the shared mirror has them.
    assert (folder / "wimd_2019/Postcodes.ods").is_file()
    assert (folder / "boundaries/boundaries_LA.geojson").is_file()


def test_every_source_from_the_downloaded_mirror_gives_the_same_raw_rows(
    downloaded_mirror, shared_data
):
    """The official forms (ODS, ArcGIS GeoJSON pages, Nomis zips) land in the same raw rows as
    the mirror copies; sources whose download is the mirror's own file are byte-identical."""
    from pipelines.sources import SOURCE_PARSERS, load_source

    folder = downloaded_mirror[0]
    load_source("wimd_2019_ranks", mirror=shared_data)  # fills the parser registry
    compared = set()
    for key in set(load_catalogue()) - MANUAL_ONLY:
        new, old = fetch(key, mirror=folder), fetch(key, mirror=shared_data)
        if new.sha256 == old.sha256:
            continue
        compared.add(key)
        new_rows, old_rows = SOURCE_PARSERS[key](new), SOURCE_PARSERS[key](old)
        if hasattr(new_rows, "geometry"):
            assert new_rows.drop(columns="geometry").equals(old_rows.drop(columns="geometry"))
            assert list(new_rows.geometry.to_wkb()) == list(old_rows.geometry.to_wkb())
            continue
        assert "source_row_number" in new_rows.columns
        assert_frame_equal(new_rows.drop("source_row_number"), old_rows.drop("source_row_number"))
    assert compared >= OFFICIAL_FORM_DIFFERS, compared


def test_download_without_a_mirror_is_cached(local_catalogue, standin, tmp_path):
    """`fetch` with no mirror downloads the official form (pages followed) and caches it."""
    first = fetch("lsoa11_lsoa21_lookup", cache_dir=tmp_path / "cache")
    assert first.origin == "download" and first.format == "geojson"
    assert first.url.endswith("f=geojson")
    frame, first_row = read_table_strings(first)
    assert frame.height == 1940 and first_row == 1  # two stand-in pages of 1,000 and 940
    assert frame.columns[0] == "LSOA11CD" and "ObjectId" not in frame.columns
    assert first.lineage()["source_url"] == first.url
    standin.serve({url: {"status": 500} for url in standin.served})  # the server now fails
    second = fetch("lsoa11_lsoa21_lookup", cache_dir=tmp_path / "cache")
    assert second.path == first.path and second.sha256 == first.sha256


def test_failed_downloads_say_which_url_what_status_and_what_to_do(
    local_catalogue, standin, tmp_path, capsys
):
    entries = local_catalogue
    real = standin.entries
    tampered = tmp_path / "tampered.ods"
    tampered.write_bytes(b"not the published file")
    ranks_url = real["wimd_2019_ranks"].download.url
    standin.serve(
        {
            real["wimd_2019_scores"].download.url: {"status": 404},
            real["lsoa21_rural_urban"].download.url: {"status": 503},
            ranks_url: {"file": str(tampered)},
        }
    )
    keys = ["wimd_2019_scores", "lsoa21_rural_urban", "wimd_2019_ranks", "loneliness_index"]
    results = {r.key: r for r in mirror.build_mirror(tmp_path / "mirror", keys, tmp_path / "cache")}
    scores, ruc, ranks = (
        results["wimd_2019_scores"],
        results["lsoa21_rural_urban"],
        results["wimd_2019_ranks"],
    )
    assert results["loneliness_index"].status == "ok"
    assert {scores.status, ruc.status, ranks.status} == {"failed"}
    assert entries["wimd_2019_scores"].download.url in scores.detail
    assert "HTTP 404" in scores.detail and "no longer at that address" in scores.detail
    assert "HTTP 503" in ruc.detail and "try again later" in ruc.detail
    assert "checksum mismatch" in ranks.detail and "changed the file" in ranks.detail
    for result in (scores, ruc, ranks):
        assert "What to do" in result.detail and "WELLBEING_SOURCE_MIRROR" in result.detail
    assert not (tmp_path / "mirror/wimd_2019/" / Path(ranks_url).name).exists()
    code = mirror.main(["--to", str(tmp_path / "m2"), "--cache", str(tmp_path / "c2"), *keys])
    assert code == 1
    out = capsys.readouterr().out
    assert "1 sources mirrored" in out and "3 failed" in out


# ---------------------------------------------------------------------------------------------
# Errors for each situation, and the catalogue's own rules
