"""Words people read: counts in run output, and Welsh mutations (``dashboards.i18n``)."""

import pytest

from dashboards.i18n import Translator, soft_mutation, yn_place, yn_predicative
from pipelines.filetypes import TYPE_NAMES_CY
from pipelines.wording import counted, some_of

# The 22 authorities' Welsh names (reference.la_names / ONS LAD24NMW) after "yn" (in).
IN_AUTHORITIES = {
    "Ynys Môn": "yn Ynys Môn",
    "Gwynedd": "yng Ngwynedd",
    "Conwy": "yng Nghonwy",
    "Sir Ddinbych": "yn Sir Ddinbych",
    "Sir y Fflint": "yn Sir y Fflint",
    "Wrecsam": "yn Wrecsam",
    "Ceredigion": "yng Ngheredigion",
    "Sir Benfro": "yn Sir Benfro",
    "Sir Gaerfyrddin": "yn Sir Gaerfyrddin",
    "Abertawe": "yn Abertawe",
    "Castell-nedd Port Talbot": "yng Nghastell-nedd Port Talbot",
    "Pen-y-bont ar Ogwr": "ym Mhen-y-bont ar Ogwr",
    "Bro Morgannwg": "ym Mro Morgannwg",
    "Caerdydd": "yng Nghaerdydd",
    "Rhondda Cynon Taf": "yn Rhondda Cynon Taf",
    "Caerffili": "yng Nghaerffili",
    "Blaenau Gwent": "ym Mlaenau Gwent",
    "Torfaen": "yn Nhorfaen",
    "Sir Fynwy": "yn Sir Fynwy",
    "Casnewydd": "yng Nghasnewydd",
    "Powys": "ym Mhowys",
    "Merthyr Tudful": "ym Merthyr Tudful",
}


def test_counted_is_singular_for_one_only():
    assert counted(1, "source file") == "1 source file"
    assert counted(0, "activity", "activities") == "0 activities"
    assert counted(1234, "row") == "1,234 rows"


def test_some_of_names_the_first_few_and_counts_the_rest():
    assert some_of(["a", "b"]) == "a, b"
    assert some_of(["a", "b", "c"]) == "a, b, c"
    assert some_of(list("abcdefg")) == "a, b, c and 4 more"
    assert some_of(list(range(1500)), 2) == "0, 1 and 1,498 more"


@pytest.mark.parametrize(("name", "said"), IN_AUTHORITIES.items())
def test_every_authority_takes_the_nasal_mutation_after_yn(name, said):
    assert yn_place(name) == said


def test_a_welsh_page_text_mutates_the_name_after_yn_and_o_and_leaves_numbers():
    t = Translator("cy")
    assert t("la.map_heading", name="Caerdydd") == "Ardaloedd bach yng Nghaerdydd"
    assert t("la.lsoa_table_heading", name="Powys") == "Pob ardal fach ym Mhowys"
    assert t("la.map_heading", name="Abertawe") == "Ardaloedd bach yn Abertawe"
    # a health board and a board: ym Mwrdd ...
    assert t("la.map_heading", name="Bwrdd Iechyd Addysgu Powys").endswith(
        "ym Mwrdd Iechyd Addysgu Powys"
    )
    assert t("periods.financial_years", first="2021-22", last="2025-26") == (
        "blynyddoedd ariannol 2021-22 i 2025-26"
    )
    # English pages are untouched
    assert Translator("en")("la.map_heading", name="Cardiff") == "Small areas in Cardiff"


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
def test_every_file_type_is_said_after_predicative_yn_with_its_mutation(kind, said):
    assert yn_predicative(TYPE_NAMES_CY[kind]) == said


def test_soft_mutation_keeps_capitals_and_drops_g():
    assert soft_mutation("Tudalen") == "Dudalen"
    assert soft_mutation("gwall") == "wall" and soft_mutation("Gwynedd") == "Wynedd"
    assert soft_mutation("llyfr") == "lyfr" and soft_mutation("rhes") == "res"
    assert soft_mutation("ddogfen") == "ddogfen"  # already mutated
    assert Translator("cy")("lsoa.map_title", name="Caerdydd 001A", la="Caerdydd").startswith(
        "Map o Gaerdydd 001A"
    )
