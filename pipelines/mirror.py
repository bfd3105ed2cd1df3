"""``make mirror``: download every catalogue source into a mirror folder laid out like
``../shared/data``, checksums verified, failing clearly per source.

Usage: ``python -m pipelines.mirror [--to FOLDER] [--cache FOLDER] [KEY ...]`` (default folder
``data/mirror``; default cache ``WELLBEING_CACHE_DIR``). Each source with a download is fetched
through ``pipelines.catalogue.download`` (pooch, cached) and copied to the download's
``mirror_path`` inside the folder; a recorded sha256 is verified (a mismatch fails that source);
every file written is listed with its sha256 in ``SHA256SUMS`` (``sha256sum -c SHA256SUMS``
checks the folder later). Sources without a download are reported with where a person gets the
file. The exit status is 1 if any source failed, 0 otherwise; point ``WELLBEING_SOURCE_MIRROR``
at the folder to build from it.
"""

import argparse
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from pipelines import catalogue
from pipelines.catalogue import Source, SourceUnavailableError, download, files_of, sha256_of
from pipelines.settings import resolve_path

DEFAULT_MIRROR_DIR = "data/mirror"
SUMS_FILE = "SHA256SUMS"


@dataclass(frozen=True)
class MirrorResult:
    """What happened to one source: ``status`` is ``ok``, ``failed`` or ``manual``."""

    key: str
    status: str
    path: Path | None = None
    detail: str = ""


def mirror_source(source: Source, target: Path, cache_dir: Path | None = None) -> MirrorResult:
    """Download one source into ``target`` (at its download's ``mirror_path``)."""
    if source.download is None:
        return MirrorResult(source.key, "manual", detail=source.how_to_get_by_hand())
    try:
        fetched = download(source, cache_dir)
    except SourceUnavailableError as exc:
        return MirrorResult(source.key, "failed", detail=str(exc))
    dest = target / source.download.mirror_path
    dest.parent.mkdir(parents=True, exist_ok=True)
    if fetched.path.is_dir():
        dest.mkdir(exist_ok=True)
        for part in source.download.files:
            shutil.copy2(fetched.path / part.name, dest / part.name)
    else:
        shutil.copy2(fetched.path, dest)
    verified = [p for p in source.download.files if p.sha256]
    detail = (
        f"checksum verified ({len(verified)} of {len(source.download.files)} files)"
        if verified
        else "no checksum recorded for this form (recorded in SHA256SUMS)"
    )
    return MirrorResult(source.key, "ok", dest, detail)


def linked_mirror(source: Path, target: Path, copied: tuple[str, ...] = ()) -> Path:
    """A new mirror folder ``target`` laid out like ``source`` (e.g. ``../shared/data``): the
    dataset folders named in ``copied`` are copied (safe to edit), the others linked; ``source``
    is never changed."""
    target.mkdir()
    for folder in source.iterdir():
        if folder.name in copied:
            shutil.copytree(folder, target / folder.name)
        else:
            (target / folder.name).symlink_to(folder.resolve())
    return target


def write_sums(target: Path) -> Path:
    """``SHA256SUMS`` for every file under ``target`` (``sha256sum -c`` format)."""
    lines = []
    for file in files_of(target):
        if file.name != SUMS_FILE:
            lines.append(f"{sha256_of(file)}  {file.relative_to(target).as_posix()}")
    sums = target / SUMS_FILE
    sums.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sums


def build_mirror(
    target: Path, keys: list[str] | None = None, cache_dir: Path | None = None
) -> list[MirrorResult]:
    """Mirror ``keys`` (default: every catalogue source) into ``target``; never raises for one
    source's failure (each is reported in its result)."""
    sources = catalogue.load_catalogue()
    unknown = [k for k in keys or [] if k not in sources]
    if unknown:
        raise KeyError(f"not in the catalogue: {unknown} (keys: {sorted(sources)})")
    target.mkdir(parents=True, exist_ok=True)
    results = [mirror_source(sources[k], target, cache_dir) for k in keys or sources]
    write_sums(target)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make mirror", description=__doc__.split("\n\n")[0])
    parser.add_argument("keys", nargs="*", help="catalogue keys (default: every source)")
    parser.add_argument("--to", default=DEFAULT_MIRROR_DIR, help="mirror folder to fill")
    parser.add_argument("--cache", default=None, help="download cache (WELLBEING_CACHE_DIR)")
    args = parser.parse_args(argv)
    target = resolve_path(args.to)
    results = build_mirror(target, args.keys or None, resolve_path(args.cache))
    for r in results:
        where = f" -> {r.path}" if r.path else ""
        print(f"{r.status:7} {r.key}{where}: {r.detail}")
    failed = [r for r in results if r.status == "failed"]
    manual = [r for r in results if r.status == "manual"]
    print(
        f"\n{len(results) - len(failed) - len(manual)} sources mirrored into {target}, "
        f"{len(failed)} failed, {len(manual)} need a manual step. "
        + (f"Build from it with WELLBEING_SOURCE_MIRROR={target} make run." if not failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
