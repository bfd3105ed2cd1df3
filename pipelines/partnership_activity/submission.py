"""What a partner submission is: the one definition the inbox sensor and the loader share.

A submission is a file anywhere below the inbox folder (sub-folders included) that

* has one of ``SUFFIXES`` (any letter case): CSV or text (``.csv``, ``.txt``, ``.tsv``), Excel
  (``.xlsx``, ``.xlsm``, ``.xls``), OpenDocument (``.ods``) or Parquet; the loader then reads the
  file by what it really is (an ``.xlsx`` saved under ``.csv`` is read as a workbook, a PDF
  under ``.xlsx`` is rejected with that said);
* is not hidden and not a temporary file: no name starting with ``.``, ``~$`` (an Office lock
  file) or ``~``, none ending in ``TEMP_SUFFIXES`` (a download or copy in progress), and no part
  of its path below the inbox hidden (``.git``, ``.Trash``) or in ``EXCLUDED_FOLDERS``.

A file is named by its path below the inbox (``cardiff/2024-25.xlsx``), which is what
``quality.submissions.submission_file`` records and what a sensor run asks the loader to load.
"""

from pathlib import Path, PurePosixPath

SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods", ".parquet")
TEMP_PREFIXES = (".", "~$", "~")
TEMP_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".swp")
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
    if path.suffix.lower() not in SUFFIXES or name.startswith(TEMP_PREFIXES):
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
