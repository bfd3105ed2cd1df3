"""Every data contract is checked when it is loaded: YAML syntax, the ODCS schema, our keys.

A typo in a contract used to drop a rule silently (``requird: true`` is not ``required: true``;
``logicalType: strnig`` is no type). So each ``data_contracts/*.yaml`` is

1. parsed; a YAML syntax error becomes one line naming the file, line and column;
2. validated with ``jsonschema`` against the official JSON schema of the Open Data Contract
   Standard version our contracts declare (``apiVersion: v3.0.2``): the ``schema.json`` shipped in
   the ``open-data-contract-standard`` package, pinned to its 3.0 releases (Apache-2.0, Bitol /
   LF AI & Data; read from the installed package, never from the network);
3. checked for ``customProperties`` names the pipeline does not read
   (``pipelines.quality.rules.CUSTOM_PROPERTIES``).

Every problem is one line: file, line, the key or value, and the nearest valid spelling
(``difflib``), e.g. ``data_contracts/community_activity.yaml line 34: unknown key 'requird' in
schema[0].properties[2] (lsoa_code); did you mean required?``.

Where our contracts go beyond ODCS v3.0.2 on purpose, the schema is extended here, each in one
place (``_project_schema``) and each kept only while a contract uses it
(tests/unit/test_contract_validation.py):

* ``logicalType: timestamp`` (added to the standard in v3.1.0; loaded_at and similar columns);
* ``logicalTypeOptions.pattern`` on ``number`` / ``integer`` columns that a publisher sends as
  text (``physicalType: varchar``): the pattern says what text counts as a number;
* library quality items naming their check ``metric:`` (the v3.1.0 spelling of ``rule:``), with
  ``arguments``.
"""

import copy
import difflib
import json
import re
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import jsonschema
import yaml

from pipelines.settings import PROJECT_ROOT

# libyaml when installed (three times faster: the contracts are loaded by every entry point)
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ContractFileError(ValueError):
    """A data contract file cannot be used: one line per problem, each naming file and line."""


@lru_cache(maxsize=1)
def odcs_schema() -> dict:
    """The official ODCS JSON schema shipped with the installed ``open-data-contract-standard``."""
    return json.loads(files("open_data_contract_standard").joinpath("schema.json").read_text())


def _extend_logical_type_options(base: dict, logical_types: set[str], extra: dict) -> None:
    for branch in base["allOf"]:
        condition = branch.get("if", {})
        consts = {
            alt.get("properties", {}).get("logicalType", {}).get("const")
            for alt in [condition, *condition.get("anyOf", [])]
        }
        if consts & logical_types:
            branch["then"]["properties"]["logicalTypeOptions"]["properties"].update(extra)


@lru_cache(maxsize=1)
def _project_schema() -> dict:
    """ODCS v3.0.2 with the project's documented extensions (module docstring)."""
    schema = copy.deepcopy(odcs_schema())
    defs = schema["$defs"]
    base = defs["SchemaBaseProperty"]
    base["properties"]["logicalType"]["enum"].append("timestamp")
    _extend_logical_type_options(
        base,
        {"number", "integer"},
        {"pattern": {"type": "string", "description": "text a number may be sent as"}},
    )
    library = defs["DataQualityLibrary"]
    library["properties"]["metric"] = {"type": "string"}
    library["properties"]["arguments"] = {"type": "object"}
    library.pop("required", None)
    library["anyOf"] = [{"required": ["rule"]}, {"required": ["metric"]}]
    return schema


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[set[str], set[str]]:
    """Every key the schema names anywhere, and every enum value: the 'did you mean' lists."""
    keys: set[str] = set()
    values: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            keys.update((node.get("properties") or {}).keys())
            values.update(v for v in node.get("enum") or [] if isinstance(v, str))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(_project_schema())
    return keys, values


def _relative(file: Path) -> str:
    try:
        return str(file.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(file)


def _suggest(word: str, choices) -> str:
    match = difflib.get_close_matches(str(word), sorted(choices), n=1, cutoff=0.6)
    return f"; did you mean {match[0]}?" if match else ""


def _split_hint(key: str) -> str:
    """A 'key' with spaces or a full stop is the tail of a value cut at a comma in a ``{...}``."""
    if " " in key or key.endswith((".", ")")):
        return (
            "; a comma in an unquoted value inside {...} splits it there: put the value in quotes"
        )
    return ""


def _node_at(root: yaml.Node, path) -> yaml.Node:
    node = root
    for step in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == step), node)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            node = node.value[step] if step < len(node.value) else node
    return node


def _key_node(node: yaml.Node, key: str) -> yaml.Node:
    if isinstance(node, yaml.MappingNode):
        return next((k for k, _ in node.value if k.value == key), node)
    return node


def _where(doc: dict, path) -> str:
    """``schema[0].properties[2] (lsoa_code)``: the object path, with the object's name."""
    text, obj = "", doc
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
        obj = obj[step] if isinstance(obj, (dict, list)) else obj
    name = obj.get("name") if isinstance(obj, dict) else None
    return (text or "the contract") + (f" ({name})" if name else "")


UNEXPECTED = re.compile(r"\((.*) (?:was|were) unexpected\)")


def _schema_problems(doc, root: yaml.Node, where: str) -> list[tuple[int, str]]:
    keys, values = _vocabulary()
    validator = jsonschema.Draft201909Validator(_project_schema())
    out = []
    for error in validator.iter_errors(doc):
        path = list(error.absolute_path)
        node = _node_at(root, path)
        if error.validator in ("additionalProperties", "unevaluatedProperties"):
            found = UNEXPECTED.search(error.message)
            unknown = re.findall(r"'([^']*)'", found.group(1)) if found else []
            for key in unknown or ["?"]:
                line = _key_node(node, key).start_mark.line + 1
                out.append(
                    (
                        line,
                        f"{where} line {line}: unknown key {key!r} in {_where(doc, path)}"
                        + (_suggest(key, keys) or _split_hint(key)),
                    )
                )
        elif error.validator == "enum":
            line = node.start_mark.line + 1
            allowed = [v for v in error.validator_value if isinstance(v, str)]
            out.append(
                (
                    line,
                    f"{where} line {line}: {path[-1] if path else 'value'}: {error.instance!r} is "
                    f"not one of {', '.join(allowed)}"
                    + _suggest(error.instance, allowed or values),
                )
            )
        else:
            line = node.start_mark.line + 1
            out.append((line, f"{where} line {line}: {_where(doc, path)}: {error.message}"))
    return out


def _custom_problems(doc, root: yaml.Node, where: str) -> list[tuple[int, str]]:
    from pipelines.quality.rules import CUSTOM_PROPERTIES, CUSTOM_PROPERTY_VALUES, custom

    out = []

    def problem(path, key, message) -> None:
        """One problem at ``path``'s ``key`` (``property`` or ``value``), with its line."""
        if root is None:  # only asked whether there is a problem
            out.append((0, ""))
            return
        line = _node_at(root, [*path, key]).start_mark.line + 1
        out.append((line, f"{where} line {line}: {message}"))

    def check(obj, path, level):
        for i, item in enumerate(obj.get("customProperties") or []):
            name = item.get("property") if isinstance(item, dict) else None
            known = CUSTOM_PROPERTIES[level]
            allowed = CUSTOM_PROPERTY_VALUES.get(name)
            at = [*path, "customProperties", i]
            if name not in known:
                problem(
                    at,
                    "property",
                    f"customProperties {name!r} of {_where(doc, path)} is not one the pipeline "
                    f"reads at this level ({', '.join(sorted(known))})" + _suggest(name, known),
                )
            elif allowed and item.get("value") not in allowed:
                problem(
                    at,
                    "value",
                    f"customProperties {name!r} of {_where(doc, path)} is "
                    f"{item.get('value')!r}; expected one of {', '.join(allowed)}",
                )
            elif name == "valueLabels":  # one English and one Welsh name for each allowed code
                codes = custom(obj, "allowedValues") or []
                labels = item.get("value") if isinstance(item.get("value"), dict) else {}
                if list(labels) != list(codes) or any(
                    not isinstance(v, dict) or sorted(v) != ["cy", "en"] for v in labels.values()
                ):
                    problem(
                        at,
                        "value",
                        f"customProperties 'valueLabels' of {_where(doc, path)} must give "
                        f"{{en: ..., cy: ...}} for each allowedValues code, in their order "
                        f"({', '.join(map(str, codes))})",
                    )

    if isinstance(doc, dict):
        check(doc, [], "contract")
        for i, table in enumerate(doc.get("schema") or []):
            if isinstance(table, dict):
                check(table, ["schema", i], "table")
                for j, prop in enumerate(table.get("properties") or []):
                    if isinstance(prop, dict):
                        check(prop, ["schema", i, "properties", j], "property")
    return out


def contract_problems(file: Path, text: str | None = None) -> tuple[dict | None, list[str]]:
    """The parsed contract (``None`` when it is not YAML) and one line per problem."""
    file = Path(file)
    where = _relative(file)
    text = file.read_text(encoding="utf-8") if text is None else text
    try:
        doc = yaml.load(text, Loader=FAST_LOADER)
    except yaml.YAMLError:
        try:  # the pure-Python loader words the error, with its marks
            yaml.safe_load(text)
            raise
        except yaml.MarkedYAMLError as exc:
            return None, [_yaml_error(where, exc)]
    if not isinstance(doc, dict):
        return doc, [f"{where}: empty, or not a YAML mapping of contract keys"]
    validator = jsonschema.Draft201909Validator(_project_schema())
    if validator.is_valid(doc) and not _custom_problems(doc, None, where):
        return doc, []
    root = yaml.compose(text, Loader=FAST_LOADER)  # the lines, only when there is a problem
    problems = _schema_problems(doc, root, where) + _custom_problems(doc, root, where)
    return doc, [line for _, line in sorted(problems)]


def _yaml_error(where: str, exc: yaml.MarkedYAMLError) -> str:
    # Where the broken construct starts (an unclosed quote), then where YAML gave up.
    start, end = exc.context_mark, exc.problem_mark
    mark = start or end
    position = f" line {mark.line + 1} column {mark.column + 1}" if mark else ""
    what = exc.problem or ""
    if start and end and (start.line, start.column) != (end.line, end.column):
        what = f"{exc.context}, {what} at line {end.line + 1} column {end.column + 1}"
    elif exc.context:
        what = f"{exc.context}, {what}"
    return f"{where}{position}: not valid YAML ({what}); fix it and run again"
