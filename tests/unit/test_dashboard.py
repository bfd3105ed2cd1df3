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
