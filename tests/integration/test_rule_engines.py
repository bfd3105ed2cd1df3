"""Every rule of every contract, through every engine, on the same rows: one meaning.

For each contract table the session built on real data, two frames are checked:

* the table as built (every rule holds);
* the same table with one bad row added per row rule (a row that breaks exactly what the rule
  says: found by trying mutations of a real row until the rule's own predicate is true), a
  duplicated row (key rules), the rows of one reference value removed (coverage rules) and an
  outsized value (total rules).

The engines: the DuckDB table check (``validate_in_duckdb``, what ``contract_<table>`` runs),
Great Expectations executing the rule's expectation on pandas (``gx.execute_on_frame``, every
rule with a native expectation), and, for the partner contract, the partner quarantine (row
mode): each bad row, sent back as a partner would send it, must be rejected. Each rule must get
the same verdict from every engine on both frames, and every rule given a bad row must fail.
"""

from datetime import date

import duckdb
import pandas as pd
import pytest

from pipelines.contracts import all_contract_tables, contract_for
from pipelines.quality import gx
from pipelines.quality.rules import bind, table_rules
from pipelines.quality.validate import table_columns, validate_in_duckdb
from pipelines.sqltext import quote_ident

# Written only on the DuckLake back-end (the session's warehouse is the DuckDB file); every other
# contract table must be in it.
DUCKLAKE_ONLY = {"quality.published_snapshots"}
# Empty in a fresh build: written only when an analyst accepts a source version (its rows are
# exercised by tests/test_quality_gate.py), so there is no row here to break.
EMPTY_UNTIL_USED = {"quality.accepted_source_versions"}
TABLES = [t for t in all_contract_tables() if t not in DUCKLAKE_ONLY | EMPTY_UNTIL_USED]


def _candidates(value, column_type: str):
    text = column_type.upper()
    out = [None, "__x__", "W99" + "9" * 6]
    if any(k in text for k in ("INT", "DOUBLE", "DECIMAL", "FLOAT", "BIGINT")):
        out = [None, -(10**9), 10**12, -1]
    elif "DATE" in text and "TIMESTAMP" not in text:
        out = [None, date(1900, 1, 1), date(2999, 12, 31)]
    elif "BOOL" in text:
        out = [None]
    elif isinstance(value, str):
        out += ["x" * 6000, "-1", "999999999", value + ";__x__", "public;__x__"]
    return out


def _bad_row(con, source: str, types: dict, rule, relations) -> dict | None:
    """A copy of one real row mutated so that ``rule``'s predicate is true, or None."""
    row = con.execute(f"select * from {source} limit 1").df().iloc[0].to_dict()
    tries = [{c: v} for c in rule.columns for v in _candidates(row.get(c), types[c])]
    if len(rule.columns) == 2:
        a, b = rule.columns
        tries += [
            {a: x, b: y}
            for x in _candidates(row.get(a), types[a])
            for y in _candidates(row.get(b), types[b])
        ]
        # an allowed pair broken with values each allowed on its own
        for other in con.execute(
            f"select distinct {quote_ident(b)} from {source} where {quote_ident(b)} is not null"
        ).fetchall():
            tries.append({b: other[0]})
    # a real value of the column from a table the rule reads (e.g. a postcode of the postcode
    # lookup beside the row's LSOA), for rules that compare it with another column
    for c in rule.columns:
        for table in rule.references:
            try:
                found = con.execute(
                    f"select min({quote_ident(c)}), max({quote_ident(c)}) "
                    f"from {relations.get(table, table)}"
                ).fetchone()
            except duckdb.Error:
                continue
            tries += [{c: v} for v in found if v is not None]
    for change in tries:
        candidate = {**row, **change}
        frame = pd.DataFrame([candidate]).astype(object)  # noqa: F841 (read by DuckDB)
        casts = ", ".join(
            f"try_cast(frame.{quote_ident(c)} as {types[c]}) as {quote_ident(c)}" for c in types
        )
        try:
            hit = con.execute(
                f"select count(*) from (select {casts} from frame) t where {bind(rule.bad_row, relations)}"
            ).fetchone()[0]
        except duckdb.Error:
            continue
        if hit:
            return candidate
    return None


def _frames(con, table: str):
    """(good relation, bad relation, rules given a bad row) for one table."""
    types = dict(table_columns(con, table))
    select = ", ".join(
        f"octet_length({quote_ident(c)}) as {quote_ident(c)}"
        if t.upper().startswith("BLOB")
        else quote_ident(c)
        for c, t in types.items()
    )
    types = {c: ("BIGINT" if t.upper().startswith("BLOB") else t) for c, t in types.items()}
    con.execute(f"create or replace temp table good as select {select} from {table}")
    con.execute("create or replace temp table bad as select * from good")
    broken = []
    for rule in table_rules(contract_for(table)):
        if rule.kind == "row" and all(c in types for c in rule.columns):
            row = _bad_row(con, "good", types, rule, {})
            if row is None:
                continue
            frame = pd.DataFrame([row]).astype(object)  # noqa: F841
            casts = ", ".join(f"try_cast(frame.{quote_ident(c)} as {types[c]})" for c in types)
            con.execute(f"insert into bad select {casts} from frame")
            broken.append(rule.name)
        elif rule.kind == "unique" and all(c in types for c in rule.columns):
            con.execute("insert into bad select * from good limit 1")
            broken.append(rule.name)
        elif rule.kind == "coverage":
            column = quote_ident(rule.columns[0])
            # a value the copied row (the first) does not have: every bad row is a copy of it
            dim = rule.spec["dimensions"][0]
            if "table" in dim:
                expected = (
                    f"select {quote_ident(dim['values_column'])}::varchar from {dim['table']}"
                )
            elif "values" in dim:
                expected = "select unnest(?::varchar[])"
            else:
                expected = f"select {column}::varchar from good"
            gone = con.execute(
                f"select max({column}) from good where {column}::varchar in ({expected}) "
                f"and {column} is distinct from (select {column} from good limit 1)",
                [dim["values"]] if "values" in dim else [],
            ).fetchone()[0]
            if gone is not None:
                con.execute(f"delete from bad where {column} = ?", [gone])
                broken.append(rule.name)
        elif rule.kind == "sum" and rule.column in types and not rule.spec["cast"]:
            con.execute(
                f"insert into bad ({quote_ident(rule.column)}) values ({rule.spec['max'] * 10})"
            )
            broken.append(rule.name)
    return broken


def _value_sets(con, rules) -> dict[str, list]:
    out = {}
    for rule in rules:
        if rule.kind == "row" and rule.spec.get("value_set_from"):
            ref, column = rule.spec["value_set_from"].rsplit(".", 1)
        elif rule.kind == "coverage" and "table" in rule.spec["dimensions"][0]:
            ref, column = (
                rule.spec["dimensions"][0]["table"],
                rule.spec["dimensions"][0]["values_column"],
            )
        else:
            continue
        out[rule.name] = [
            r[0]
            for r in con.execute(
                f"select distinct {quote_ident(column)} from {ref} where {quote_ident(column)} is not null"
            ).fetchall()
        ]
    return out


@pytest.fixture(scope="module")
def copy(built_warehouse, tmp_path_factory):
    import shutil

    file = tmp_path_factory.mktemp("engines") / "warehouse.duckdb"
    shutil.copy(built_warehouse, file)
    return file


@pytest.mark.parametrize("table", TABLES)
def test_every_engine_gives_every_rule_the_same_verdict(copy, table):
    with duckdb.connect(str(copy)) as con:
        broken = _frames(con, table)
        rules = table_rules(contract_for(table))
        value_sets = _value_sets(con, rules)
        verdicts = {}
        for name in ("good", "bad"):
            duck = validate_in_duckdb(con, table, relation=name)
            duck_ok = {o.rule.name: o.success for o in duck.outcomes}
            frame = con.execute(f"select * from {name}").df()
            gx_ok = gx.execute_on_frame(table, frame, value_sets)
            for rule, ok in gx_ok.items():
                assert ok == duck_ok[rule], (
                    f"{table} {name}: {rule}: GX {ok}, DuckDB {duck_ok[rule]}"
                )
            verdicts[name] = duck_ok
        sql_rules = {r.name for r in rules if r.kind == "sql"}  # read the real tables by name
        assert all(ok for rule, ok in verdicts["good"].items() if rule not in sql_rules), table
        for rule in broken:
            assert not verdicts["bad"][rule], f"{table}: {rule} was given a bad row but passed"
        row_rules = [r for r in rules if r.kind == "row"]
        assert len([r for r in row_rules if r.name in broken]) >= 0.8 * len(row_rules), (
            f"{table}: bad rows found for too few rules: {sorted({r.name for r in row_rules} - set(broken))}"
        )


def test_partner_quarantine_and_the_table_check_agree_on_every_partner_rule(copy):
    """Row mode and table mode: for every rule a partner row is checked by, a real row broken so
    that the rule fails is sent back as text, the way a partner sends it. The partner pass must
    reject it, unless a stated normalisation rule turned it into a row the rule accepts (e.g. a
    missing la_code taken from the LSOA); then the rule, run as the table check runs it on the
    normalised row, must accept it too. The real rows are all accepted."""
    from pipelines.partnership_activity import contract as pc
    from pipelines.partnership_activity import ingest, normalise, reading
    from pipelines.partnership_activity.assets import load_reference
    from pipelines.quality.rules import row_mode_rules

    class Log:
        def info(self, message):
            pass

        warning = error = info

    table = "raw.partnership_activity"
    with duckdb.connect(str(copy)) as con:
        lookups = load_reference(con, Log())
        columns = pc.loaded_submitted_columns()
        types = dict(table_columns(con, table))
        text = ", ".join(f"{quote_ident(c)}::varchar as {quote_ident(c)}" for c in columns)

        def send(relation: str) -> str:
            con.execute(
                f"create or replace temp table sent as select row_number() over ()::bigint as "
                f"source_row_number, null::integer as _field_count, {reading.READ_FINE}, {text} "
                f"from {relation}"
            )
            return "sent"

        con.execute(f"create or replace temp table good as select * from {table} where is_current")
        ingest.prepare(con, send("good"), columns, lookups=lookups)
        problems = con.execute(
            f"select count(*) filter (where len(_problems) > 0), count(*) "
            f"from ({ingest.check_sql(send('good'), columns, lookups, False)})"
        ).fetchone()
        assert problems[0] == 0 and problems[1] > 4000
        rules = row_mode_rules(pc.table(), set(columns))
        rejected, repaired = [], []
        for rule in rules:
            row = _bad_row(con, "good", types, rule, lookups.relations)
            assert row is not None, f"no bad row found for {rule.name}"
            frame = pd.DataFrame([row]).astype(object)  # noqa: F841
            casts = ", ".join(
                f"try_cast(frame.{quote_ident(c)} as {types[c]}) as {quote_ident(c)}" for c in types
            )
            con.execute(f"create or replace temp table one as select {casts} from frame")
            source = send("one")
            ingest.prepare(con, source, columns, lookups=lookups)
            flagged = con.execute(
                f"select len(_problems) > 0 from ({ingest.check_sql(source, columns, lookups, False)})"
            ).fetchone()[0]
            if flagged:
                rejected.append(rule.name)
                continue
            normalised = normalise.normalised_sql(source, columns, pc.submitted_columns(), False)
            still_bad = con.execute(
                f"select count(*) from ({normalised}) t where {bind(rule.bad_row, lookups.relations)}"
            ).fetchone()[0]
            assert still_bad == 0, (
                f"{rule.name}: the table check rejects the row, the partner pass accepts it"
            )
            repaired.append(rule.name)
        assert len(rejected) >= 0.8 * len(rules), (rejected, repaired)
