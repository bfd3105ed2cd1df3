"""Data contracts: every contract parses as ODCS, compiles into rules, and drift is described."""

import pytest
import yaml
from open_data_contract_standard.model import OpenDataContractStandard

from pipelines.contracts import (
    all_contract_tables,
    column_descriptions,
    contract_files,
    contract_for,
)
from pipelines.quality.drift import column_drift
from pipelines.quality.rules import ContractError, property_rules, quality_rule, table_rules

MY_CONTRACTS = [
    "boundaries", "community_activity", "geography", "indicators", "marts", "population", "wimd",
    "ons_local_statistics", "census2021_welsh_language", "nsw_adult_lifestyles", "air_quality",
    "public_services_boards", "national_indicators", "areas",
]
COMPLETENESS = ("completeness", "coverage")


@pytest.mark.parametrize("path", contract_files(), ids=lambda p: p.name)
def test_contract_parses_as_odcs(path):
    contract = OpenDataContractStandard.from_file(str(path))
    assert contract.kind == "DataContract"
    assert contract.apiVersion.startswith("v3")
    assert contract.schema_, "a contract describes at least one table"
    for obj in contract.schema_:
        assert obj.physicalName and "." in obj.physicalName
        assert obj.properties


@pytest.mark.parametrize("name", MY_CONTRACTS)
def test_dataset_contract_exists_with_descriptions(name):
    doc = yaml.safe_load((contract_files()[0].parent / f"{name}.yaml").read_text(encoding="utf-8"))
    assert doc["apiVersion"] == "v3.0.2" and doc["id"] and doc["version"]
    assert {"purpose", "usage", "limitations"} <= set(doc["description"])
    for obj in doc["schema"]:
        assert obj["description"], obj["physicalName"]
        # a row count, or a rule that says what must be present (every authority, every file, ...)
        assert any(
            q.get("rule") == "rowCount" or q.get("dimension") in COMPLETENESS for q in obj["quality"]
        ), obj["physicalName"]
        for prop in obj["properties"]:
            assert prop["description"] and prop["logicalType"], (obj["physicalName"], prop["name"])


@pytest.mark.parametrize("table", all_contract_tables())
def test_contract_table_compiles(table):
    rules = table_rules(contract_for(table))
    assert rules
    assert all(r.severity in ("error", "warning") for r in rules)


def test_raw_text_rank_is_cast_and_ranged():
    rules = {r.name: r for r in table_rules(contract_for("raw.wimd_2025_ranks"))}
    assert rules["wimd_rank.pattern"].kwargs["regex"] == r"^\d+$"
    between = rules["wimd_rank.range"]
    assert between.cast_to_number and between.kwargs["column"] == "wimd_rank__as_number"
    assert (between.kwargs["min_value"], between.kwargs["max_value"]) == (1, 1917)
    assert rules["source_checksum"].severity == "warning"
    assert rules["every_local_authority_present"].value_set_from == "raw.lsoa21_ward_la_lookup.lad24nm"


def test_units_reach_column_comments():
    text = column_descriptions("marts.local_authority_profile")["funding_gbp"]
    assert "GBP" in text


@pytest.mark.parametrize(
    "prop, expected",
    [
        ({"name": "x", "required": True}, ["expect_column_to_exist", "expect_column_values_to_not_be_null"]),
        ({"name": "x", "unique": True}, ["expect_column_to_exist", "expect_column_values_to_be_unique"]),
        ({"name": "x", "customProperties": [{"property": "allowedValues", "value": ["a"]}]},
         ["expect_column_to_exist", "expect_column_values_to_be_in_set"]),
        ({"name": "x", "logicalTypeOptions": {"pattern": "^a$", "minimum": 0}},
         ["expect_column_to_exist", "expect_column_values_to_match_regex",
          "expect_column_values_to_be_between"]),
    ],
)
def test_property_rules(prop, expected):
    assert [r.expectation for r in property_rules(prop, "t.t")] == expected


def test_list_columns_dates_and_personal_data_compile_to_what_the_warehouse_holds():
    import re

    import duckdb

    from pipelines.quality.rules import SQL_EXPECTATION, expected_columns, table_rules

    listed = property_rules(
        {"name": "sectors", "customProperties": [
            {"property": "allowedValues", "value": ["public", "third_sector"]},
            {"property": "listSeparator", "value": ";"},
        ]},
        "t.t",
    )[1]
    assert listed.expectation == "expect_column_values_to_match_regex"
    pattern = re.compile(listed.kwargs["regex"])
    assert pattern.match("public;third_sector") and not pattern.match("public;private")
    dated = property_rules(
        {"name": "start_date", "logicalType": "date",
         "logicalTypeOptions": {"minimum": "2000-01-01", "maximum": "2040-12-31"}},
        "t.t",
    )[1]
    assert dated.expectation == SQL_EXPECTATION and dated.kwargs["max_value"] == 0
    con = duckdb.connect()
    con.execute("create schema t")
    con.execute("create table t.t as select * from (values (date '1999-12-31'), (date '2024-04-01'))"
                " v(start_date)")
    assert con.execute(dated.kwargs["query"]).fetchone()[0] == 1
    obj = {"physicalName": "t.t", "properties": [
        {"name": "a", "required": True},
        {"name": "contact_email", "customProperties": [{"property": "personalData", "value": True}]},
    ]}
    assert expected_columns(obj) == ["a"]
    assert all(r.column != "contact_email" for r in table_rules(obj))


def test_property_severity_warning():
    rules = property_rules(
        {"name": "x", "required": True, "customProperties": [{"property": "severity", "value": "warning"}]},
        "t.t",
    )
    assert rules[0].severity == "error"  # a missing column is always an error
    assert rules[1].severity == "warning"


@pytest.mark.parametrize(
    "item",
    [
        {"type": "library", "rule": "noSuchRule"},
        {"type": "library", "rule": "rowCount"},
        {"type": "custom", "engine": "soda", "implementation": {}},
        {"type": "library", "rule": "rowCount", "mustBe": 1, "severity": "fatal"},
    ],
)
def test_bad_quality_items_are_refused(item):
    with pytest.raises(ContractError):
        quality_rule(item, "t.t")


def test_column_drift_suggests_renames():
    drift = column_drift(
        ["lsoa_code", "wimd_rank", "health_rank"],
        ["lsoa_code", "wimd_2026_rank", "health_rank", "source_sha256"],
        ignore={"source_sha256"},
    )
    assert drift.missing == ["wimd_rank"]
    assert drift.unexpected == ["wimd_2026_rank"]
    assert drift.suggestions["wimd_rank"] == ["wimd_2026_rank"]
    assert "column 'wimd_rank' is missing (renamed to 'wimd_2026_rank'?)" in drift.messages()
