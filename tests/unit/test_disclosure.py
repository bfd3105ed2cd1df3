"""The one disclosure rule (pipelines/disclosure.py): primary and secondary suppression on small
frames, the rule as the contract states it, and applying it to a table in DuckDB."""

import duckdb
import numpy as np
import polars as pl
import pytest

from pipelines.disclosure import CountRule, apply_disclosure, rules_for, suppression_mask

RULE = CountRule("participant_count", 1, 4, (("area",),))


def test_counts_from_one_to_four_are_withheld_and_zeros_and_nulls_are_not():
    frame = pl.DataFrame({"participant_count": [0, 1, 4, 5, None, 120], "area": list("abcdef")})
    mask = suppression_mask(frame, CountRule("participant_count", 1, 4))
    assert mask.tolist() == [False, True, True, False, False, False]


def test_a_lone_withheld_cell_gets_a_complement_so_the_total_cannot_give_it_back():
    frame = pl.DataFrame(
        {"participant_count": [3, 40, 12, 0, 9, 30], "area": ["a", "a", "a", "a", "b", "b"]}
    )
    mask = suppression_mask(frame, RULE)
    # area a: 3 withheld, the smallest non-zero other (12) too; the zero is never withheld.
    assert mask.tolist() == [True, False, True, False, False, False]


def test_withheld_cells_in_a_group_must_add_up_to_more_than_the_threshold():
    frame = pl.DataFrame({"participant_count": [1, 2, 7, 50], "area": ["a"] * 4})
    # 1 and 2 are withheld but add up to 3, which a total would reveal: 7 is withheld too.
    assert suppression_mask(frame, RULE).tolist() == [True, True, True, False]


def test_secondary_suppression_runs_across_groups_until_nothing_changes():
    frame = pl.DataFrame(
        {
            "participant_count": [2, 10, 11, 30, 31],
            "area": ["a", "a", "b", "b", "b"],
            "decile": [1, 2, 2, 1, 1],
        }
    )
    rule = CountRule("participant_count", 1, 4, (("area",), ("decile",)))
    mask = suppression_mask(frame, rule)
    for column in ("area", "decile"):
        for _, rows in frame.with_columns(m=pl.Series(mask)).group_by(column):
            withheld = rows.filter(pl.col("m"))
            assert withheld.height == 0 or (
                withheld.height >= 2 and withheld["participant_count"].sum() > 4
            )


def test_the_contract_states_the_rule_on_every_participant_count():
    for table in (
        "marts.lsoa_profile",
        "marts.local_authority_profile",
        "marts.activity_by_wimd_decile",
        "marts.activity_by_la_year",
    ):
        (rule,) = rules_for(table)
        assert (rule.column, rule.suppress_from, rule.suppress_to) == ("participant_count", 1, 4)
    assert ("wimd_decile",) in rules_for("marts.lsoa_profile")[0].groups
    assert "counts from 1 to 4 are withheld" in rules_for("marts.lsoa_profile")[0].sentence()


def test_apply_disclosure_nulls_withheld_cells_adds_the_flag_and_states_the_rule():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        """
        create table marts.lsoa_profile as select * from (values
            ('W01000001', 'W06000001', 'W02000001', 1, 0),
            ('W01000002', 'W06000001', 'W02000001', 1, 3),
            ('W01000003', 'W06000001', 'W02000001', 1, 25),
            ('W01000004', 'W06000001', 'W02000001', 2, 40),
            ('W01000005', 'W06000001', 'W02000001', 2, 41)
        ) t(lsoa_code, la_code, msoa_code, wimd_decile, participant_count)
        """
    )
    con.execute("comment on column marts.lsoa_profile.participant_count is 'People.'")
    withheld = apply_disclosure(con, ["marts.lsoa_profile"])
    assert withheld["marts.lsoa_profile.participant_count"] == {
        "withheld": 2,
        "primary": 1,
        "secondary": 1,
    }
    rows = con.execute(
        "select lsoa_code, participant_count, is_participant_count_suppressed "
        "from marts.lsoa_profile order by lsoa_code"
    ).fetchall()
    assert rows == [
        ("W01000001", 0, False),
        ("W01000002", None, True),
        ("W01000003", None, True),  # decile 1's only other non-zero cell; then every group
        ("W01000004", 40, False),  # has two withheld cells adding up to more than 4
        ("W01000005", 41, False),
    ]
    comment = con.execute(
        "select comment from duckdb_columns() where column_name = 'participant_count'"
    ).fetchone()[0]
    assert comment.startswith("People. Disclosure control: counts from 1 to 4 are withheld")


def test_a_rule_naming_a_missing_group_column_is_refused():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.lsoa_profile as select 3 as participant_count")
    with pytest.raises(ValueError, match="wimd_decile"):
        apply_disclosure(con, ["marts.lsoa_profile"])


def test_no_count_column_means_nothing_to_do():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.lsoa_profile as select 1 as population")
    assert apply_disclosure(con, ["marts.lsoa_profile"]) == {}
    assert np.array(con.execute("select * from marts.lsoa_profile").fetchall()).shape == (1, 1)
