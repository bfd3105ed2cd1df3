"""Source drift: what changed between a contract and the table a source produced.

The Great Expectations suite already fails when a column is missing; this module says what the
column probably became (closest names among the unexpected columns, by ``difflib``), so a run
that stops on a publisher's rename reports ``'wimd_rank' missing; found 'wimd_2025_rank'
(renamed?)`` instead of a bare failure.
"""

import difflib
from dataclasses import dataclass, field


@dataclass
class ColumnDrift:
    """Expected vs found columns of one table.

    Attributes:
        missing: contract columns absent from the table (an error: the contract check fails).
        unexpected: table columns the contract does not name (a warning: a new source column).
        suggestions: missing column -> closest unexpected column names (best first, at most 3).
    """

    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    suggestions: dict[str, list[str]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.missing or self.unexpected)

    def messages(self) -> list[str]:
        """One plain-English line per change, e.g. ``column 'x' is missing (renamed to 'y'?)``."""
        lines = []
        for column in self.missing:
            hint = self.suggestions.get(column)
            guess = f" (renamed to {' or '.join(repr(h) for h in hint)}?)" if hint else ""
            lines.append(f"column '{column}' is missing{guess}")
        for column in self.unexpected:
            lines.append(f"new column '{column}' is not in the contract")
        return lines


def column_drift(
    expected: list[str], found: list[str], ignore: set[str] = frozenset()
) -> ColumnDrift:
    """Compare the contract's columns with the table's.

    Args:
        expected: column names the contract promises.
        found: column names the table has.
        ignore: found columns never reported as unexpected (e.g. raw lineage columns).

    Returns:
        The drift, with up to three rename suggestions per missing column (similarity >= 0.5 on
        ``difflib.SequenceMatcher`` ratio, compared case-insensitively).
    """
    found_set, expected_set = set(found), set(expected)
    missing = [c for c in expected if c not in found_set]
    unexpected = [c for c in found if c not in expected_set and c not in ignore]
    suggestions = {}
    lowered = {c.lower(): c for c in unexpected}
    for column in missing:
        close = difflib.get_close_matches(column.lower(), list(lowered), n=3, cutoff=0.5)
        if close:
            suggestions[column] = [lowered[c] for c in close]
    return ColumnDrift(missing, unexpected, suggestions)
