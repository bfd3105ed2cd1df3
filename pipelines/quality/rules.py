"""Compile a data contract table into plain expectation rules (no Great Expectations import).

A contract table (one object of a contract's ``schema`` list, see ``pipelines.contracts``) yields
a list of ``Rule``: one Great Expectations expectation each, with the severity the contract gives
it. ``pipelines.quality.validate`` turns the rules into a GX ``ExpectationSuite``. Keeping this
step free of GX keeps it fast to unit-test and lets the Dagster code location load without
importing GX (it is imported only when a check runs).

What a contract can say, and the expectation each becomes:

| contract | expectation |
|---|---|
| every property | ``expect_column_to_exist`` (error: a renamed or missing source column) |
| ``required: true`` | ``expect_column_values_to_not_be_null`` |
| ``unique: true`` | ``expect_column_values_to_be_unique`` |
| ``logicalTypeOptions.pattern`` | ``expect_column_values_to_match_regex`` |
| ``logicalTypeOptions.minimum`` / ``maximum`` | ``expect_column_values_to_be_between`` (text cast to a number first when the column is text and the logical type is a number) |
| ``customProperties: allowedValues`` | ``expect_column_values_to_be_in_set``; with ``listSeparator`` (a column holding a list such as ``public;third_sector``), ``expect_column_values_to_match_regex`` of a list of allowed values |
| ``logicalType: date`` / ``timestamp`` with ``minimum`` / ``maximum`` | a ``type: sql`` rule counting values outside the range (must be 0; pandas dates do not compare with the contract's ISO strings) |
| ``customProperties: personalData: true`` | nothing: a personal-data column is never loaded into a table (the contract lists it because partners may submit it) |
| table ``quality``: ``rule: rowCount`` + ``mustBe`` / ``mustBeBetween`` | ``expect_table_row_count_to_be_between`` |
| table ``quality``: ``rule: duplicateValues``, ``arguments.properties`` | ``expect_compound_columns_to_be_unique`` |
| ``quality``: ``type: sql``, ``query`` + ``mustBe`` / ``mustBeBetween`` | DuckDB runs the query (one number), checked against the bounds |
| ``quality``: ``type: text`` | nothing (stated in words only) |
| ``quality``: ``type: custom``, ``engine: great-expectations`` | the named ``implementation.expectation`` with the other keys as arguments; ``valueSetFrom: schema.table.column`` is read from DuckDB into ``value_set`` |

Severity: ``severity: error | warning`` on a quality item, or ``customProperties: severity`` on a
property (applies to all of that property's rules). Default ``error``. Errors block the marts;
warnings are reported only.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from pipelines.catalogue import load_catalogue
from pipelines.warehouse import LINEAGE_COLUMNS

SEVERITIES = ("error", "warning")
NUMERIC_LOGICAL_TYPES = ("integer", "number")
DATE_LOGICAL_TYPES = ("date", "timestamp")
TEXT_PHYSICAL_TYPES = ("varchar", "text", "string")
NUMBER_SUFFIX = "__as_number"
SQL_EXPECTATION = "sql_query_result_between"
"""Pseudo-expectation of ``type: sql`` quality items: DuckDB runs the query (one number) and the
result must lie in ``[min_value, max_value]``. Evaluated outside GX (GX's SQL datasource does not
run on DuckDB); recorded in ``quality.check_results`` like any expectation."""


class ContractError(ValueError):
    """A contract is malformed (unknown severity, rule or expectation)."""


@dataclass
class Rule:
    """One expectation compiled from a contract.

    Attributes:
        name: stable rule name, e.g. ``wimd_rank.between`` or ``row_count``.
        expectation: Great Expectations expectation type (snake case), e.g.
            ``expect_column_values_to_be_between``.
        kwargs: the expectation's arguments (``column``, ``min_value``, ...).
        severity: ``error`` (blocks) or ``warning``.
        column: the contract column the rule is about (``None`` for table rules).
        description: plain-English statement of the rule (shown in failures).
        value_set_from: ``schema.table.column`` whose distinct values become ``value_set`` at run
            time (``None`` when the rule carries its values).
        cast_to_number: validate ``column`` cast from text to a number (raw tables keep text).
    """

    name: str
    expectation: str
    kwargs: dict[str, Any]
    severity: str = "error"
    column: str | None = None
    description: str = ""
    value_set_from: str | None = None
    cast_to_number: bool = False
    meta: dict[str, Any] = field(default_factory=dict)


def _custom(obj: dict, name: str, default: Any = None) -> Any:
    for item in obj.get("customProperties", []) or []:
        if item.get("property") == name:
            return item.get("value")
    return default


def _severity(value: Any, where: str) -> str:
    severity = str(value or "error").lower()
    if severity == "warn":
        severity = "warning"
    if severity not in SEVERITIES:
        raise ContractError(f"{where}: severity must be one of {SEVERITIES}, got {value!r}")
    return severity


def _is_text(prop: dict) -> bool:
    return str(prop.get("physicalType") or "").lower().startswith(TEXT_PHYSICAL_TYPES)


def property_rules(prop: dict, table: str) -> list[Rule]:
    """The rules of one contract property (column).

    Args:
        prop: the ODCS property mapping (``name``, ``logicalType``, ``physicalType``, ...).
        table: ``schema.table`` (for error messages).

    Returns:
        Rules in a stable order: exists, not null, unique, pattern, range, allowed values, then
        the property's own ``quality`` items.
    """
    column = prop["name"]
    where = f"{table}.{column}"
    severity = _severity(_custom(prop, "severity"), where)
    options = prop.get("logicalTypeOptions") or {}
    label = f"'{column}'"
    rules = [
        Rule(
            f"{column}.exists",
            "expect_column_to_exist",
            {"column": column},
            "error",
            column,
            f"column {label} is present",
        )
    ]
    if prop.get("required"):
        rules.append(
            Rule(f"{column}.required", "expect_column_values_to_not_be_null", {"column": column},
                 severity, column, f"{label} has a value on every row")
        )
    if prop.get("unique"):
        rules.append(
            Rule(f"{column}.unique", "expect_column_values_to_be_unique", {"column": column},
                 severity, column, f"{label} is unique")
        )
    if options.get("pattern"):
        rules.append(
            Rule(f"{column}.pattern", "expect_column_values_to_match_regex",
                 {"column": column, "regex": options["pattern"]}, severity, column,
                 f"{label} matches {options['pattern']}")
        )
    low, high = options.get("minimum"), options.get("maximum")
    logical = str(prop.get("logicalType") or "").lower()
    if (low is not None or high is not None) and logical in DATE_LOGICAL_TYPES:
        outside = " or ".join(
            f""""{column}" {op} {logical} '{bound}'"""
            for op, bound in (("<", low), (">", high))
            if bound is not None
        )
        rules.append(
            Rule(f"{column}.range", SQL_EXPECTATION,
                 {"query": f"select count(*) from {table} where {outside}",
                  "min_value": 0, "max_value": 0},
                 severity, column, f"{label} is between {low} and {high}")
        )
    elif low is not None or high is not None:
        cast = _is_text(prop) and str(prop.get("logicalType")).lower() in NUMERIC_LOGICAL_TYPES
        rules.append(
            Rule(f"{column}.range", "expect_column_values_to_be_between",
                 {"column": column + NUMBER_SUFFIX if cast else column,
                  "min_value": low, "max_value": high},
                 severity, column,
                 f"{label}{' (as a number)' if cast else ''} is between {low} and {high}",
                 cast_to_number=cast)
        )
    allowed = _custom(prop, "allowedValues")
    separator = _custom(prop, "listSeparator")
    if allowed and separator:
        item = "(" + "|".join(re.escape(str(a)) for a in allowed) + ")"
        rules.append(
            Rule(f"{column}.allowed_values", "expect_column_values_to_match_regex",
                 {"column": column, "regex": f"^{item}({re.escape(separator)}{item})*$"},
                 severity, column,
                 f"{label} is a '{separator}'-separated list of "
                 f"{', '.join(map(str, allowed[:8]))}" + (" ..." if len(allowed) > 8 else ""))
        )
    elif allowed:
        rules.append(
            Rule(f"{column}.allowed_values", "expect_column_values_to_be_in_set",
                 {"column": column, "value_set": list(allowed)}, severity, column,
                 f"{label} is one of {', '.join(map(str, allowed[:8]))}"
                 + (" ..." if len(allowed) > 8 else ""))
        )
    for i, item in enumerate(prop.get("quality", []) or []):
        if str(item.get("type") or "").lower() == "text":
            continue
        rules.append(quality_rule(item, table, default_column=column, index=i))
    return rules


def quality_rule(item: dict, table: str, default_column: str | None = None, index: int = 0) -> Rule:
    """Compile one ODCS ``quality`` item (table- or property-level) into a rule.

    Raises:
        ContractError: the item uses a library rule or expectation this compiler does not know.
    """
    name = item.get("name") or f"quality_{index}"
    where = f"{table} quality '{name}'"
    severity = _severity(item.get("severity"), where)
    description = (item.get("description") or "").strip()
    kind = (item.get("type") or "library").lower()
    if kind == "library":
        metric = item.get("rule") or item.get("metric")
        if metric == "rowCount":
            low, high = _bounds(item, where)
            return Rule(name, "expect_table_row_count_to_be_between",
                        {"min_value": low, "max_value": high}, severity, None,
                        description or f"row count is between {low} and {high}")
        if metric in ("duplicateValues", "duplicateCount"):
            columns = list((item.get("arguments") or {}).get("properties") or [default_column])
            if len(columns) == 1:
                return Rule(name, "expect_column_values_to_be_unique", {"column": columns[0]},
                            severity, columns[0], description or f"one row per {columns[0]}")
            return Rule(name, "expect_compound_columns_to_be_unique", {"column_list": columns},
                        severity, None, description or f"one row per {' + '.join(columns)}")
        if metric == "nullValues":
            column = (item.get("arguments") or {}).get("column") or default_column
            return Rule(name, "expect_column_values_to_not_be_null", {"column": column},
                        severity, column, description or f"'{column}' has no nulls")
        raise ContractError(f"{where}: unknown library rule {metric!r}")
    if kind == "sql":
        low, high = _bounds(item, where)
        if not item.get("query"):
            raise ContractError(f"{where}: a sql rule needs a query")
        return Rule(name, SQL_EXPECTATION, {"query": item["query"], "min_value": low,
                                            "max_value": high},
                    severity, default_column, description or f"query result between {low} and {high}")
    if kind == "custom":
        engine = str(item.get("engine") or "").lower().replace("_", "-")
        if engine not in ("great-expectations", "greatexpectations", "gx"):
            raise ContractError(f"{where}: custom rules need engine great-expectations")
        impl = dict(item.get("implementation") or {})
        expectation = impl.pop("expectation", None)
        if not expectation or not re.fullmatch(r"expect_[a-z0-9_]+", expectation):
            raise ContractError(f"{where}: implementation.expectation must name a GX expectation")
        value_set_from = impl.pop("valueSetFrom", None)
        cast = bool(impl.pop("castToNumber", False))
        if default_column and "column" not in impl and "column_list" not in impl:
            impl["column"] = default_column
        column = impl.get("column")
        if cast and column:
            impl["column"] = column + NUMBER_SUFFIX
        return Rule(name, expectation, impl, severity, column, description or expectation,
                    value_set_from=value_set_from, cast_to_number=cast)
    raise ContractError(f"{where}: quality type must be library or custom, got {kind!r}")


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


def checksum_rule(table: str) -> Rule | None:
    """For ``raw.<key>``: the warning that the file's sha256 differs from the catalogue's.

    Returns ``None`` when the table is not a catalogue source or no checksum is recorded.
    """
    schema, key = table.split(".")
    source = load_catalogue().get(key)
    if schema != "raw" or source is None:
        return None
    expected = [sha for sha in [source.sha256, *(a.sha256 for a in source.alternates)] if sha]
    if not expected:
        return None
    return Rule(
        "source_checksum",
        "expect_column_values_to_be_in_set",
        {"column": "source_sha256", "value_set": expected},
        "warning",
        "source_sha256",
        "the source file's sha256 is the one in the catalogue or one an analyst accepted (a "
        "new checksum means the publisher changed the file: compare it, then accept it with "
        "make accept-source)",
        # safe-ops (issue 10): the expected set is read at check time from the warehouse view of
        # the catalogue's checksums plus those an analyst accepted (make accept-source);
        # see pipelines.quality.acceptance.
        value_set_from="quality.expected_source_checksums.source_sha256",
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
    if checksum is not None and any(p["name"] == "source_sha256" for p in obj.get("properties", [])):
        rules.append(checksum)
    names = [r.name for r in rules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ContractError(f"{table}: rule names repeat: {duplicates}")
    return rules


def is_personal_data(prop: dict) -> bool:
    """True for a property marked ``personalData: true``: never a column of any table."""
    return bool(_custom(prop, "personalData", False))


def expected_columns(obj: dict) -> list[str]:
    """The column names a contract table promises, in contract order (personal data excluded)."""
    return [p["name"] for p in obj.get("properties", []) or [] if not is_personal_data(p)]


def ignorable_columns(table: str) -> set[str]:
    """Columns a table may carry beyond its contract without a warning (raw lineage columns)."""
    return set(LINEAGE_COLUMNS) if table.startswith("raw.") else set()
