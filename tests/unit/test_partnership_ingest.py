"""Redaction of contact details in partner free text (the file-by-file ingest against the real
lookups: tests/integration/test_partnership_ingest.py)."""

import pytest

from pipelines.partnership_activity import normalise


def test_redaction_rule_in_python_is_the_sql_macro():
    assert normalise.redact_text("ring 029 2087 1234 or jo@x.org at CF10 1EP") == (
        "ring [removed] or [removed] at [removed]"
    )


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("call 07700 900123", "call [removed]"),
        ("call 07700-900-123", "call [removed]"),
        ("+447700900123", "[removed]"),
        ("0044 29 2087 1234", "[removed]"),
        ("+44 (0)29 2087 1234", "[removed]"),
        ("(029) 2087 1234", "[removed]"),
        ("tel: 01970 62 38 11", "tel: [removed]"),
        ("0800 123 4567", "[removed]"),
        ("at cf10 1ep", "at [removed]"),
        ("at SA11AA", "at [removed]"),
        # ordinary text keeps its roads, rooms, times, years and counts
        ("at w1a 1aa or Sa1 1aa", "at w1a 1aa or [removed]"),
        ("room A1 2nd floor, S4C, 9am-5pm", "room A1 2nd floor, S4C, 9am-5pm"),
        ("The A470 to Brecon, M4 junction 32", "The A470 to Brecon, M4 junction 32"),
        ("room B12 at 3pm, 10am and 2pm", "room B12 at 3pm, 10am and 2pm"),
        ("Year 10 and 11, 2023 24, 12 500 people", "Year 10 and 11, 2023 24, 12 500 people"),
        ("invoice 2024-1234, ref AB12 3CD", "invoice 2024-1234, ref AB12 3CD"),
    ],
)
def test_uk_phone_formats_and_postcodes_are_redacted_ordinary_text_is_not(text, redacted):
    assert normalise.redact_text(text) == redacted
