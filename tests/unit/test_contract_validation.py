"""Every contract is checked when loaded: YAML syntax, the official ODCS v3.0.2 JSON schema (with
the project's three documented extensions) and our customProperties names. The tester's typos
in data_contracts/community_activity.yaml were accepted and dropped a rule; now each is one line
naming file, line, key and the nearest valid spelling."""

from pathlib import Path

import jsonschema
import pytest
import yaml

from pipelines import contracts
from pipelines.contract_validation import (
    ContractFileError,
    contract_problems,
    odcs_schema,
)
from pipelines.contracts import CONTRACTS_DIR, contract_files

COMMUNITY = CONTRACTS_DIR / "community_activity.yaml"


def _edited(line_no: int, old: str, new: str) -> str:
    lines = COMMUNITY.read_text(encoding="utf-8").split("\n")
    assert old in lines[line_no - 1], lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    return "\n".join(lines)


@pytest.mark.parametrize("file", contract_files(), ids=lambda f: f.name)
def test_every_contract_is_valid(file):
    doc, problems = contract_problems(file)
    assert problems == [] and doc["apiVersion"] == "v3.0.2"


def test_the_schema_is_the_official_one_of_the_declared_version():
    schema = odcs_schema()
    assert schema["title"] == "Open Data Contract Standard (ODCS)"
    assert schema["properties"]["apiVersion"]["default"] == "v3.0.2"


def test_a_misspelt_key_and_value_are_named_with_their_line():
    text = _edited(34, "required: true", "requird: true")
    text = "\n".join(
        line.replace("logicalType: string", "logicalType: strnig") if i == 36 else line
        for i, line in enumerate(text.split("\n"))
    )
    _, problems = contract_problems(COMMUNITY, text)
    assert problems == [
        (
            "data_contracts/community_activity.yaml line 34: unknown key 'requird' in "
            "schema[0].properties[0] (source_row_number); did you mean required?"
        ),
        (
            "data_contracts/community_activity.yaml line 37: logicalType: 'strnig' is not one of "
            "string, date, number, integer, object, array, boolean, timestamp; did you mean string?"
        ),
    ]


def test_a_yaml_syntax_error_is_one_line_with_file_line_and_column():
    _, problems = contract_problems(
        COMMUNITY, _edited(37, "logicalType: string", 'logicalType: "string')
    )
    assert len(problems) == 1
    assert problems[0].startswith(
        "data_contracts/community_activity.yaml line 37 column 18: not valid YAML (while scanning "
        "a double-quoted scalar"
    )
    assert "<unicode string>" not in problems[0]


def test_an_unknown_custom_property_is_refused():
    text = _edited(
        37,
        "logicalType: string",
        "logicalType: string\n    customProperties:\n    - {property: unti, value: people}",
    )
    _, problems = contract_problems(COMMUNITY, text)
    assert len(problems) == 1 and "line 39: customProperties 'unti'" in problems[0]
    assert problems[0].endswith("did you mean unit?")


def test_a_redaction_value_outside_its_list_is_refused():
    """A misspelt ``redaction`` value would silently stop a column's redaction."""
    partner = CONTRACTS_DIR / "partnership_activity.yaml"
    text = partner.read_text(encoding="utf-8").replace(
        "{property: redaction, value: as_sent}", "{property: redaction, value: as-sent}", 1
    )
    _, problems = contract_problems(partner, text)
    assert len(problems) == 1
    assert "customProperties 'redaction' of" in problems[0] and "(postcode)" in problems[0]
    assert problems[0].endswith("is 'as-sent'; expected one of free_text, as_sent")


def test_value_labels_must_name_every_code_in_both_languages():
    """A code without its English and Welsh name would show as a bare code on the dashboard and
    not be accepted by its label in a partner's file."""
    partner = CONTRACTS_DIR / "partnership_activity.yaml"
    text = partner.read_text(encoding="utf-8").replace(
        "governance: {en: Governance, cy: Llywodraethu}", "governance: {en: Governance}", 1
    )
    _, problems = contract_problems(partner, text)
    assert len(problems) == 1
    assert "customProperties 'valueLabels' of" in problems[0] and "(action_category)" in problems[0]
    assert problems[0].endswith("(shared_purpose, governance, financial_mechanism)")


def test_a_description_cut_at_a_comma_is_found():
    """As in five contracts before this check: an unquoted {...} value with a comma."""
    text = COMMUNITY.read_text(encoding="utf-8").replace(
        "  - name: location\n",
        "  - {name: extra, logicalType: string, description: A note, in words.}\n  - name: location\n",
        1,
    )
    _, problems = contract_problems(COMMUNITY, text)
    assert len(problems) == 1 and "unknown key 'in words.'" in problems[0]
    assert "put the value in quotes" in problems[0]


def test_loading_the_contracts_refuses_a_broken_one(tmp_path, monkeypatch):
    broken = tmp_path / "community_activity.yaml"
    broken.write_text(_edited(34, "required: true", "requird: true"), encoding="utf-8")
    monkeypatch.setattr(contracts, "contract_files", lambda: [broken])
    contracts._tables.cache_clear()
    try:
        with pytest.raises(ContractFileError, match="line 34: unknown key 'requird'"):
            contracts.contract_for("raw.community_support_groups")
    finally:
        monkeypatch.undo()
        contracts._tables.cache_clear()
    assert contracts.contract_for("raw.community_support_groups") is not None


def test_each_project_extension_of_the_standard_is_still_used():
    """Against the plain official schema, the contracts break it in exactly the three documented
    ways (timestamp, pattern on numbers sent as text, metric-style library rules): an extension no
    contract needs any more, or a new kind of deviation, fails here."""
    validator = jsonschema.Draft201909Validator(odcs_schema())
    kinds = set()
    for file in contract_files():
        for error in validator.iter_errors(yaml.safe_load(file.read_text(encoding="utf-8"))):
            if error.validator == "enum" and error.instance == "timestamp":
                kinds.add("timestamp")
            elif "'pattern' was unexpected" in error.message:
                kinds.add("pattern")
            elif error.message == "'rule' is a required property":
                kinds.add("metric")
            else:
                kinds.add(f"{Path(file).name}: {error.message}")
    assert kinds == {"timestamp", "pattern", "metric"}
