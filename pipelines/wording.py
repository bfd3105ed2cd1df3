"""Counts in the words people read in run output: ``1 file``, ``2 files``, ``1,234 rows``.
(Welsh mutations, as after "yn", are ``dashboards.i18n``'s.)"""


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, singular for exactly one and plural otherwise (``noun + 's'`` unless
    ``plural`` is given), the number with thousands separators: ``counted(1, "source file")`` is
    ``1 source file``, ``counted(0, "activity", "activities")`` is ``0 activities``."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
