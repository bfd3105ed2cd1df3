"""Statistical disclosure control of published counts of people, applied once, at publish.

The rule's parameters live in the data contracts, as a ``disclosure`` custom property on each
column it applies to (today every ``participant_count``)::

    - property: disclosure
      value:
        suppressFrom: 1          # counts from 1 ...
        suppressTo: 4            # ... to 4 people are withheld; a true 0 is shown as 0
        differencingGroups:      # cells that add up to a published total
        - [wimd_decile]
        - [la_code]

and, on a rate or share computed from such a count, ``{withheldWith: participant_count}``.

What ``apply_disclosure`` does to a table (in the new published file, before any export, the
dictionary or the site read it):

1. **Primary suppression**: a count from ``suppressFrom`` to ``suppressTo`` is withheld.
2. **Secondary suppression** (differencing): within each group of each ``differencingGroups``
   entry (the empty list is the whole table), a group with withheld cells must have at least two
   of them, adding up to more than ``suppressTo``; otherwise the smallest non-zero published
   count in the group is withheld too, and so on, across all groups until nothing changes. So no
   withheld value can be worked out by subtracting the published cells from a published total.
   True zeros are never withheld.
3. Columns declared ``withheldWith`` a count are withheld wherever that count is (a rate from a
   withheld count would give the count back).
4. A withheld cell becomes null, and a boolean column ``is_<column>_suppressed`` (true where
   withheld) is added after the table's columns, with a comment stating the rule; the count's
   own comment gets the same sentence. Nulls that were nulls stay nulls with the flag false.
"""

from dataclasses import dataclass, field

import duckdb
import numpy as np
import polars as pl

from pipelines.contracts import column_comments, contract_for, custom
from pipelines.sqltext import quote_ident, quote_literal

PROPERTY = "disclosure"


@dataclass(frozen=True)
class CountRule:
    """The disclosure rule of one count column (from its contract)."""

    column: str
    suppress_from: int
    suppress_to: int
    groups: tuple[tuple[str, ...], ...] = ()
    withheld_with: tuple[str, ...] = field(default_factory=tuple)

    @property
    def flag_column(self) -> str:
        return f"is_{self.column}_suppressed"

    def sentence(self) -> str:
        """The rule in plain English, for comments and the data dictionary."""
        groups = "; ".join(", ".join(g) if g else "the whole table" for g in self.groups)
        text = (
            f"Disclosure control: counts from {self.suppress_from} to {self.suppress_to} are "
            f"withheld (null, {self.flag_column} = true); a true zero is shown as 0."
        )
        if groups:
            text += (
                " Further cells are withheld where needed so that no withheld count can be "
                "worked out by subtracting published cells from a published total (each group "
                f"of {groups} has none or at least two withheld cells adding up to more than "
                f"{self.suppress_to})."
            )
        if self.withheld_with:
            text += f" Also withheld where it is: {', '.join(self.withheld_with)}."
        return text


def rules_for(table: str) -> list[CountRule]:
    """The disclosure rules of ``schema.table`` from its contract (empty when none apply)."""
    obj = contract_for(table) or {}
    props = obj.get("properties", []) or []
    counts: dict[str, dict] = {}
    derived: dict[str, list[str]] = {}
    for prop in props:
        value = custom(prop, PROPERTY)
        if not value:
            continue
        if "withheldWith" in value:
            derived.setdefault(value["withheldWith"], []).append(prop["name"])
        else:
            counts[prop["name"]] = value
    rules = []
    for column, value in counts.items():
        try:
            low, high = int(value["suppressFrom"]), int(value["suppressTo"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(
                f"data contract of {table}: column {column} has a '{PROPERTY}' property without "
                f"integer suppressFrom and suppressTo (got {value!r})"
            ) from exc
        groups = tuple(tuple(g or ()) for g in value.get("differencingGroups", []) or [])
        rules.append(CountRule(column, low, high, groups, tuple(derived.get(column, []))))
    orphans = set(derived) - set(counts)
    if orphans:
        raise ValueError(
            f"data contract of {table}: withheldWith names {sorted(orphans)}, which carry no "
            f"'{PROPERTY}' rule of their own"
        )
    return rules


def suppression_mask(frame: pl.DataFrame, rule: CountRule) -> np.ndarray:
    """Which rows of ``frame`` have ``rule.column`` withheld (primary and secondary).

    Args:
        frame: the table's rows, in a stable order, with the count and every group column.
        rule: the column's rule.

    Returns:
        A boolean array, one entry per row.
    """
    values = frame[rule.column].cast(pl.Float64).fill_null(np.nan).to_numpy()
    present = np.isfinite(values)
    mask = present & (values >= rule.suppress_from) & (values <= rule.suppress_to)
    if not mask.any() or not rule.groups:
        return mask
    groupings = []
    for columns in rule.groups:
        if not columns:
            groupings.append([np.arange(frame.height)])
            continue
        indexed = frame.with_row_index("_row").group_by(list(columns), maintain_order=True)
        groupings.append([np.asarray(g) for g in indexed.agg(pl.col("_row"))["_row"].to_list()])
    changed = True
    while changed:
        changed = False
        for groups in groupings:
            for rows in groups:
                withheld = rows[mask[rows]]
                while len(withheld) and (
                    len(withheld) == 1 or values[withheld].sum() <= rule.suppress_to
                ):
                    candidates = rows[~mask[rows] & present[rows] & (values[rows] > 0)]
                    if not len(candidates):
                        break
                    pick = candidates[np.argmin(values[candidates])]
                    mask[pick] = True
                    changed = True
                    withheld = rows[mask[rows]]
    return mask


def apply_disclosure(
    con: duckdb.DuckDBPyConnection, tables: list[str]
) -> dict[str, dict[str, int]]:
    """Withhold small counts in ``tables`` (``schema.table``, in the open database) in place.

    Returns:
        ``"schema.table.column"`` -> ``{"withheld": n, "primary": small counts, "secondary": cells
        withheld against differencing}``, for every ruled column.

    Raises:
        ValueError: a contract's rule is malformed or names a column the table lacks.
    """
    withheld: dict[str, int] = {}
    for table in tables:
        rules = rules_for(table)
        if not rules:
            continue
        schema, name = table.split(".")
        qualified = f"{quote_ident(schema)}.{quote_ident(name)}"
        existing = set(column_comments(con, table))
        for rule in rules:
            if rule.column not in existing:
                continue  # nothing to protect (the contract checks report a missing column)
            needed = {rule.column, *rule.withheld_with, *(c for g in rule.groups for c in g)}
            missing = sorted(needed - existing)
            if missing:
                raise ValueError(
                    f"disclosure rule of {table}.{rule.column} (data contract) names columns "
                    f"{missing} that {table} does not have"
                )
            flag = quote_ident(rule.flag_column)
            con.execute(f"alter table {qualified} add column {flag} boolean default false")
            cols = ", ".join(quote_ident(c) for c in sorted(needed))
            frame = con.execute(
                f"select rowid as _rowid, {cols} from {qualified} order by rowid"
            ).pl()
            mask = suppression_mask(frame, rule)
            rowids = pl.DataFrame({"_rowid": frame["_rowid"].filter(pl.Series(mask))})
            if rowids.height:
                con.register("_withheld_rows", rowids.to_arrow())
                try:
                    sets = ", ".join(
                        f"{quote_ident(c)} = null" for c in (rule.column, *rule.withheld_with)
                    )
                    con.execute(
                        f"update {qualified} set {sets}, {flag} = true "
                        "where rowid in (select _rowid from _withheld_rows)"
                    )
                finally:
                    con.unregister("_withheld_rows")
            sentence = rule.sentence()
            con.execute(f"comment on column {qualified}.{flag} is {quote_literal(sentence)}")
            for column in (rule.column, *rule.withheld_with):
                old = column_comments(con, table)[column]
                text = f"{old} {sentence}" if old else sentence
                con.execute(
                    f"comment on column {qualified}.{quote_ident(column)} is {quote_literal(text)}"
                )
            values = frame[rule.column]
            primary = int(values.is_between(rule.suppress_from, rule.suppress_to).sum())
            withheld[f"{table}.{rule.column}"] = {
                "withheld": int(mask.sum()),
                "primary": primary,
                "secondary": int(mask.sum()) - primary,
            }
    return withheld
