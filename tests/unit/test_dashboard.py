"""The dashboard's sources without a build: both translations complete, and the site code
independent of the pipeline (the built site and the browser: tests/integration/test_dashboard.py)."""

import re

import yaml

from pipelines.settings import PROJECT_ROOT


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def test_translations_have_the_same_keys():
    folder = PROJECT_ROOT / "dashboards" / "translations"
    en = _flatten(yaml.safe_load((folder / "en.yaml").read_text(encoding="utf-8")))
    cy = _flatten(yaml.safe_load((folder / "cy.yaml").read_text(encoding="utf-8")))
    assert set(en) == set(cy)
    same = [k for k in en if en[k] and en[k] == cy[k] and not k.startswith(SAME_IN_BOTH)]
    assert not same, f"untranslated strings: {same}"


def test_dashboards_does_not_import_pipelines():
    folder = PROJECT_ROOT / "dashboards"
    for file in folder.rglob("*.py"):
        text = file.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import) pipelines\b", text, re.MULTILINE), file.name
        assert not re.search(r"^\s*(from|import) matplotlib\b", text, re.MULTILINE), file.name


# strings that are rightly the same in English and Welsh (format names, placeholders only)
SAME_IN_BOTH = ("fields.csv", "fields.parquet", "licences.")


def published_translator(lang: str):
    """A ``Translator`` given the codes' names as the site builder gives them: through
    ``Published.code_names`` from the rows publishing writes to ``dictionary.code_labels``
    (``pipelines.contracts.code_labels``)."""
    from dashboards.i18n import Translator
    from dashboards.published import Published
    from pipelines.contracts import code_labels

    rows = [(column, code, en, cy) for _, column, code, en, cy in code_labels()]
    return Translator(lang, Published({}, code_labels=rows).code_names(lang))


def test_codes_are_named_by_the_partner_contract_only():
    """The site's names of the action categories and sectors were a second copy, in the
    translations: they now come from the contract's valueLabels (the one home, which the loader
    and the template read) through the published file, and the translations keep only what is
    not a code."""
    from dashboards.i18n import LABELLED
    from pipelines.partnership_activity import contract as pc

    folder = PROJECT_ROOT / "dashboards" / "translations"
    for lang in ("en", "cy"):
        own = yaml.safe_load((folder / f"{lang}.yaml").read_text(encoding="utf-8"))
        t = published_translator(lang)
        for section, column in LABELLED.items():
            assert not set(own[section]) & set(pc.allowed_values(column)), (lang, section)
            for code, name in pc.value_labels(column, lang).items():
                assert t(f"{section}.{code}") == name
        glossary = next(s for s in own["methods"]["sections"] if s["id"] == "categories")
        assert [i["category"] for i in glossary["items"]] == pc.allowed_values("action_category")
    assert published_translator("cy")("categories.shared_purpose") == "Pwrpas cyffredin"
    assert published_translator("en")("sectors.third_sector") == "Third sector"
    assert published_translator("cy")("sectors.unknown") == "Heb ei nodi"  # not a code


def test_the_site_names_codes_only_as_the_published_file_does():
    """The site read the partner contract's YAML itself, a second reader of the contract: it
    now names a code only as it is handed (from dictionary.code_labels), and keeps the
    translations' own entries of those sections."""
    import pytest

    from dashboards.i18n import Translator

    with pytest.raises(KeyError, match="categories.shared_purpose"):
        Translator("cy")("categories.shared_purpose")
    t = Translator("cy", {"action_category": {"governance": "Llywodraethu (cyhoeddwyd)"}})
    assert t("categories.governance") == "Llywodraethu (cyhoeddwyd)"
    assert t("categories.all") == "Pob gweithgaredd"  # not a code: the translations


def test_a_web_address_in_a_welsh_name_is_marked_not_to_translate():
    from dashboards.build import urls_untranslated

    text = "Swyddfa Ystadegau Gwladol, o Ofcom (https://www.ofcom.org.uk/a-and-b) & <b>"
    assert str(urls_untranslated(text)) == (
        "Swyddfa Ystadegau Gwladol, o Ofcom "
        '(<span translate="no">https://www.ofcom.org.uk/a-and-b</span>) &amp; &lt;b&gt;'
    )
