"""Words people read: counts, and the Welsh soft mutation after predicative "yn"."""

import pytest

from pipelines.filetypes import TYPE_NAMES_CY
from pipelines.wording import counted, soft_mutation, yn_predicative


def test_counted_is_singular_for_one_only():
    assert counted(1, "source file") == "1 source file"
    assert counted(0, "activity", "activities") == "0 activities"
    assert counted(1234, "row") == "1,234 rows"


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("json", "yn ddogfen JSON"),
        ("html", "yn dudalen we (HTML)"),
        ("ods", "yn daenlen OpenDocument (.ods)"),
        ("pptx", "yn gyflwyniad PowerPoint (.pptx)"),
        ("png", "yn ddelwedd PNG"),
        ("xlsx", "yn llyfr gwaith Excel (.xlsx)"),  # ll does not mutate after "yn"
        ("csv", "yn ffeil destun CSV"),  # ff never mutates
        ("zip", "yn archif zip"),  # a vowel
    ],
)
def test_every_file_type_is_said_after_yn_with_its_mutation(kind, said):
    assert yn_predicative(TYPE_NAMES_CY[kind]) == said


def test_soft_mutation_keeps_capitals_and_drops_g():
    assert soft_mutation("Tudalen") == "Dudalen"
    assert soft_mutation("gwall") == "wall" and soft_mutation("Gwynedd") == "Wynedd"
    assert soft_mutation("llyfr") == "lyfr" and soft_mutation("rhes") == "res"
    assert soft_mutation("ddogfen") == "ddogfen"  # already mutated
