"""The drift messages name exactly what a source lost (pure functions, no warehouse)."""

from pipelines.quality.drift import missing_values_note


def test_missing_area_is_named_with_its_rows():
    expected = {"Bridgend": 88, "Cardiff": 218, "Conwy": 71}
    note = missing_values_note(expected, ["Bridgend", "Conwy"], "raw.lsoa21_ward_la_lookup")
    assert note == "missing 1 of 3: Cardiff (218 rows of raw.lsoa21_ward_la_lookup)"


def test_one_row_values_are_listed_then_counted():
    expected = [f"W0100{i:04d}" for i in range(15)]
    note = missing_values_note(expected, expected[:3], "raw.lsoa21_ward_la_lookup", limit=2)
    assert note == "missing 12 of 15: W01000003, W01000004 ... and 10 more"


def test_values_compare_as_text():
    assert missing_values_note([2024, 2025], ["2024"]) == "missing 1 of 2: 2025"
