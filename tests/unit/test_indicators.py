"""Indicator parsers on literal rows (the real files: tests/integration/test_indicators.py)."""

import pytest

from pipelines.indicators import parsers


def test_ons_parser_reports_a_sheet_without_header():
    with pytest.raises(ValueError, match="area code"):
        parsers.parse_ons_indicator_rows(
            [["Indicator:", "x"], ["Date:", "2020"], ["W06000001", "A", "1"]], "X"
        )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("181 ( 58.4)", ("181", "58.4")), ("0 ( 0.0)", ("0", "0.0")), ("59.32 (17.12)", None)],
)
def test_n_percent_pattern(text, expected):
    match = parsers.N_PERCENT.match(text)
    assert (match.groups() if match else None) == expected


def _fetched(path, fmt="csv"):
    from types import SimpleNamespace

    return SimpleNamespace(path=path, format=fmt)


def test_welsh_language_parsers_name_the_file_and_the_columns_the_contract_does_not_match(
    tmp_path,
):
    frequency = tmp_path / "la_welsh_frequency.csv"
    frequency.write_text('"","","Daily ","Weekly ","Sometimes ","Never "\n"Wales ","",16,5,6,1\n')
    with pytest.raises(ValueError) as error:
        parsers.parse_welsh_language_frequency(_fetched(frequency))
    assert str(error.value).startswith(
        "Welsh language frequency la_welsh_frequency.csv: missing columns ['less_often']; "
        "unexpected columns ['sometimes']"
    )
    census = tmp_path / "lsoa_welsh_2011.csv"
    census.write_text('"","","","Percentage able to speak Welsh ","Count "\n"Wales ","","",19,1\n')
    with pytest.raises(ValueError, match=r"lsoa_welsh_2011.csv: unexpected columns \['count'\]"):
        parsers.parse_welsh_language_census_2011(_fetched(census))


def test_air_quality_parser_names_the_fields_the_contract_does_not_match():
    from pipelines.air_quality.parsers import parse_odata_records

    record = {"Data": "1", "Area_Cd": "W06000001"}
    with pytest.raises(ValueError) as error:
        parse_odata_records({"value": [record]}, "air quality envi0201.json")
    message = str(error.value)
    assert message.startswith("air quality envi0201.json: missing columns ['area_code', ")
    assert "unexpected columns ['area_cd']" in message
