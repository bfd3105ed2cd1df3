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
    "boundaries",
    "community_activity",
    "geography",
    "indicators",
    "marts",
    "population",
    "wimd",
    "ons_local_statistics",
    "census2021_welsh_language",
    "nsw_adult_lifestyles",
    "air_quality",
    "public_services_boards",
    "national_indicators",
    "areas",
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
        # what must be true of the rows: every area / year present, or at least a row count
        assert any(
            q.get("rule") == "rowCount"
            or q.get("metric") == "rowCount"
            or (q.get("implementation") or {}).get("rule") == "coverage"
            or q.get("dimension") in COMPLETENESS
            for q in obj["quality"]
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
    assert rules["wimd_rank.pattern"].gx[1]["regex"] == r"^\d+$"
    between = rules["wimd_rank.range"]
    assert "try_cast(trim(" in between.bad_row and "1917.0" in between.bad_row
    assert rules["source_checksum"].severity == "warning"
    assert rules["every_local_authority_present"].references == ("raw.lsoa21_ward_la_lookup",)


def test_units_reach_column_comments():
    text = column_descriptions("marts.local_authority_profile")["funding_gbp"]
    assert "GBP" in text


@pytest.mark.parametrize(
    "prop, expected",
    [
        ({"name": "x", "required": True}, ["x.exists", "x.required"]),
        ({"name": "x", "unique": True}, ["x.exists", "x.unique"]),
        (
            {"name": "x", "customProperties": [{"property": "allowedValues", "value": ["a"]}]},
            ["x.exists", "x.allowed_values"],
        ),
        (
            {"name": "x", "logicalTypeOptions": {"pattern": "^a$", "minimum": 0, "maxLength": 3}},
            ["x.exists", "x.pattern", "x.length", "x.range"],
        ),
    ],
)
def test_property_rules(prop, expected):
    assert [r.name for r in property_rules(prop, "t.t")] == expected


def _bad_rows(rule, rows: list[dict]) -> int:
    import duckdb
    import polars as pl

    from pipelines.quality.rules import bind

    con = duckdb.connect()
    frame = pl.DataFrame(rows)  # noqa: F841 (read by DuckDB by name)
    con.execute("create table t as select * from frame")
    return con.execute(f"select count(*) from t where {bind(rule.bad_row)}").fetchone()[0]


def test_list_columns_dates_and_personal_data_compile_to_what_the_warehouse_holds():
    from datetime import date

    from pipelines.quality.rules import expected_columns, table_rules

    listed = property_rules(
        {
            "name": "sectors",
            "customProperties": [
                {"property": "allowedValues", "value": ["public", "third_sector"]},
                {"property": "listSeparator", "value": ";"},
            ],
        },
        "t.t",
    )[1]
    rows = [{"sectors": "public;third_sector"}, {"sectors": "public;private"}, {"sectors": None}]
    assert _bad_rows(listed, rows) == 1
    dated = property_rules(
        {
            "name": "start_date",
            "logicalType": "date",
            "logicalTypeOptions": {"minimum": "2000-01-01", "maximum": "2040-12-31"},
        },
        "t.t",
    )[1]
    assert (
        _bad_rows(dated, [{"start_date": date(1999, 12, 31)}, {"start_date": date(2024, 4, 1)}])
        == 1
    )
    obj = {
        "physicalName": "t.t",
        "properties": [
            {"name": "a", "required": True},
            {
                "name": "contact_email",
                "customProperties": [{"property": "personalData", "value": True}],
            },
        ],
    }
    assert expected_columns(obj) == ["a"]
    assert all(r.column != "contact_email" for r in table_rules(obj))


def test_allowed_pairs_listed_or_from_a_reference():
    import duckdb

    from pipelines.quality.rules import bind

    pair = property_rules(
        {
            "name": "activity_type",
            "customProperties": [
                {
                    "property": "allowedPairs",
                    "value": {
                        "with": "action_category",
                        "pairs": {
                            "governance": ["liaison_role"],
                            "shared_purpose": ["listening_exercise"],
                        },
                    },
                }
            ],
        },
        "t.t",
    )[1]
    assert (
        _bad_rows(
            pair,
            [
                {"activity_type": "liaison_role", "action_category": "governance"},
                {"activity_type": "liaison_role", "action_category": "shared_purpose"},
                {
                    "activity_type": "unknown",
                    "action_category": "governance",
                },  # the in-set rule's job
            ],
        )
        == 1
    )
    ref = property_rules(
        {
            "name": "lsoa_code",
            "customProperties": [
                {
                    "property": "allowedPairs",
                    "value": {"with": "la_code", "from": "r.lsoas", "columns": ["lsoa", "la"]},
                }
            ],
        },
        "t.t",
    )[1]
    con = duckdb.connect()
    con.execute("create schema r")
    con.execute("create table r.lsoas as select 'W01' as lsoa, 'W06' as la")
    con.execute(
        "create table t as select * from (values ('W01', 'W06'), ('W01', 'W07'), ('X', 'W07')) v(lsoa_code, la_code)"
    )
    assert con.execute(f"select count(*) from t where {bind(ref.bad_row)}").fetchone()[0] == 1


def test_property_severity_warning():
    rules = property_rules(
        {
            "name": "x",
            "required": True,
            "customProperties": [{"property": "severity", "value": "warning"}],
        },
        "t.t",
    )
    assert rules[0].severity == "error"  # a missing column is always an error
    assert rules[1].severity == "warning"


def test_no_contract_pins_a_row_count():
    """A publisher's revision must not stop a refresh: what must hold of a table's rows is stated
    as coverage (every LSOA, authority, year present) or as loose bounds, never as one number."""
    pinned = [
        (table, rule.name, rule.spec["min"])
        for table in all_contract_tables()
        for rule in table_rules(contract_for(table))
        if rule.kind == "row_count" and rule.spec["min"] == rule.spec["max"]
    ]
    assert pinned == []


def test_coverage_rules_compile_with_their_sets():
    from pipelines.quality.rules import quality_rule

    rule = quality_rule(
        {
            "name": "every_la",
            "type": "custom",
            "engine": "duckdb",
            "implementation": {
                "rule": "coverage",
                "column": "la_code",
                "valuesFrom": "staging.stg_geography__local_authorities.la_code",
                "labelsFrom": "staging.stg_geography__local_authorities.la_name_en",
                "noun": "local authorities",
            },
        },
        "t.t",
    )
    assert rule.kind == "coverage" and rule.references == (
        "staging.stg_geography__local_authorities",
    )
    assert rule.gx[0] == "expect_column_distinct_values_to_equal_set"


@pytest.mark.parametrize(
    "item",
    [
        {"type": "library", "rule": "noSuchRule"},
        {"type": "library", "rule": "rowCount"},
        {"type": "custom", "engine": "soda", "implementation": {}},
        {"type": "library", "rule": "rowCount", "mustBe": 1, "severity": "fatal"},
        {"type": "custom", "engine": "duckdb", "implementation": {}},
        {
            "type": "custom",
            "engine": "duckdb",
            "implementation": {"rule": "coverage", "column": "x"},
        },
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
