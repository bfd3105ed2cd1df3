"""Interface text (``translations/<lang>.yaml``) and locale-aware number formatting."""

import math
from functools import lru_cache
from pathlib import Path

import yaml
from babel.numbers import format_decimal, format_percent

TRANSLATIONS_DIR = Path(__file__).with_name("translations")
LANGS = ("en", "cy")
LOCALES = {"en": "en_GB", "cy": "cy_GB"}


@lru_cache
def _strings(lang: str) -> dict:
    return yaml.safe_load((TRANSLATIONS_DIR / f"{lang}.yaml").read_text(encoding="utf-8"))


class Translator:
    """``t("la.title", name="Cardiff")``: look up a dotted key and fill its placeholders.

    Raises:
        KeyError: the key is missing from the language's file (a missing string is a bug).
    """

    def __init__(self, lang: str):
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
        self.lang = lang
        self.locale = LOCALES[lang]
        self.strings = _strings(lang)

    def __call__(self, key: str, **values: object) -> str:
        node: object = self.strings
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"{self.lang}.yaml has no key {key!r}")
            node = node[part]
        text = str(node)
        return text.format(**values) if values else text

    def get(self, key: str, default: str) -> str:
        try:
            return self(key)
        except KeyError:
            return default

    # -- numbers -------------------------------------------------------------------------------

    def num(self, value: object, digits: int = 0) -> str:
        """A number with thousands separators and ``digits`` decimals; ``None``/NaN -> no data."""
        if _missing(value):
            return self("no_data")
        fmt = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(float(value), format=fmt, locale=self.locale)

    def pct(self, fraction: object, digits: int = 1) -> str:
        """A fraction 0–1 as a percentage."""
        if _missing(fraction):
            return self("no_data")
        fmt = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(float(fraction), format=fmt, locale=self.locale)

    def gbp(self, value: object, digits: int = 0) -> str:
        if _missing(value):
            return self("no_data")
        return "£" + self.num(value, digits)

    def value(self, value: object, unit: str | None) -> str:
        """An indicator value in its unit (percentages keep one decimal, others up to two)."""
        if _missing(value):
            return self("no_data")
        unit_l = (unit or "").lower()
        if unit_l in ("percent", "percentage", "%", "pct"):
            return self.num(value, 1) + "%"
        if unit_l in ("gbp", "£", "pounds"):
            return self.gbp(value, 0)
        v = float(value)
        digits = 0 if abs(v) >= 1000 or v.is_integer() else (1 if abs(v) >= 10 else 2)
        return self.num(v, digits)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
