"""The source catalogue (``pipelines/catalogue.yaml``) and how each source file is obtained.

A loader asks for a source by its key (the raw table name). With ``WELLBEING_SOURCE_MIRROR`` set,
the file is read from that folder (same layout as ``../shared/data``): first the official file,
then any alternate (for example a CSV export of an official ODS). Otherwise the file is downloaded
from the official URL with pooch and cached under ``WELLBEING_CACHE_DIR``.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import yaml

from pipelines.settings import setting_path

CATALOGUE_PATH = Path(__file__).with_name("catalogue.yaml")


class SourceUnavailableError(RuntimeError):
    """A source file could be found neither in the mirror nor at its official URL."""


@dataclass(frozen=True)
class Alternate:
    mirror_path: str
    format: str
    sha256: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Source:
    """One catalogue entry: an official file and what we know about it."""

    key: str
    title: str
    publisher: str
    url: str
    landing_page: str
    direct_download: bool
    licence: str
    format: str
    mirror_path: str
    sha256: str | None
    alternates: tuple[Alternate, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class FetchedFile:
    """A source file on local disk, with the lineage every raw table carries.

    Attributes:
        source: the catalogue entry.
        path: local file (or folder, for ``csv_folder`` alternates).
        format: the format actually read (``ods``, ``csv``, ``xlsx``, ``geojson``, ``csv_folder``).
        sha256: checksum of the file read (of the concatenated files for a folder).
        expected_sha256: checksum recorded in the catalogue for that file, if any.
        retrieved_at: when the file was obtained (UTC).
        origin: ``mirror`` or ``download``.
    """

    source: Source
    path: Path
    format: str
    sha256: str
    expected_sha256: str | None
    retrieved_at: datetime
    origin: str

    @property
    def checksum_matches(self) -> bool | None:
        if self.expected_sha256 is None:
            return None
        return self.sha256 == self.expected_sha256

    @property
    def file_name(self) -> str:
        return self.path.name

    def lineage(self) -> dict[str, object]:
        """The lineage columns added to every raw table row."""
        return {
            "source_file_name": self.file_name,
            "source_sha256": self.sha256,
            "retrieved_at": self.retrieved_at,
            "source_url": self.source.url,
            "source_licence": self.source.licence,
        }


@lru_cache(maxsize=1)
def load_catalogue() -> dict[str, Source]:
    """Read ``catalogue.yaml`` into ``Source`` records keyed by raw table name."""
    raw = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    out: dict[str, Source] = {}
    for key, entry in raw["sources"].items():
        alternates = tuple(Alternate(**a) for a in entry.pop("alternates", []) or [])
        out[key] = Source(key=key, alternates=alternates, **entry)
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


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, or of all files in a folder (sorted by name, concatenated)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def fetch(key: str, mirror: Path | None = None, cache_dir: Path | None = None) -> FetchedFile:
    """Obtain the file for catalogue entry ``key``.

    Args:
        key: catalogue key (raw table name), e.g. ``"wimd_2025_ranks"``.
        mirror: mirror folder; defaults to ``WELLBEING_SOURCE_MIRROR`` (``None``: download).
        cache_dir: download cache; defaults to ``WELLBEING_CACHE_DIR``.

    Returns:
        The local file with its checksum and lineage.

    Raises:
        KeyError: ``key`` is not in the catalogue.
        SourceUnavailableError: the mirror holds neither the official file nor an alternate, or
            the source has no direct download URL and no mirror is configured.
    """
    source = load_catalogue()[key]
    mirror = mirror if mirror is not None else setting_path("WELLBEING_SOURCE_MIRROR")
    now = datetime.now(UTC)
    if mirror is not None:
        candidates = [(source.mirror_path, source.format, source.sha256)] + [
            (a.mirror_path, a.format, a.sha256) for a in source.alternates
        ]
        for rel, fmt, expected in candidates:
            path = Path(mirror) / rel
            if path.exists():
                return FetchedFile(source, path, fmt, sha256_of(path), expected, now, "mirror")
        tried = ", ".join(str(Path(mirror) / rel) for rel, _, _ in candidates)
        raise SourceUnavailableError(
            f"Source '{key}' ({source.title}) is not in the mirror folder {mirror}: "
            f"looked for {tried}. Put the official file there, or unset "
            "WELLBEING_SOURCE_MIRROR to download it from " + source.url
        )
    if not source.direct_download:
        raise SourceUnavailableError(
            f"Source '{key}' ({source.title}) has no stable direct-download URL; the publisher "
            f"releases it at {source.url}. Download it by hand into a folder laid out like "
            f"../shared/data (as {source.mirror_path}) and set WELLBEING_SOURCE_MIRROR to that folder."
        )
    import pooch

    cache = cache_dir or setting_path("WELLBEING_CACHE_DIR")
    fname = Path(source.mirror_path).name
    local = pooch.retrieve(
        url=source.url,
        known_hash=f"sha256:{source.sha256}" if source.sha256 else None,
        fname=fname,
        path=Path(cache) / key,
        progressbar=False,
    )
    path = Path(local)
    return FetchedFile(source, path, source.format, sha256_of(path), source.sha256, now, "download")
