"""The partner inbox: which submission files are there, and their content hashes.

Plain functions used by the ``partner_inbox`` sensor. What counts as a submission (suffixes,
sub-folders, hidden and temporary files) is defined once, in
``pipelines.partnership_activity.submission``, and shared with the loader. A file is identified
by the SHA-256 of its bytes and named by its path below the inbox: the same file seen again is
not processed again, an edited file (new bytes) is, and so is the same content under another
name (the loader records it as a duplicate and writes the partner a report saying so).
"""

import json
import time
from dataclasses import dataclass
from pathlib import Path

from pipelines.catalogue import sha256_of
from pipelines.partnership_activity.submission import inbox_files, is_submission, submission_name

__all__ = ["InboxCursor", "InboxFile", "is_submission", "scan_inbox"]


@dataclass(frozen=True)
class InboxFile:
    path: Path
    name: str
    size: int
    sha256: str


@dataclass
class InboxCursor:
    """Sensor cursor: the files already requested, and a stat cache so unchanged files are not
    re-hashed.

    Serialised as JSON: ``{"seen": [sha256, "sha256:name", ...], "files": {name: [size,
    mtime_ns, sha256]}}``: ``seen`` holds each content's sha256 and each (content, name) pair
    requested (``seen_key``). A cursor from before the pairs were kept (hashes only) counts the
    files of its stat cache as requested under their names.
    """

    seen: set[str]
    files: dict[str, tuple[int, int, str]]

    @classmethod
    def parse(cls, text: str | None) -> "InboxCursor":
        if not text:
            return cls(set(), {})
        data = json.loads(text)
        if isinstance(data, list):  # a bare list of hashes
            return cls(set(data), {})
        files = {k: tuple(v) for k, v in (data.get("files") or {}).items()}
        seen = set(data.get("seen") or [])
        if not any(":" in s for s in seen):  # hashes only: the files it saw were requested
            seen |= {seen_key(v[2], k) for k, v in files.items() if v[2] in seen}
        return cls(seen, files)

    def dumps(self) -> str:
        return json.dumps(
            {
                "seen": sorted(self.seen),
                "files": {k: list(v) for k, v in sorted(self.files.items())},
            },
            separators=(",", ":"),
        )


def seen_key(sha256: str, name: str) -> str:
    """How ``InboxCursor.seen`` records a file requested: its content and its name."""
    return f"{sha256}:{name}"


def scan_inbox(
    inbox: Path, cursor: InboxCursor, settle_seconds: float = 0.0, now: float | None = None
) -> list[InboxFile]:
    """Every settled submission below ``inbox`` (sorted by name) with its hash.

    Files modified less than ``settle_seconds`` ago are skipped (still being copied); they are
    picked up on a later tick. The stat cache in ``cursor.files`` (keyed by the path below the
    inbox) is refreshed in place.
    """
    now = time.time() if now is None else now
    out = []
    present = set()
    for path in sorted(inbox_files(inbox), key=lambda p: submission_name(p, inbox)):
        stat = path.stat()
        if now - stat.st_mtime < settle_seconds:
            continue
        name = submission_name(path, inbox)
        present.add(name)
        cached = cursor.files.get(name)
        if cached and cached[0] == stat.st_size and cached[1] == stat.st_mtime_ns:
            digest = cached[2]
        else:
            digest = sha256_of(path)
            cursor.files[name] = (stat.st_size, stat.st_mtime_ns, digest)
        out.append(InboxFile(path, name, stat.st_size, digest))
    for name in list(cursor.files):
        if name not in present and not (Path(inbox) / name).exists():
            del cursor.files[name]
    return out
