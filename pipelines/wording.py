"""Counts and lists in the words people read in run output: ``1 file``, ``2 files``,
``1,234 rows``, ``a, b, c and 4 more``.
(Welsh mutations, as after "yn", are ``dashboards.i18n``'s.)"""


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, singular for exactly one and plural otherwise (``noun + 's'`` unless
    ``plural`` is given), the number with thousands separators: ``counted(1, "source file")`` is
    ``1 source file``, ``counted(0, "activity", "activities")`` is ``0 activities``."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def some_of(items: list, most: int = 3) -> str:
    """The first ``most`` items of a list and how many more: ``a, b, c and 4 more``."""
    more = f" and {len(items) - most:,} more" if len(items) > most else ""
    return ", ".join(map(str, items[:most])) + more
