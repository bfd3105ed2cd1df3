"""Writing a file so that a reader never sees half of it: the one home of "write to a temporary
name beside it, then rename it into place" (the report, the template, boundary files, the
partner archive; publish adds its fsyncs around the same step).

A temporary name starts with ``TEMP_PREFIX`` (``.tmp-``), so a file left by a killed process is
hidden and known for what it is (``publish.remove_stale_temp_files`` deletes those it finds).
"""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEMP_PREFIX = ".tmp-"


@contextmanager
def replacing(path: Path, mode: int | None = None) -> Iterator[Path]:
    """``with replacing(path) as tmp:`` write ``tmp``; when the block ends without an error,
    ``tmp`` (made ``mode`` first, e.g. 0o644 for a file others read whatever the umask) replaces
    ``path`` in one step. On an error it is removed and ``path`` is left as it was.

    ``tmp`` is a free name in ``path``'s folder (made when missing), with ``path``'s suffix,
    that does not exist yet (GDAL refuses to overwrite a GeoJSON file: it creates it itself).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=f"{TEMP_PREFIX}{path.stem}.", suffix=path.suffix, dir=path.parent
    )
    os.close(fd)
    os.unlink(name)
    tmp = Path(name)
    try:
        yield tmp
        if mode is not None:
            tmp.chmod(mode)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
