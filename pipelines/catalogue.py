"""The source catalogue (``pipelines/catalogue.yaml``) and how each source file is obtained.

One function, ``fetch``, resolves a catalogue key to a local file (or folder) with its sha256 and
lineage; every loader, ``make mirror`` and refresh logic goes through it:

1. With ``WELLBEING_SOURCE_MIRROR`` set, the file is read from that folder (laid out like
   ``../shared/data``): the entry's ``mirror_path``, then each alternate, then the file that
   ``make mirror`` writes for the entry's download. Nothing is downloaded.
2. Otherwise the entry's ``download`` is fetched with pooch and cached under
   ``WELLBEING_CACHE_DIR/<key>/`` (a cached file is reused; delete the folder to fetch again).
3. A source with no download cannot be fetched: the error says where a person gets the file.

Catalogue fields (one entry per source, keyed by its raw table name; a new source needs only
a YAML entry; a key ``<table>__<part>`` is one file of a raw table read from several files, e.g.
one CSV per indicator, listed by ``sources_for_table``):

- ``title``, ``publisher``, ``licence``: as the publisher states them.
- ``publisher_cy``: the publisher's name in Welsh (Llywodraeth Cymru, Swyddfa Ystadegau
  Gwladol), shown on the Welsh sources page; the English name is shown where it is missing
  (a test requires one for every entry).
- ``attribution``: the text a user of the data cites with it (published in
  ``dictionary.sources``, the manifest and the data dictionary). Required unless the licence is
  exactly ``Open Government Licence v3.0``, whose attribution is the publisher and the OGL's own
  statement (``Source.attribution_text``); an MIT source carries its copyright and permission
  notice, a source with no licence says whom to credit.
- ``landing_page``: the publisher's page for the dataset, where a person finds it.
- ``format``, ``mirror_path``, ``sha256``: the file as it sits in a mirror folder (the copy
  developed against: ``sha256`` is its checksum, ``null`` when not recorded).
- ``alternates``: other files in a mirror that carry the same table, each ``mirror_path``,
  ``format``, ``sha256``, ``note`` (for example a CSV export of an official ODS).
- ``download`` (omit when there is none): how to get the file with a network.

  - ``kind``: ``official_file`` (the publisher's own file), ``official_api`` (a query of the
    publisher's API, e.g. an ArcGIS FeatureServer ``query`` returning GeoJSON) or ``copy`` (not
    the publisher: a public copy of exactly the mirror file, pinned to a commit; ``sha256`` is
    then required and equals the mirror's). Use ``copy`` only where no official URL was found.
  - ``url``: the file URL or API query. ``cited_at``: the page the URL was found on.
  - ``format``: what is read after download (``csv``, ``ods``, ``xlsx``, ``geojson``,
    ``csv_folder``, ``parts``); ``member``: the file to read inside a zip (a glob such as
    ``*.xlsx`` is allowed); ``paged: true``: an ArcGIS query whose pages are followed with
    ``resultOffset`` while the response says ``exceededTransferLimit``.
  - ``sha256``: checksum of the file read, when the publisher's file is stable (null for API
    answers); a download that does not match fails.
  - ``mirror_path``: where ``make mirror`` writes it (defaults to the entry's ``mirror_path``);
    a mirror holding this file is read like one holding the entry's own file.
  - ``fields``: for an official form whose field names differ from the mirror copy, ``official
    field: mirror column`` in the mirror's column order; the loader reads only these fields,
    renamed, so both forms give the same raw table.
  - ``parts``: several files that together make the table (each ``name``, ``url``, ``format``,
    optional ``member``, ``paged``, ``sha256``), fetched into one folder.
  - ``note``: what differs between this form and the mirror copy.
- ``manual``: where a person gets the file by hand (required when there is no official
  download); quoted in every error about the source.
"""

import fnmatch
import hashlib
import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import yaml

from pipelines.filetypes import TYPE_NAMES, sniff_type
from pipelines.settings import folder_problem, setting_path

CATALOGUE_PATH = Path(__file__).with_name("catalogue.yaml")
DOWNLOAD_KINDS = ("official_file", "official_api", "copy")
MAX_PAGES = 1000
USER_AGENT = "wales-wellbeing-pipeline (open-source; pooch)"


class SourceUnavailableError(RuntimeError):
    """A source file could not be obtained: missing from the mirror, no download, or the
    download failed. The message says which, and what to do."""


class SourceFileTypeError(SourceUnavailableError):
    """The source file is not of its format: a web page (an error page saved as the file), an
    XML or JSON error, an empty file, an archive... The message names the file, what it really
    is and what to do."""


class CatalogueError(ValueError):
    """``catalogue.yaml`` has an entry that does not follow the documented fields."""


@dataclass(frozen=True)
class Alternate:
    mirror_path: str
    format: str
    sha256: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Part:
    """One file of a download: fetched from ``url`` into the download folder as ``name``."""

    name: str
    url: str
    format: str
    member: str | None = None
    paged: bool = False
    sha256: str | None = None


@dataclass(frozen=True)
class Download:
    """How a source is obtained with a network (see the module docstring)."""

    kind: str
    cited_at: str
    format: str
    mirror_path: str
    url: str | None = None
    sha256: str | None = None
    member: str | None = None
    paged: bool = False
    fields: dict[str, str] | None = None
    parts: tuple[Part, ...] = ()
    note: str | None = None

    @property
    def is_official(self) -> bool:
        return self.kind != "copy"

    @property
    def files(self) -> tuple[Part, ...]:
        """The files fetched: the parts, or the single file as one part."""
        if self.parts:
            return self.parts
        return (
            Part(
                name=Path(self.mirror_path).name,
                url=self.url or "",
                format=self.format,
                member=self.member,
                paged=self.paged,
                sha256=self.sha256,
            ),
        )

    @property
    def urls(self) -> list[str]:
        return [part.url for part in self.files]


@dataclass(frozen=True)
class Source:
    """One catalogue entry: a source, the file a mirror holds, and how to download it."""

    key: str
    title: str
    publisher: str
    landing_page: str
    licence: str
    format: str
    mirror_path: str
    sha256: str | None
    alternates: tuple[Alternate, ...] = field(default_factory=tuple)
    download: Download | None = None
    manual: str | None = None
    attribution: str | None = None
    publisher_cy: str | None = None

    @property
    def attribution_text(self) -> str:
        """What to cite with the data: the catalogue's ``attribution``, or for a source under
        the OGL v3.0 alone, the publisher and the OGL's attribution statement."""
        if self.attribution:
            return self.attribution
        return f"Source: {self.publisher}. {OGL_ATTRIBUTION}"

    @property
    def url(self) -> str:
        """The official URL: the publisher's download URL or API query if there is one (a
        single file), otherwise the landing page."""
        if self.download and self.download.is_official and self.download.url:
            return self.download.url
        return self.landing_page

    @property
    def checksums(self) -> list[str]:
        """The checksums the catalogue records for the file: the mirror's and its alternates'."""
        return [sha for sha in [self.sha256, *(a.sha256 for a in self.alternates)] if sha]

    def how_to_get_by_hand(self) -> str:
        return self.manual or f"download it from the publisher's page {self.landing_page}"


@dataclass(frozen=True)
class FetchedFile:
    """A source file on local disk, with the lineage every raw table carries.

    Attributes:
        source: the catalogue entry.
        path: local file (or folder, for ``csv_folder`` and ``parts``).
        format: the format actually read (``ods``, ``csv``, ``xlsx``, ``geojson``,
            ``csv_folder``, ``parts``).
        sha256: checksum of the file read (of the concatenated files for a folder).
        expected_sha256: checksum recorded in the catalogue for that file, if any.
        retrieved_at: when the file was obtained (UTC).
        origin: ``mirror`` or ``download``.
        url: the URL it was downloaded from (``None`` when read from a mirror).
        fields: ``official field -> raw column`` when the file is the official form whose names
            differ from the mirror copy (``None`` otherwise).
    """

    source: Source
    path: Path
    format: str
    sha256: str
    expected_sha256: str | None
    retrieved_at: datetime
    origin: str
    url: str | None = None
    fields: dict[str, str] | None = None

    @property
    def checksum_matches(self) -> bool | None:
        if self.expected_sha256 is None:
            return None
        return self.sha256 == self.expected_sha256

    @property
    def file_name(self) -> str:
        return self.path.name

    def metadata(self) -> dict[str, str]:
        """What a source asset reports of the file it read (Dagster materialisation metadata)."""
        return {
            "source_file": self.file_name,
            "source_sha256": self.sha256,
            "checksum_matches_catalogue": str(self.checksum_matches),
            "origin": self.origin,
        }

    def lineage(self) -> dict[str, object]:
        """The lineage columns added to every raw table row."""
        return {
            "source_file_name": self.file_name,
            "source_sha256": self.sha256,
            "retrieved_at": self.retrieved_at,
            "source_url": self.url or self.source.url,
            "source_licence": self.source.licence,
        }


# ---------------------------------------------------------------------------------------------
# Reading the catalogue

_SOURCE_FIELDS = {f for f in Source.__dataclass_fields__ if f != "key"}
_REQUIRED = {"title", "publisher", "landing_page", "licence", "format", "mirror_path", "sha256"}


def _check(key: str, entry: dict, allowed: set[str], required: set[str], where: str) -> None:
    unknown = set(entry) - allowed
    missing = required - set(entry)
    if unknown or missing:
        raise CatalogueError(
            f"catalogue.yaml, source '{key}'{where}: "
            + (f"unknown fields {sorted(unknown)}; " if unknown else "")
            + (f"missing fields {sorted(missing)}; " if missing else "")
            + "the fields are documented in pipelines/catalogue.py"
        )


def _download(key: str, raw: dict, default_mirror_path: str) -> Download:
    allowed = set(Download.__dataclass_fields__)
    _check(key, raw, allowed, {"kind", "cited_at", "format"}, " download")
    entry = dict(raw)
    if entry["kind"] not in DOWNLOAD_KINDS:
        raise CatalogueError(
            f"catalogue.yaml, source '{key}': download kind {entry['kind']!r} is not one of "
            f"{DOWNLOAD_KINDS}"
        )
    parts = []
    for part in entry.pop("parts", None) or []:
        _check(key, part, set(Part.__dataclass_fields__), {"name", "url", "format"}, " part")
        parts.append(Part(**part))
    entry.setdefault("mirror_path", default_mirror_path)
    download = Download(parts=tuple(parts), **entry)
    if not download.parts and not download.url:
        raise CatalogueError(f"catalogue.yaml, source '{key}': download needs a url or parts")
    if download.kind == "copy" and not all(p.sha256 for p in download.files):
        raise CatalogueError(
            f"catalogue.yaml, source '{key}': a download of kind 'copy' must record the sha256 "
            "of every file (a copy is trusted only because it is the mirror's file)"
        )
    return download


OGL = "Open Government Licence v3.0"
OGL_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0."
)


@lru_cache(maxsize=1)
def load_catalogue() -> dict[str, Source]:
    """Read ``catalogue.yaml`` into ``Source`` records keyed by raw table name.

    Raises:
        CatalogueError: an entry has unknown or missing fields, or an invalid download.
    """
    raw = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    out: dict[str, Source] = {}
    for key, entry in raw["sources"].items():
        entry = dict(entry)
        _check(key, entry, _SOURCE_FIELDS, _REQUIRED, "")
        alternates = tuple(Alternate(**a) for a in entry.pop("alternates", []) or [])
        download_raw = entry.pop("download", None)
        download = _download(key, download_raw, entry["mirror_path"]) if download_raw else None
        source = Source(key=key, alternates=alternates, download=download, **entry)
        if (download is None or not download.is_official) and not source.manual:
            raise CatalogueError(
                f"catalogue.yaml, source '{key}': no official download, so 'manual' must say "
                "where a person gets the file"
            )
        if not source.attribution and source.licence != OGL:
            raise CatalogueError(
                f"catalogue.yaml, source '{key}': licence {source.licence!r} is not the "
                f"{OGL} alone, so 'attribution' must give the text to cite with the data"
            )
        out[key] = source
    return out


PART_SEPARATOR = "__"
"""A key ``<table>__<part>`` names one file of a raw table read from several files (e.g. one
CSV per indicator): ``sources_for_table("<table>")`` lists them."""


def sources_for_table(table_key: str) -> list[Source]:
    """The catalogue entries that land in ``raw.<table_key>``, in key order.

    That is the entry keyed ``table_key`` itself, or, for a table read from several files, every
    entry keyed ``<table_key>__<part>``. Empty when the table is not a catalogue source.
    """
    catalogue = load_catalogue()
    if table_key in catalogue:
        return [catalogue[table_key]]
    prefix = table_key + PART_SEPARATOR
    return [catalogue[k] for k in sorted(catalogue) if k.startswith(prefix)]


# ---------------------------------------------------------------------------------------------
# Checksums


def files_of(path: Path) -> list[Path]:
    """A file, or every file in a folder and its subfolders, sorted by path."""
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, or of all files in a folder (``files_of``'s order, concatenated)."""
    digest = hashlib.sha256()
    for file in files_of(path):
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Mirror


def mirror_candidates(source: Source) -> list[tuple[str, str, str | None, bool]]:
    """The files a mirror may hold for ``source``, in the order they are tried:
    ``(relative path, format, expected sha256, is the download's form)``."""
    out = [(source.mirror_path, source.format, source.sha256, False)]
    out += [(a.mirror_path, a.format, a.sha256, False) for a in source.alternates]
    download = source.download
    if download is not None and download.mirror_path not in {c[0] for c in out}:
        expected = download.files[0].sha256 if not download.parts else None
        out.append((download.mirror_path, download.format, expected, True))
    return out


def _from_mirror(source: Source, mirror: Path, now: datetime) -> FetchedFile:
    # one reason for every source (a run from the UI says it per step), as make run says it
    if problem := folder_problem("WELLBEING_SOURCE_MIRROR", mirror):
        raise SourceUnavailableError(problem[0].upper() + problem[1:])
    candidates = mirror_candidates(source)
    for rel, fmt, expected, is_download_form in candidates:
        path = mirror / rel
        if path.exists():
            fields = source.download.fields if is_download_form and source.download else None
            return FetchedFile(
                source, path, fmt, sha256_of(path), expected, now, "mirror", fields=fields
            )
    tried = ", ".join(str(mirror / c[0]) for c in candidates)
    if source.download is not None:
        todo = (
            f"Run `make mirror MIRROR_DIR={mirror}` to download every source into that folder, "
            f"or unset WELLBEING_SOURCE_MIRROR to download this one from "
            f"{' and '.join(source.download.urls)}."
        )
    else:
        todo = (
            f"This source has no download: {source.how_to_get_by_hand()} "
            f"Save it as {mirror / source.mirror_path}."
        )
    raise SourceUnavailableError(
        f"Source '{source.key}' ({source.title}) is not in the mirror folder {mirror} "
        f"(WELLBEING_SOURCE_MIRROR): looked for {tried}. {todo}"
    )


# ---------------------------------------------------------------------------------------------
# Download


def _with_params(url: str, **params: object) -> str:
    parts = urlsplit(url)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit(parts._replace(query=query))


def _download_failed(
    source: Source, url: str, reason: str, hint: str = ""
) -> SourceUnavailableError:
    return SourceUnavailableError(
        f"Source '{source.key}' ({source.title}): downloading {url} failed: {reason}. "
        + (hint + " " if hint else "")
        + f"What to do: check the publisher's page {source.landing_page} (if the file has "
        "moved, update its download in pipelines/catalogue.yaml); or get it by hand "
        f"({source.how_to_get_by_hand()}) into a folder laid out like ../shared/data as "
        f"{source.mirror_path} and set WELLBEING_SOURCE_MIRROR to that folder."
    )


def _retrieve(source: Source, url: str, fname: str, folder: Path, known_hash: str | None) -> Path:
    """One URL to a cached file with pooch; HTTP and checksum failures become clear errors."""
    import pooch
    import requests

    downloader = pooch.HTTPDownloader(
        progressbar=False, timeout=120, headers={"User-Agent": USER_AGENT}
    )
    try:
        local = pooch.retrieve(
            url=url,
            known_hash=f"sha256:{known_hash}" if known_hash else None,
            fname=fname,
            path=folder,
            downloader=downloader,
            progressbar=False,
        )
    except requests.HTTPError as exc:
        response = exc.response
        status = (
            f"HTTP {response.status_code} {response.reason}" if response is not None else str(exc)
        )
        hint = ""
        if response is not None and response.status_code in (404, 410):
            hint = "The file is no longer at that address."
        elif response is not None and response.status_code >= 500:
            hint = "The publisher's server failed; try again later."
        raise _download_failed(source, url, status, hint) from exc
    except requests.RequestException as exc:
        raise _download_failed(
            source,
            url,
            f"no connection ({type(exc).__name__}: {exc})",
            "Check the network (a proxy may need HTTPS_PROXY).",
        ) from exc
    except ValueError as exc:  # pooch: checksum of the downloaded file does not match
        raise _download_failed(
            source,
            url,
            f"checksum mismatch ({exc})",
            "The publisher may have changed the file: compare it with the catalogue's "
            "description before recording its new sha256.",
        ) from exc
    return Path(local)


def _retrieve_paged(source: Source, part: Part, folder: Path) -> Path:
    """An ArcGIS FeatureServer query, page by page (``resultOffset``), merged into one GeoJSON."""
    stem = Path(part.name).stem
    features: list = []
    offset = 0
    for page in range(MAX_PAGES):
        url = _with_params(part.url, resultOffset=offset) if page else part.url
        path = _retrieve(source, url, f"{stem}.page{page:03d}.json", folder / "pages", None)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            path.unlink(missing_ok=True)
            raise _download_failed(source, url, f"the answer is not JSON ({exc})") from exc
        if "error" in doc:
            path.unlink(missing_ok=True)
            raise _download_failed(source, url, f"the API answered with an error: {doc['error']}")
        page_features = doc.get("features") or []
        features += page_features
        more = doc.get("exceededTransferLimit") or (doc.get("properties") or {}).get(
            "exceededTransferLimit"
        )
        if not more or not page_features:
            break
        offset += len(page_features)
    else:
        raise _download_failed(source, part.url, f"more than {MAX_PAGES} pages")
    merged = folder / part.name
    merged.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    return merged


def _retrieve_part(source: Source, part: Part, folder: Path) -> Path:
    if part.paged:
        path = _retrieve_paged(source, part, folder)
    elif part.member:
        archive_name = f"{Path(part.name).stem}.zip"
        archive = _retrieve(source, part.url, archive_name, folder / "archives", None)
        path = _extract(source, part, archive, folder)
    else:
        return _retrieve(source, part.url, part.name, folder, part.sha256)
    if part.sha256 and sha256_of(path) != part.sha256:
        raise _download_failed(
            source,
            part.url,
            f"checksum mismatch (sha256 {sha256_of(path)}, catalogue {part.sha256})",
            "The publisher may have changed the file: compare it before recording its sha256.",
        )
    return path


def _extract(source: Source, part: Part, archive: Path, folder: Path) -> Path:
    import zipfile

    try:
        with zipfile.ZipFile(archive) as zf:
            names = [n for n in zf.namelist() if fnmatch.fnmatch(Path(n).name, part.member)]
            if len(names) != 1:
                raise _download_failed(
                    source,
                    part.url,
                    f"the archive holds {len(names)} files matching {part.member!r} "
                    f"(files: {zf.namelist()[:20]})",
                )
            target = folder / part.name
            with zf.open(names[0]) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)
    except zipfile.BadZipFile as exc:
        archive.unlink(missing_ok=True)
        raise _download_failed(source, part.url, f"not a zip archive ({exc})") from exc
    return target


def download(source: Source, cache_dir: Path | None = None) -> FetchedFile:
    """Download ``source`` (its ``download``) into the cache; reuse cached files.

    Raises:
        SourceUnavailableError: the source has no download, or a URL failed (the message
            names the URL, the HTTP status or the checksum, and what to do).
    """
    if source.download is None:
        raise SourceUnavailableError(
            f"Source '{source.key}' ({source.title}) has no download and no mirror folder is "
            f"set. {source.how_to_get_by_hand()}; save it in a folder laid out like "
            f"../shared/data as {source.mirror_path} and set WELLBEING_SOURCE_MIRROR to that "
            "folder."
        )
    spec = source.download
    cache = Path(cache_dir or setting_path("WELLBEING_CACHE_DIR"))
    folder = cache / source.key
    now = datetime.now(UTC)
    if spec.parts:
        target = folder / Path(spec.mirror_path).name
        target.mkdir(parents=True, exist_ok=True)
        for part in spec.parts:
            path = _retrieve_part(source, part, folder / "downloaded")
            if path.parent != target:
                shutil.copy2(path, target / part.name)
        path, expected, url = target, None, None
    else:
        (part,) = spec.files
        path, expected, url = _retrieve_part(source, part, folder), part.sha256, part.url
    return FetchedFile(
        source, path, spec.format, sha256_of(path), expected, now, "download", url, spec.fields
    )


def fetch(key: str, mirror: Path | None = None, cache_dir: Path | None = None) -> FetchedFile:
    """Obtain the file for catalogue entry ``key``: the one place a source becomes a local file
    with its sha256.

    Args:
        key: catalogue key (raw table name), e.g. ``"wimd_2025_ranks"``.
        mirror: mirror folder; defaults to ``WELLBEING_SOURCE_MIRROR`` (``None``: download).
        cache_dir: download cache; defaults to ``WELLBEING_CACHE_DIR``.

    Returns:
        The local file with its checksum and lineage.

    Raises:
        KeyError: ``key`` is not in the catalogue.
        SourceUnavailableError: a mirror is set but holds none of the source's files; or no
            mirror is set and the source has no download; or the download failed. Each message
            says which and what to do.
    """
    source = load_catalogue()[key]
    mirror = mirror if mirror is not None else setting_path("WELLBEING_SOURCE_MIRROR")
    if mirror is not None:
        fetched = _from_mirror(source, Path(mirror), datetime.now(UTC))
    else:
        fetched = download(source, cache_dir)
    check_file_type(fetched)
    return fetched


# What a file of each catalogue format may really be (``sniff_type``'s names).
READS_AS = {
    "csv": {"csv"},
    "json": {"json"},
    "geojson": {"json"},
    "ods": {"ods"},
    "xlsx": {"xlsx", "xlsm"},
}
FORMAT_NAMES = {"csv": "CSV", "json": "JSON", "geojson": "GeoJSON", "ods": "ODS", "xlsx": "XLSX"}


def check_file_type(fetched: FetchedFile) -> None:
    """Refuse a source file that is not of its catalogue format (a saved error page, say)
    before anything parses it: one line naming the file, what it is and what to do.

    Raises:
        SourceFileTypeError: e.g. ``… is a web page (HTML), not CSV: …``.
    """
    wanted = READS_AS.get(fetched.format)
    if wanted is None or not fetched.path.is_file():
        return  # folders, several parts: each part's parser reads its own files
    kind = sniff_type(fetched.path)
    if kind in wanted:
        return
    what = TYPE_NAMES.get(kind, kind)
    if kind == "html":
        what += ", probably an error page saved in its place"
    if fetched.origin == "mirror":
        todo = (
            "re-download it, or fix the mirror folder (WELLBEING_SOURCE_MIRROR; "
            "`make mirror MIRROR_DIR=<folder>` downloads every source)"
        )
    else:
        todo = "delete it so the next run downloads it again"
    raise SourceFileTypeError(
        f"{fetched.path} is {what}, not {FORMAT_NAMES[fetched.format]}: {todo}."
    )
