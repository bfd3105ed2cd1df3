"""The partnership activity contract parses as ODCS v3, and it matches the tables and the rules."""

import duckdb
import yaml
from open_data_contract_standard.model import OpenDataContractStandard

from pipelines.contract_validation import contract_problems
from pipelines.contracts import CONTRACTS_DIR, apply_comments, column_descriptions, create_table_sql
from pipelines.partnership_activity import contract as pc
from pipelines.partnership_activity import ingest
from pipelines.quality.rules import is_personal_data

CONTRACT = CONTRACTS_DIR / "partnership_activity.yaml"


def test_contract_parses_with_open_data_contract_standard():
    contract = OpenDataContractStandard.from_file(str(CONTRACT))
    assert contract.kind == "DataContract" and contract.apiVersion.startswith("v3.0")
    assert (
        contract.description.purpose
        and contract.description.usage
        and contract.description.limitations
    )
    tables = {s.physicalName: s for s in contract.schema_}
    assert set(tables) == {"raw.partnership_activity", "quality.quarantine", "quality.submissions"}
    props = {p.name: p for p in tables["raw.partnership_activity"].properties}
    assert props["lsoa_code"].logicalTypeOptions["pattern"] == r"^W01\d{6}$"
    assert props["la_code"].logicalTypeOptions["pattern"] == r"^W06\d{6}$"
    assert props["funding_gbp"].logicalTypeOptions["maximum"] == 10_000_000
    # activity_id is unique only per partner among current rows (a table rule), not globally.
    assert props["activity_id"].required and not props["activity_id"].unique
    # the partner's identity is a normalised key; the spelling sent is kept
    assert props["partner_key"].primaryKey and props["activity_id"].primaryKey
    rules = {q.name for q in tables["raw.partnership_activity"].quality}
    assert "current_activity_unique_per_partner" in rules


def test_contract_validates_against_the_odcs_json_schema():
    # the official ODCS v3.0.2 schema, with the project's documented extensions
    _, problems = contract_problems(CONTRACT)
    assert problems == []


def test_contract_columns_match_the_warehouse_tables():
    doc = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    con = duckdb.connect()
    ingest.ensure_tables(con)
    for obj in doc["schema"]:
        table = obj["physicalName"]
        schema, name = table.split(".")
        actual = [
            r[0]
            for r in con.execute(
                "select column_name from duckdb_columns() where schema_name = ? and table_name = ? order by column_index",
                [schema, name],
            ).fetchall()
        ]
        expected = [p["name"] for p in obj["properties"] if not is_personal_data(p)]
        assert actual == expected, table
        assert apply_comments(con, table) == len(expected)
    assert "Unit: GBP" in column_descriptions("raw.partnership_activity")["funding_gbp"]


def test_allowed_values_come_from_the_contract():
    assert pc.allowed_values("action_category") == [
        "shared_purpose",
        "governance",
        "financial_mechanism",
    ]
    assert len(pc.allowed_values("activity_type")) == 15
    # every action category has its activity types (the contract's allowed pairs)
    pairs = pc.prop_custom("activity_type", "allowedPairs")["pairs"]
    assert {c for c, types in pairs.items() if types} == set(pc.allowed_values("action_category"))
    assert len(pc.allowed_values("wellbeing_goals")) == 7


def test_the_tables_ddl_comes_from_the_contract():
    ddl = create_table_sql("raw.partnership_activity")
    assert '"partner_key" varchar not null' in ddl and '"latitude" double,' in ddl
    assert "contact_email" not in ddl
    assert '"loaded_at" timestamp with time zone not null' in ddl


def test_an_older_table_gains_the_new_columns(tmp_path):
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(
        "create table raw.partnership_activity as select 'A1' as activity_id, "
        "'CARDIFF  Council' as partner_organisation, date '2024-04-01' as start_date"
    )
    ingest.ensure_tables(con)
    assert con.execute(
        "select partner_key, start_date_precision from raw.partnership_activity"
    ).fetchone() == ("cardiff council", "day")


def test_header_names_partners_use_come_from_the_contract():
    assert pc.canonical_column("Activity ID") == "activity_id"
    assert pc.canonical_column("LSOA") == "lsoa_code"
    assert pc.canonical_column("Funding (£)") == "funding_gbp"
    assert pc.canonical_column("Local authority") == "la_code"
    assert pc.REQUIRED_HEADER == (
        "activity_id",
        "partner_organisation",
        "action_category",
        "activity_type",
        "title",
        "start_date",
        "sectors",
        "wellbeing_goals",
    )


def test_which_values_are_redacted_is_read_from_the_contract(monkeypatch):
    """Free text (title, description) has personal details replaced before it is stored, and the
    venue postcode is shown in quarantine as sent, because the contract says so (``redaction``):
    mark another column and the loader's SQL follows."""
    from pipelines.partnership_activity.normalise import _sent_column

    assert pc.redaction_columns("free_text") == ("title", "description")
    assert pc.redaction_columns("as_sent") == ("postcode",)
    assert "pa_redact" in _sent_column("title", ["title"])
    assert "pa_redact" not in _sent_column("activity_id", ["activity_id"])
    props = {name: dict(prop) for name, prop in pc.properties().items()}
    props["activity_id"]["customProperties"] = [
        *props["activity_id"]["customProperties"],
        {"property": "redaction", "value": "free_text"},
    ]
    monkeypatch.setattr(pc, "properties", lambda: props)
    assert "activity_id" in pc.redaction_columns("free_text")
    assert "pa_redact" in _sent_column("activity_id", ["activity_id"])
