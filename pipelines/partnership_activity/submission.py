"""What a partner submission is: the one definition the inbox sensor and the loader share.

A submission is EVERY file anywhere below the inbox folder (sub-folders included), whatever its
suffix, that is not hidden and not a temporary file: no name starting with ``.``, ``~$`` (an
Office lock file) or ``~``, none ending in ``TEMP_SUFFIXES`` (a download or copy in progress),
not one of ``SYSTEM_FILES`` (folder thumbnails and settings the operating system writes, hidden
on the partner's computer), and no part of its path below the inbox hidden (``.git``,
``.Trash``) or in ``EXCLUDED_FOLDERS``. The loader reads each file by what it really is (an
``.xlsx`` saved under ``.csv`` is read as a workbook); a file of a type it cannot read (a PDF, a
Word document, a zip archive, ...) is recorded as ``rejected`` saying what it is and what to send
instead, and gets a feedback report like any other: nothing in the inbox is passed over in
silence.

A file is named by its path below the inbox (``cardiff/2024-25.xlsx``), which is what
``quality.submissions.submission_file`` records and what a sensor run asks the loader to load.
"""

from pathlib import Path, PurePosixPath

TEMP_PREFIXES = (".", "~$", "~")
TEMP_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".swp")
SYSTEM_FILES = ("thumbs.db", "desktop.ini", "ehthumbs.db")  # lower case
EXCLUDED_FOLDERS = ("__MACOSX",)


def submission_name(path: Path, inbox: Path) -> str:
    """The file's path below the inbox, with forward slashes (its name in the tables)."""
    return PurePosixPath(Path(path).resolve().relative_to(Path(inbox).resolve())).as_posix()


def is_submission(path: Path, inbox: Path | None = None) -> bool:
    """True for a file the inbox treats as a submission (see the module docstring)."""
    path = Path(path)
    name = path.name
    if not path.is_file() or name.lower().endswith(TEMP_SUFFIXES):
        return False
    if name.startswith(TEMP_PREFIXES) or name.lower() in SYSTEM_FILES:
        return False
    if inbox is not None:
        parts = PurePosixPath(submission_name(path, inbox)).parts[:-1]
        if any(p.startswith(".") or p in EXCLUDED_FOLDERS for p in parts):
            return False
    return True


def inbox_files(inbox: Path) -> list[Path]:
    """Every submission below ``inbox``, oldest first (then by name)."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        return []
    files = [p for p in inbox.rglob("*") if is_submission(p, inbox)]
    return sorted(files, key=lambda p: (p.stat().st_mtime, submission_name(p, inbox)))
