"""Compile a data contract table into rules: the one statement of what each rule means.

A contract table (one object of a contract's ``schema`` list, see ``pipelines.contracts``) is
compiled ONCE into a list of ``Rule``. Every rule carries its columns, its severity, a DuckDB SQL
predicate that is true for a bad row (``bad_row``) or a table-level form, a plain-English
description, and a reason in English and Welsh for a row that breaks it. Every engine runs these
same rules and nothing else:

- **row mode** (``pipelines.quality.validate.row_problems``): partner submissions, row by row,
  set-based in DuckDB over the submitted rows after normalisation; a row with no problem is
  accepted, each problem goes to ``quality.quarantine`` with its reason;
- **table mode** (``pipelines.quality.validate.validate_in_duckdb``): the blocking Dagster check
  ``contract_<table>`` of every contract table, one scan of the table in DuckDB;
- **Great Expectations** (``pipelines.quality.gx``) is the reporting layer: each rule becomes a GX
  expectation in a suite, results are stored and rendered as Data Docs. GX can also execute the
  rules that have a native expectation on a small frame; ``tests/integration/test_rule_engines.py`` runs
  every rule of every contract through every engine on the same bad rows and asserts the same
  verdict.

Rule kinds: ``exists`` (a column is present), ``row`` (a predicate on one row), ``unique`` (a
key appears once), ``coverage`` (every value of a reference set is present, and no value is new),
``row_count`` (bounds on the number of rows), ``sum`` (bounds on a column's total) and ``sql`` (a
query returning one number, within bounds).

What a contract can say (ODCS v3 keys), and the rule each becomes:

| contract | rule | bad row (DuckDB SQL) |
|---|---|---|
| every property | ``<col>.exists`` | the column is missing (table mode; an error: renamed or dropped column) |
| ``required: true`` | ``<col>.required`` | ``col is null`` |
| ``unique: true`` | ``<col>.unique`` | a value appears on more than one row |
| ``logicalTypeOptions.pattern`` | ``<col>.pattern`` | ``not regexp_matches(col, pattern)`` (search: anchor with ``^...$``) |
| ``logicalTypeOptions.maxLength`` / ``minLength`` | ``<col>.length`` | ``length(col)`` outside the bounds |
| ``logicalTypeOptions.minimum`` / ``maximum`` | ``<col>.range`` | number (text cast with ``try_cast``) or date outside the bounds |
| ``customProperties: allowedValues`` | ``<col>.allowed_values`` | the value (or, with ``listSeparator``, any item of the list) is not in the list |
| ``customProperties: allowedPairs`` ``{with: other, pairs: {other_value: [values]}}`` | ``<col>.allowed_pair`` | ``(other, col)`` is not a listed pair (e.g. activity type of its action category) |
| ``customProperties: allowedPairs`` ``{with: other, from: schema.table, columns: [a, b]}`` | ``<col>.allowed_pair`` | ``(col, other)`` is not a row ``(a, b)`` of the reference table |
| ``customProperties: reasons`` ``{<suffix>: {en: ..., cy: ...}}`` | | replaces the reason of the property's rule ``<col>.<suffix>`` (templates, below) |
| ``customProperties: description_cy`` | | the Welsh description (partner template, Welsh reasons) |
| ``customProperties: unit`` / ``unit_cy`` | | the unit of a number in English / Welsh, said after a range (``between 0 and 1000000 people``, ``rhwng 0 a 1000000 o bobl``; no ``unit_cy``: the Welsh reason names no unit) |
| ``customProperties: aliases`` / ``name_cy`` / ``aliases_cy`` | | other header names a submitted column is read from; ``name_cy`` is its Welsh name (partner template) |
| ``customProperties: personalData: true`` | nothing | a personal-data column is never loaded into a table |
| ``customProperties: severity`` | | severity of all of the property's rules (``error`` / ``warning``) |
| ``quality: type: library, metric: rowCount`` + ``mustBe...`` | ``row_count`` | the number of rows is outside the bounds (prefer ``coverage``) |
| ``quality: type: library, metric: duplicateValues``, ``arguments.properties`` | ``unique`` | the key repeats |
| ``quality: type: library, metric: nullValues``, ``arguments.column`` | ``row`` | ``col is null`` |
| ``quality: type: custom, engine: duckdb``, ``implementation.rule: coverage`` (below) | ``coverage`` | a value of the reference set is missing, or a value is new |
| ``quality: type: sql``, ``query`` + ``mustBe...`` | ``sql`` | DuckDB runs the query (one number), which must be within the bounds |
| ``quality: type: custom, engine: duckdb``, ``implementation.badRow`` | ``row`` | the predicate, over the table's columns; ``implementation.columns``, ``reason``, ``reason_cy`` |
| ``quality: type: custom, engine: great-expectations``: ``expect_column_values_to_be_in_set`` (``value_set`` or ``valueSetFrom: schema.table.column``) | ``row`` | the value is not in the set |
| ... ``expect_column_distinct_values_to_contain_set`` | ``coverage`` | a value of the set is missing (new values allowed) |
| ... ``expect_column_sum_to_be_between`` (``castToNumber``) | ``sum`` | the total is outside the bounds |
| ``quality: type: text`` | nothing | stated in words only |

**Coverage rules** say what must be true of a table instead of pinning its row count, and a
failure names what is missing or new::

    - name: every_lsoa_present
      type: custom
      engine: duckdb
      dimension: coverage
      severity: error
      description: Every 2021 LSOA has a row.
      implementation:
        rule: coverage
        column: lsoa_code                                   # the table's column
        valuesFrom: staging.stg_geography__lsoa21.lsoa_code # or values: [a, b] or {a: label}
        labelsFrom: staging.stg_geography__lsoa21.lsoa_name_en   # optional: names in messages
        groupBy: staging.stg_geography__lsoa21.la_name_en   # optional: summarise many missing
        noun: LSOAs                                         # optional: "missing 2 of 1917 LSOAs"
        allowNew: false                                     # default false: a value not in the set fails

    # every (area, year) combination: each listed column with its set; a set given as
    # ``inTable: true`` is the column's distinct values in this table (every area has every year
    # the table has at all)
    - name: every_area_every_year
      type: custom
      engine: duckdb
      dimension: coverage
      implementation:
        rule: coverage
        columns:
          - {column: area_code, valuesFrom: staging.stg_geography__local_authorities.la_code,
             labelsFrom: staging.stg_geography__local_authorities.la_name_en}
          - {column: year, inTable: true}
        noun: local authority years

A failure reads ``missing 1 of 22 local authorities: W06000015 Cardiff`` or ``missing 218 of 1917
LSOAs: 218 of Cardiff`` (``groupBy``) or ``2 new values not in staging...: W06000099, ...``.

**Reason templates** (``reasons`` on a property, ``reason`` / ``reason_cy`` on a custom rule):
plain text where ``{column_name}`` stands for that column's (normalised) value in the row and
``{value}`` for the rule's own column. Row mode also offers the partner loader's context columns
(see ``pipelines.partnership_activity.normalise``).

**Primary key** (``primaryKey`` / ``primaryKeyPosition`` on properties): in row mode a key
appears once per submission: the first row keeps it and later rows are quarantined
(``submission.unique_key``). Uniqueness in the table is stated separately (``unique``,
``duplicateValues`` or a ``sql`` rule), since a table may keep earlier versions of a row.

Severity: ``severity: error | warning`` on a quality item, or ``customProperties: severity`` on a
property. Default ``error``. Errors block downstream assets; warnings are reported only.

References: a rule that reads another table names it in ``references``; in SQL it is written
``{ref:schema.table}`` and bound to a relation at run time (``bind``), so the partner loader can
validate against reference tables read from the catalogue when the warehouse lacks them.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from pipelines.catalogue import sources_for_table
from pipelines.contracts import custom, is_personal_data
from pipelines.sqltext import case_lookup, quote_ident, sql_value
from pipelines.warehouse import LINEAGE_COLUMNS

SEVERITIES = ("error", "warning")
NUMERIC_LOGICAL_TYPES = ("integer", "number")
DATE_LOGICAL_TYPES = ("date", "timestamp")
TEXT_PHYSICAL_TYPES = ("varchar", "text", "string")
REF = re.compile(r"\{ref:([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)\}")
SHOWN = re.compile(r"\{shown:([a-z_][a-z0-9_]*)\}")
TEMPLATE_FIELD = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


# Every ``customProperties`` name the pipeline reads, by where it stands in a contract, and the
# module that reads it. A contract naming any other is refused when it is loaded
# (``pipelines.contract_validation``): a misspelt name would otherwise drop its rule silently.
CUSTOM_PROPERTIES: dict[str, frozenset[str]] = {
    "contract": frozenset({"exampleDataNotice"}),  # pipelines.contracts
    "table": frozenset({"locationColumns"}),  # pipelines.partnership_activity.contract
    "property": frozenset(
        {
            "allowedPairs",  # here
            "allowedValues",  # here
            "listSeparator",  # here
            "reasons",  # here
            "severity",  # here
            "unit",  # here, pipelines.contracts (descriptions)
            "unit_cy",  # here (Welsh reasons)
            "personalData",  # pipelines.contracts
            "redaction",  # pipelines.partnership_activity.contract
            "disclosure",  # pipelines.disclosure
            "aliases",  # pipelines.partnership_activity.contract (header aliases)
            "name_cy",  # pipelines.partnership_activity.contract (Welsh header, template)
            "aliases_cy",  # pipelines.partnership_activity.contract (Welsh header aliases)
            "default",  # pipelines.partnership_activity.contract
            "description_cy",  # pipelines.partnership_activity.contract
            "valueLabels",  # pipelines.partnership_activity.contract (code -> English, Welsh label)
            "submitted",  # pipelines.partnership_activity.contract
        }
    ),
}


# The values a ``customProperties`` item may take, where they are a closed list (checked when
# the contract is loaded, as the names are).
CUSTOM_PROPERTY_VALUES: dict[str, tuple[str, ...]] = {
    "redaction": ("free_text", "as_sent"),  # pipelines.partnership_activity.contract
}


class ContractError(ValueError):
    """A contract is malformed (unknown severity, rule or expectation)."""


@dataclass(frozen=True)
class Rule:
    """One rule compiled from a contract.

    Attributes:
        name: stable rule name, e.g. ``funding_gbp.range`` or ``every_lsoa_present``.
        kind: ``exists``, ``row``, ``unique``, ``coverage``, ``row_count``, ``sum`` or ``sql``.
        severity: ``error`` (blocks) or ``warning``.
        description: plain-English statement of what must hold (shown in check failures).
        columns: the contract columns the rule is about (first = the one a problem is filed under).
        bad_row: ``row`` rules: DuckDB predicate, true for a row that breaks the rule. The table or
            row relation is aliased ``t``; references are written ``{ref:schema.table}``.
        reason_en: ``row`` rules: DuckDB SQL expression (varchar) explaining a failing row.
        reason_cy: the same reason in Welsh.
        references: ``schema.table`` names the rule reads.
        spec: kind-specific settings: ``unique`` {columns}; ``coverage`` {dimensions, noun,
            allow_new, group_by}; ``row_count`` / ``sum`` {min, max, column}; ``sql`` {query,
            min, max}.
        gx: ``(expectation_type, kwargs)``: the Great Expectations form of the rule (reporting;
            ``None`` for rules GX has no expectation for, reported as an ``UnexpectedRows``
            expectation with the SQL predicate).
        row_mode: also applied to submitted rows (partner quarantine).
    """

    name: str
    kind: str
    severity: str = "error"
    description: str = ""
    columns: tuple[str, ...] = ()
    bad_row: str | None = None
    reason_en: str | None = None
    reason_cy: str | None = None
    references: tuple[str, ...] = ()
    spec: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    gx: tuple[str, dict] | None = field(default=None, hash=False, compare=False)
    row_mode: bool = False

    @property
    def column(self) -> str | None:
        return self.columns[0] if self.columns else None


# ---------------------------------------------------------------------------------------------
# helpers


def _severity(value: Any, where: str) -> str:
    severity = str(value or "error").lower()
    if severity == "warn":
        severity = "warning"
    if severity not in SEVERITIES:
        raise ContractError(f"{where}: severity must be one of {SEVERITIES}, got {value!r}")
    return severity


def _is_text(prop: dict) -> bool:
    return str(prop.get("physicalType") or "").lower().startswith(TEXT_PHYSICAL_TYPES)


def bind(
    sql: str, relations: dict[str, str] | None = None, shown: dict[str, str] | None = None
) -> str:
    """Replace ``{ref:schema.table}`` by the relation bound to it (default: the table itself),
    and ``{shown:column}`` (the value a reason shows) by ``shown[column]`` (default: the column
    as text; the partner loader shows the value as sent)."""
    relations, shown = relations or {}, shown or {}
    sql = REF.sub(lambda m: relations.get(m.group(1), m.group(1)), sql)
    return SHOWN.sub(lambda m: shown.get(m.group(1), f"t.{quote_ident(m.group(1))}::varchar"), sql)


def shown_value(column: str) -> str:
    """The placeholder of the value a reason shows for ``column``."""
    return "{shown:" + column + "}"


def ref(table: str) -> str:
    """The placeholder of a reference table in compiled SQL."""
    return "{ref:" + table + "}"


def _split_source(source: str, where: str) -> tuple[str, str]:
    parts = str(source).split(".")
    if len(parts) != 3:
        raise ContractError(f"{where}: expected schema.table.column, got {source!r}")
    return f"{parts[0]}.{parts[1]}", parts[2]


def _values_sql(values: list) -> str:
    return ", ".join(sql_value(str(v)) for v in values)


def template(text_template: str, value_sql: str) -> str:
    """Compile a reason template into a SQL expression (see the module docstring)."""
    parts, last = [], 0
    for match in TEMPLATE_FIELD.finditer(text_template):
        if match.start() > last:
            parts.append(sql_value(text_template[last : match.start()]))
        name = match.group(1)
        expr = value_sql if name == "value" else f"t.{quote_ident(name)}"
        parts.append(f"coalesce({expr}::varchar, '')")
        last = match.end()
    if last < len(text_template):
        parts.append(sql_value(text_template[last:]))
    return "concat(" + ", ".join(parts or ["''"]) + ")"


class SQL(str):
    """A SQL expression inside ``say`` (as opposed to literal text)."""


def say(*pieces: str) -> str:
    """A SQL expression joining literal text and SQL: ``say("unknown '", SQL(col), "'")``.

    Plain strings are literal text (quoted here, so apostrophes are safe); ``SQL`` pieces are
    expressions, a NULL one reading as empty.
    """
    parts = [
        f"coalesce(({p})::varchar, '')" if isinstance(p, SQL) else sql_value(p) for p in pieces
    ]
    return "concat(" + ", ".join(parts or ["''"]) + ")"


def _given_reasons(given: dict | None, value_sql: str, en: str, cy: str) -> tuple[str, str]:
    """A property rule's reasons: the contract's ``reasons`` templates where given, else ours."""
    given = given or {}
    return (
        template(given["en"], value_sql) if given.get("en") else en,
        template(given["cy"], value_sql) if given.get("cy") else cy,
    )


def _limits(value: str, low, high, bound=str) -> tuple[str, str, str]:
    """SQL true when ``value`` is outside the bounds (``None`` = no bound; ``bound`` writes one),
    and the bounds in English and Welsh ('between 1 and 5', 'at least 1', 'at most 5')."""
    outside = " or ".join(
        ([f"{value} < {bound(low)}"] if low is not None else [])
        + ([f"{value} > {bound(high)}"] if high is not None else [])
    )
    if low is not None and high is not None:
        return outside, f"between {low} and {high}", f"rhwng {low} a {high}"
    if low is not None:
        return outside, f"at least {low}", f"o leiaf {low}"
    return outside, f"at most {high}", f"dim mwy na {high}"


def _listed(values: list, limit: int = 8) -> str:
    shown = ", ".join(map(str, values[:limit]))
    return shown + (" ..." if len(values) > limit else "")


# ---------------------------------------------------------------------------------------------
# property rules


def property_rules(prop: dict, table: str) -> list[Rule]:
    """The rules of one contract property (column), in a stable order.

    Order: exists, required, unique, pattern, length, range, allowed values, allowed pair, then the
    property's own ``quality`` items.
    """
    column = prop["name"]
    col = f"t.{quote_ident(column)}"
    text_col = f"{col}::varchar"
    shown = SQL(shown_value(column))
    where = f"{table}.{column}"
    severity = _severity(custom(prop, "severity"), where)
    options = prop.get("logicalTypeOptions") or {}
    logical = str(prop.get("logicalType") or "").lower()
    label = f"'{column}'"
    overrides = custom(prop, "reasons") or {}

    def row(suffix, bad, description, en, cy, gx=None, refs=()) -> Rule:
        en, cy = _given_reasons(overrides.get(suffix), shown, en, cy)
        return Rule(
            f"{column}.{suffix}",
            "row",
            severity,
            description,
            (column,),
            bad,
            en,
            cy,
            tuple(refs),
            gx=gx,
            row_mode=True,
        )

    rules = [
        Rule(
            f"{column}.exists",
            "exists",
            "error",
            f"column {label} is present",
            (column,),
            gx=("expect_column_to_exist", {"column": column}),
        )
    ]
    if prop.get("required"):
        rules.append(
            row(
                "required",
                f"{col} is null",
                f"{label} has a value on every row",
                sql_value(f"{column} is required but empty"),
                sql_value(f"mae angen {column}, ond mae'n wag"),
                gx=("expect_column_values_to_not_be_null", {"column": column}),
            )
        )
    if prop.get("unique"):
        rules.append(
            Rule(
                f"{column}.unique",
                "unique",
                severity,
                f"{label} is unique",
                (column,),
                spec={"columns": [column]},
                gx=("expect_column_values_to_be_unique", {"column": column}),
            )
        )
    if options.get("pattern"):
        pattern = options["pattern"]
        rules.append(
            row(
                "pattern",
                f"{col} is not null and not regexp_matches({text_col}, {sql_value(pattern)})",
                f"{label} matches {pattern}",
                say("'", shown, f"' is not in the expected form for {column} ({pattern})"),
                say(
                    "'", shown, f"' - nid dyma'r ffurf ddisgwyliedig ar gyfer {column} ({pattern})"
                ),
                gx=("expect_column_values_to_match_regex", {"column": column, "regex": pattern}),
            )
        )
    low_len, high_len = options.get("minLength"), options.get("maxLength")
    if low_len is not None or high_len is not None:
        length = SQL(f"length({text_col})")
        outside, en_bounds, cy_bounds = _limits(length, low_len, high_len, int)
        rules.append(
            row(
                "length",
                f"{col} is not null and ({outside})",
                f"{label} is {en_bounds} characters long",
                say(f"{column} is ", length, f" characters long: expected {en_bounds} characters"),
                say(f"mae {column} yn ", length, f" nod o hyd: disgwylir {cy_bounds} nod"),
                gx=(
                    "expect_column_value_lengths_to_be_between",
                    {"column": column, "min_value": low_len, "max_value": high_len},
                ),
            )
        )
    low, high = options.get("minimum"), options.get("maximum")
    if low is not None or high is not None:
        cast_text = _is_text(prop) and logical in NUMERIC_LOGICAL_TYPES
        if logical in DATE_LOGICAL_TYPES:
            value = f"{col}::{logical}"
            bound = lambda b: f"{logical} {sql_value(str(b))}"
        else:
            value = f"try_cast(trim({text_col}) as double)" if cast_text else f"{col}::double"
            bound = lambda b: repr(float(b))
        outside, expected, expected_cy = _limits(value, low, high, bound)
        unit = custom(prop, "unit")
        unit_text = f" {unit}" if unit and logical not in DATE_LOGICAL_TYPES else ""
        # the Welsh reason says the unit in Welsh (unit_cy), never the English word
        unit_cy = custom(prop, "unit_cy")
        unit_text_cy = f" {unit_cy}" if unit_cy and unit_text else ""
        rules.append(
            row(
                "range",
                f"{value} is not null and ({outside})",
                f"{label} is {expected}",
                say(f"{column} ", shown, f" is out of range: expected {expected}{unit_text}"),
                say(
                    f"mae {column} ",
                    shown,
                    f" y tu allan i'r ystod: disgwylir {expected_cy}{unit_text_cy}",
                ),
                # GX compares dates and numbers held as text differently from SQL: those are
                # reported with their SQL predicate (UnexpectedRowsExpectation)
                gx=None
                if logical in DATE_LOGICAL_TYPES or cast_text
                else (
                    "expect_column_values_to_be_between",
                    {"column": column, "min_value": low, "max_value": high},
                ),
            )
        )
    allowed = custom(prop, "allowedValues")
    separator = custom(prop, "listSeparator")
    if allowed and separator:
        item = "(" + "|".join(re.escape(str(a)) for a in allowed) + ")"
        regex = f"^{item}({re.escape(separator)}{item})*$"
        bad_items = SQL(
            f"array_to_string(list_filter(string_split({text_col}, {sql_value(separator)}), "
            f"x -> x not in ({_values_sql(allowed)})), ', ')"
        )
        names = ", ".join(map(str, allowed))
        rules.append(
            row(
                "allowed_values",
                f"{col} is not null and not regexp_matches({text_col}, {sql_value(regex)})",
                f"{label} is a '{separator}'-separated list of {_listed(allowed)}",
                say(
                    f"{column} holds '",
                    bad_items,
                    f"': expected a '{separator}'-separated list of {names}",
                ),
                say(
                    f"mae {column} yn cynnwys '",
                    bad_items,
                    f"': disgwylir rhestr wedi'i gwahanu gan '{separator}' o {names}",
                ),
                gx=("expect_column_values_to_match_regex", {"column": column, "regex": regex}),
            )
        )
    elif allowed:
        names = ", ".join(map(str, allowed))
        rules.append(
            row(
                "allowed_values",
                f"{col} is not null and {text_col} not in ({_values_sql(allowed)})",
                f"{label} is one of {_listed(allowed)}",
                say(f"unknown {column} '", shown, f"': expected one of {names}"),
                say(f"{column} anhysbys '", shown, f"': disgwylir un o {names}"),
                gx=(
                    "expect_column_values_to_be_in_set",
                    {"column": column, "value_set": list(allowed)},
                ),
            )
        )
    pairs = custom(prop, "allowedPairs")
    if pairs:
        rules.append(_pair_rule(prop, table, pairs, severity, overrides))
    for i, item in enumerate(prop.get("quality", []) or []):
        if str(item.get("type") or "").lower() != "text":
            rules.append(quality_rule(item, table, default_column=column, index=i))
    return rules


def _pair_rule(prop: dict, table: str, pairs: dict, severity: str, overrides: dict) -> Rule:
    """``allowedPairs``: (other column, this column) must be an allowed pair."""
    column, other = prop["name"], pairs.get("with")
    where = f"{table}.{column} allowedPairs"
    if not other:
        raise ContractError(f"{where}: give 'with' (the other column)")
    col, oth = SQL(f"t.{quote_ident(column)}::varchar"), SQL(f"t.{quote_ident(other)}::varchar")
    if pairs.get("pairs"):
        listed: dict = pairs["pairs"]
        owner = {v: k for k, values in listed.items() for v in values}
        owner_of = SQL(case_lookup(col, owner))
        bad = (
            f"{col} in ({_values_sql(list(owner))}) and {oth} in ({_values_sql(list(listed))}) "
            f"and {owner_of} <> {oth}"
        )
        en = say(
            f"{column} '",
            col,
            f"' belongs to {other} ",
            owner_of,
            ", not ",
            oth,
            f": correct the {other} or the {column}",
        )
        cy = say(
            f"mae {column} '",
            col,
            f"' yn perthyn i {other} ",
            owner_of,
            ", nid ",
            oth,
            f": cywirwch {other} neu {column}",
        )
        description = (
            f"'{column}' belongs to its '{other}' ("
            + "; ".join(f"{k}: {_listed(v, 3)}" for k, v in listed.items())
            + ")"
        )
        refs: tuple[str, ...] = ()
    else:
        source, (a, b) = pairs.get("from"), pairs.get("columns") or (None, None)
        if not source or not a or not b:
            raise ContractError(f"{where}: give 'pairs', or 'from' and 'columns: [a, b]'")
        qa, qb = quote_ident(a), quote_ident(b)
        # uncorrelated IN: one hash join each (a correlated EXISTS costs a join per use)
        bad = (
            f"{col} is not null and {oth} is not null "
            f"and {col} in (select r.{qa}::varchar from {ref(source)} r) "
            f"and {col} || chr(31) || {oth} not in "
            f"(select r.{qa}::varchar || chr(31) || r.{qb}::varchar from {ref(source)} r "
            f"where r.{qa} is not null and r.{qb} is not null)"
        )
        en = say(
            f"{other} ", oth, f" does not go with {column} ", col, f" (no such pair in {source})"
        )
        cy = say(
            f"nid yw {other} ",
            oth,
            f" yn cyd-fynd â {column} ",
            col,
            f" (nid oes pâr o'r fath yn {source})",
        )
        description = f"'{other}' is the one that goes with '{column}' in {source} ({a}, {b})"
        refs = (source,)
    en, cy = _given_reasons(overrides.get("allowed_pair"), col, en, cy)
    return Rule(
        f"{column}.allowed_pair",
        "row",
        severity,
        description,
        (column, other),
        bad,
        en,
        cy,
        refs,
        row_mode=True,
    )


# ---------------------------------------------------------------------------------------------
# quality items


def _bounds(item: dict, where: str) -> tuple[float | None, float | None]:
    if item.get("mustBe") is not None:
        return item["mustBe"], item["mustBe"]
    if item.get("mustBeBetween"):
        low, high = item["mustBeBetween"]
        return low, high
    low = item.get("mustBeGreaterOrEqualTo")
    high = item.get("mustBeLessOrEqualTo")
    if low is None and high is None:
        raise ContractError(f"{where}: give mustBe, mustBeBetween or mustBe...OrEqualTo")
    return low, high


def quality_rule(item: dict, table: str, default_column: str | None = None, index: int = 0) -> Rule:
    """Compile one ODCS ``quality`` item (table- or property-level) into a rule.

    Raises:
        ContractError: the item uses a rule, engine or expectation this compiler does not know.
    """
    name = item.get("name") or f"quality_{index}"
    where = f"{table} quality '{name}'"
    severity = _severity(item.get("severity"), where)
    description = (item.get("description") or "").strip()
    kind = (item.get("type") or "library").lower()
    arguments = item.get("arguments") or {}
    if kind == "library":
        metric = item.get("rule") or item.get("metric")
        if metric == "rowCount":
            low, high = _bounds(item, where)
            return Rule(
                name,
                "row_count",
                severity,
                description or f"row count between {low} and {high}",
                spec={"min": low, "max": high},
                gx=("expect_table_row_count_to_be_between", {"min_value": low, "max_value": high}),
            )
        if metric in ("duplicateValues", "duplicateCount"):
            columns = list(arguments.get("properties") or [default_column])
            gx = (
                ("expect_column_values_to_be_unique", {"column": columns[0]})
                if len(columns) == 1
                else ("expect_compound_columns_to_be_unique", {"column_list": columns})
            )
            return Rule(
                name,
                "unique",
                severity,
                description or f"one row per {' + '.join(columns)}",
                tuple(columns),
                spec={"columns": columns},
                gx=gx,
            )
        if metric == "nullValues":
            column = arguments.get("column") or default_column
            col = f"t.{quote_ident(column)}"
            return Rule(
                name,
                "row",
                severity,
                description or f"'{column}' has no nulls",
                (column,),
                f"{col} is null",
                sql_value(description or f"{column} is required but empty"),
                sql_value(f"mae angen {column}, ond mae'n wag"),
                gx=("expect_column_values_to_not_be_null", {"column": column}),
                row_mode=True,
            )
        raise ContractError(f"{where}: unknown library rule {metric!r}")
    if kind == "sql":
        low, high = _bounds(item, where)
        if not item.get("query"):
            raise ContractError(f"{where}: a sql rule needs a query")
        return Rule(
            name,
            "sql",
            severity,
            description or f"query result between {low} and {high}",
            (default_column,) if default_column else (),
            spec={"query": item["query"], "min": low, "max": high},
        )
    if kind == "custom":
        engine = str(item.get("engine") or "").lower().replace("_", "-")
        impl = dict(item.get("implementation") or {})
        if engine == "duckdb" and impl.get("rule") == "coverage":
            return coverage_rule(name, impl, severity, description, where)
        if engine == "duckdb":
            return _duckdb_rule(name, impl, severity, description, default_column, where)
        if engine in ("great-expectations", "greatexpectations", "gx"):
            return _gx_rule(name, impl, severity, description, default_column, where)
        raise ContractError(f"{where}: custom rules need engine duckdb or great-expectations")
    raise ContractError(f"{where}: quality type must be library, sql, custom or text, got {kind!r}")


def _duckdb_rule(name, impl, severity, description, default_column, where) -> Rule:
    bad = impl.get("badRow")
    if not bad:
        raise ContractError(f"{where}: engine duckdb needs implementation.badRow (a predicate)")
    columns = tuple(impl.get("columns") or ([default_column] if default_column else []))
    first = SQL(f"t.{quote_ident(columns[0])}::varchar" if columns else "null")
    en = template(impl["reason"], first) if impl.get("reason") else sql_value(description or name)
    cy = template(impl["reason_cy"], first) if impl.get("reason_cy") else en
    refs = tuple(sorted(set(REF.findall(bad))))
    return Rule(
        name,
        "row",
        severity,
        description or name,
        columns,
        bad,
        en,
        cy,
        refs,
        row_mode=bool(columns),
    )


def _gx_rule(name, impl, severity, description, default_column, where) -> Rule:
    expectation = impl.pop("expectation", None)
    if not expectation or not re.fullmatch(r"expect_[a-z0-9_]+", expectation):
        raise ContractError(f"{where}: implementation.expectation must name a GX expectation")
    column = impl.pop("column", None) or default_column
    cast = bool(impl.pop("castToNumber", False))
    source = impl.pop("valueSetFrom", None)
    col = f"t.{quote_ident(column)}" if column else None
    reason_en, reason_cy = impl.pop("reason", None), impl.pop("reason_cy", None)
    if expectation == "expect_column_values_to_be_in_set":
        if source:
            ref_table, ref_column = _split_source(source, where)
            qc = quote_ident(ref_column)
            bad = (
                f"{col} is not null and {col}::varchar not in (select {qc}::varchar from "
                f"{ref(ref_table)} where {qc} is not null)"
            )
            refs, listed = (ref_table,), source
        else:
            values = list(impl.get("value_set") or [])
            bad = f"{col} is not null and {col}::varchar not in ({_values_sql(values)})"
            refs, listed = (), _listed(values)
        shown = SQL(shown_value(column))
        en = (
            template(reason_en, shown)
            if reason_en
            else say("'", shown, f"' is not one of {listed}")
        )
        cy = (
            template(reason_cy, shown)
            if reason_cy
            else say("nid yw '", shown, f"' yn un o {listed}")
        )
        return Rule(
            name,
            "row",
            severity,
            description or f"'{column}' is one of {listed}",
            (column,),
            bad,
            en,
            cy,
            refs,
            spec={"value_set_from": source},
            gx=(
                "expect_column_values_to_be_in_set",
                {"column": column, "value_set": impl.get("value_set")},
            ),
            row_mode=True,
        )
    if expectation == "expect_column_distinct_values_to_contain_set":
        args = {"column": column, "allowNew": True}
        if source:
            args["valuesFrom"] = source
        else:
            args["values"] = list(impl.get("value_set") or [])
        return coverage_rule(name, args, severity, description, where)
    if expectation == "expect_column_sum_to_be_between":
        return Rule(
            name,
            "sum",
            severity,
            description or f"sum of '{column}'",
            (column,),
            spec={
                "column": column,
                "cast": cast,
                "min": impl.get("min_value"),
                "max": impl.get("max_value"),
            },
            gx=None
            if cast
            else (
                "expect_column_sum_to_be_between",
                {
                    "column": column,
                    "min_value": impl.get("min_value"),
                    "max_value": impl.get("max_value"),
                },
            ),
        )
    raise ContractError(
        f"{where}: no DuckDB form for {expectation}; use type custom, engine duckdb"
    )


def coverage_rule(name: str, args: dict, severity: str, description: str, where: str) -> Rule:
    """Compile a ``coverage`` rule (see the module docstring)."""
    dims = args.get("columns") or [
        {
            k: args[k]
            for k in ("column", "valuesFrom", "values", "labelsFrom", "inTable")
            if k in args
        }
    ]
    dimensions, refs = [], []
    for dim in dims:
        column = dim.get("column")
        if not column:
            raise ContractError(f"{where}: each coverage column needs 'column'")
        out = {"column": column}
        if dim.get("valuesFrom"):
            out["table"], out["values_column"] = _split_source(dim["valuesFrom"], where)
            refs.append(out["table"])
        elif isinstance(dim.get("values"), dict):  # value -> label
            out["values"] = [str(v) for v in dim["values"]]
            out["labels"] = {str(k): str(v) for k, v in dim["values"].items()}
        elif dim.get("values") is not None:
            out["values"] = list(dim["values"])
        elif dim.get("inTable"):
            out["in_table"] = True
        else:
            raise ContractError(
                f"{where}: coverage of {column} needs valuesFrom, values or inTable"
            )
        if dim.get("labelsFrom"):
            label_table, out["labels_column"] = _split_source(dim["labelsFrom"], where)
            if label_table != out.get("table"):
                raise ContractError(
                    f"{where}: labelsFrom must name a column of the valuesFrom table"
                )
        dimensions.append(out)
    group_by = None
    if args.get("groupBy"):
        group_table, group_by = _split_source(args["groupBy"], where)
        if len(dimensions) != 1 or group_table != dimensions[0].get("table"):
            raise ContractError(f"{where}: groupBy must name a column of the valuesFrom table")
    columns = tuple(d["column"] for d in dimensions)
    noun = args.get("noun") or " x ".join(columns) + " values"
    gx = None
    allow_new = bool(args.get("allowNew", False))
    if len(dimensions) == 1 and "in_table" not in dimensions[0]:
        expectation = "contain_set" if allow_new else "equal_set"
        gx = (
            f"expect_column_distinct_values_to_{expectation}",
            {"column": columns[0], "value_set": dimensions[0].get("values")},
        )
    return Rule(
        name,
        "coverage",
        severity,
        description or f"every {noun} present",
        columns,
        references=tuple(dict.fromkeys(refs)),
        spec={"dimensions": dimensions, "noun": noun, "allow_new": allow_new, "group_by": group_by},
        gx=gx,
    )


def checksum_rule(table: str) -> Rule | None:
    """For ``raw.<key>``: the warning that the file's sha256 differs from the catalogue's.

    Returns ``None`` when the table is not a catalogue source or no checksum is recorded.
    """
    schema, key = table.split(".")
    sources = sources_for_table(key) if schema == "raw" else []
    expected = [sha for s in sources for sha in s.checksums]
    if not expected:
        return None
    col = "t.source_sha256"
    return Rule(
        "source_checksum",
        "row",
        "warning",
        "the source file's sha256 is the one in the catalogue or one an analyst accepted (a "
        "new checksum means the publisher changed the file: compare it, then accept it with "
        "make accept-source)",
        ("source_sha256",),
        # The catalogue's checksums plus those accepted (quality.expected_source_checksums, kept
        # by the warehouse on every read-write connection: pipelines.quality.acceptance).
        f"{col} is not null and {col} not in ({_values_sql(expected)}) and {col} not in "
        f"(select source_sha256 from quality.expected_source_checksums "
        f"where source_key in ({_values_sql([s.key for s in sources])}))",
        sql_value("the source file's checksum is not the catalogue's"),
        sql_value("nid yw siec-swm y ffeil ffynhonnell yr un un â'r catalog"),
        gx=(
            "expect_column_values_to_be_in_set",
            {"column": "source_sha256", "value_set": expected},
        ),
    )


def table_rules(obj: dict) -> list[Rule]:
    """Every rule of one contract table: its properties, its table-level quality, its checksum.

    Args:
        obj: a contract ``schema`` object (``name``, ``physicalName``, ``properties``, ``quality``).

    Raises:
        ContractError: the contract is malformed.
    """
    table = obj.get("physicalName") or obj["name"]
    rules: list[Rule] = []
    for prop in obj.get("properties", []) or []:
        if not is_personal_data(prop):
            rules.extend(property_rules(prop, table))
    for i, item in enumerate(obj.get("quality", []) or []):
        if str(item.get("type") or "").lower() == "text":
            continue  # a rule stated in words only (documentation)
        rules.append(quality_rule(item, table, index=i))
    checksum = checksum_rule(table)
    if checksum is not None and any(
        p["name"] == "source_sha256" for p in obj.get("properties", [])
    ):
        rules.append(checksum)
    names = [r.name for r in rules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ContractError(f"{table}: rule names repeat: {duplicates}")
    return rules


def submission_key_rule(obj: dict) -> Rule | None:
    """Row mode: the table's ``primaryKey`` columns identify a row, so within one submission a
    key appears once; the first row (by row number) is kept and later ones fail. ``None`` when the
    contract names no primary key. (The same key across submissions is a correction, and
    uniqueness among current rows is the table's own ``sql`` rule.)"""
    keys = sorted(
        (p for p in obj.get("properties", []) or [] if p.get("primaryKey")),
        key=lambda p: p.get("primaryKeyPosition") or 0,
    )
    if not keys:
        return None
    columns = tuple(p["name"] for p in keys)
    shown = SQL(
        "concat_ws(' + ', " + ", ".join(f"t.{quote_ident(c)}::varchar" for c in columns) + ")"
    )
    named = " + ".join(columns)
    return Rule(
        "submission.unique_key",
        "unique",
        "error",
        f"{named} appears once in a submission",
        columns,
        reason_en=say(
            f"{named} '",
            shown,
            "' appears more than once in this file (first on row ",
            SQL("t._first_row"),
            f"): only the first row is loaded; give each row its own {columns[-1]}",
        ),
        reason_cy=say(
            f"mae {named} '",
            shown,
            "' yn ymddangos fwy nag unwaith yn y ffeil hon (y tro cyntaf ar res ",
            SQL("t._first_row"),
            f"): dim ond y rhes gyntaf a lwythir; rhowch {columns[-1]} ei hun i bob rhes",
        ),
        spec={"columns": list(columns), "scope": "submission"},
        row_mode=True,
    )


def row_mode_rules(obj: dict, columns: set[str]) -> list[Rule]:
    """The rules that apply to one submitted row: ``row`` rules whose columns are all in
    ``columns`` (the columns the row relation holds)."""
    return [
        r for r in table_rules(obj) if r.kind == "row" and r.row_mode and set(r.columns) <= columns
    ]


def expected_columns(obj: dict) -> list[str]:
    """The column names a contract table promises, in contract order (personal data excluded)."""
    return [p["name"] for p in obj.get("properties", []) or [] if not is_personal_data(p)]


def ignorable_columns(table: str) -> set[str]:
    """Columns a table may carry beyond its contract without a warning (raw lineage columns)."""
    return set(LINEAGE_COLUMNS) if table.startswith("raw.") else set()
