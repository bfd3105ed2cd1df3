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
