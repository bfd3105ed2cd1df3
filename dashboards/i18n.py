"""Interface text (``translations/<lang>.yaml``) and locale-aware number formatting.

Every figure on the site is formatted through one of the ``FORMATS`` below, so a measure has the
same decimals and unit wherever it appears; ``js_format`` hands the same rule to the browser for
map tooltips (which format raw values) so the two cannot drift.
"""

import math
from functools import lru_cache
from pathlib import Path

import yaml
from babel import Locale

TRANSLATIONS_DIR = Path(__file__).with_name("translations")
LANGS = ("en", "cy")
LOCALES = {"en": "en_GB", "cy": "cy_GB"}

# kind -> (decimals, prefix, suffix, multiplier)
FORMATS = {
    "int": (0, "", "", 1),
    "dec1": (1, "", "", 1),
    "dec2": (2, "", "", 1),
    "dec3": (3, "", "", 1),  # p-values
    "pct": (1, "", "%", 100),  # a fraction 0-1 shown as a percentage
    "pct_value": (1, "", "%", 1),  # a value already in percent
    "gbp": (0, "£", "", 1),
    "gbp2": (2, "£", "", 1),
}


@lru_cache
def _strings(lang: str) -> dict:
    return yaml.safe_load((TRANSLATIONS_DIR / f"{lang}.yaml").read_text(encoding="utf-8"))


@lru_cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


def rounded(kind: str, value: object) -> float | None:
    """The value as shown by ``kind`` (multiplied and rounded): what the browser is given."""
    if missing(value):
        return None
    digits, _, _, mult = FORMATS[kind]
    return round(float(value) * mult, digits)


def missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


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
        self._babel = _locale(self.locale)
        self.strings = _strings(lang)
        self._cache: dict[str, str] = {}
        symbols = self._babel.number_symbols["latn"]
        self._group, self._decimal = symbols["group"], symbols["decimal"]
        self._swap = None
        if (self._group, self._decimal) != (",", "."):
            self._swap = str.maketrans({",": self._group, ".": self._decimal})

    def __call__(self, key: str, **values: object) -> str:
        text = self._cache.get(key)
        if text is None:
            text = self._cache[key] = self._lookup(key)
        return text.format(**values) if values else text

    def _lookup(self, key: str) -> str:
        node: object = self.strings
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"{self.lang}.yaml has no key {key!r}")
            node = node[part]
        return str(node)

    def get(self, key: str, default: str) -> str:
        try:
            return self(key)
        except KeyError:
            return default

    # -- numbers -------------------------------------------------------------------------------

    def fmt(self, kind: str, value: object) -> str:
        """``value`` in one of ``FORMATS``; ``None``/NaN -> "No data"."""
        if missing(value):
            return self("no_data")
        digits, prefix, suffix, _ = FORMATS[kind]
        text = f"{rounded(kind, value):,.{digits}f}"
        if self._swap:
            text = text.translate(self._swap)
        if text.startswith("-"):
            text = text[1:]
            return "−" + prefix + text + suffix if text.strip("0.,") else prefix + text + suffix
        return prefix + text + suffix

    def pct(self, fraction: object) -> str:
        return self.fmt("pct", fraction)

    def js_format(self, kind: str) -> dict:
        """The same rule for the browser: decimals, prefix, suffix, multiplier, separators."""
        digits, prefix, suffix, _ = FORMATS[kind]
        return {"d": digits, "p": prefix, "s": suffix, "g": self._group, "x": self._decimal}


def unit_kind(unit: str | None, *values: object) -> str:
    """The format kind for an indicator unit as the marts name it; ``values`` (missing ones
    ignored) choose the decimals: two below 10 (or below £100), where one would hide changes."""
    present = [abs(v) for v in values if not missing(v)]
    value_hint = max(present) if present else None
    u = (unit or "").lower()
    if u in ("percent", "percentage", "%", "pct"):
        return "pct_value"
    if u in ("gbp", "£", "pounds"):
        return "gbp2" if value_hint is not None and abs(value_hint) < 100 else "gbp"
    return "dec2" if value_hint is not None and abs(value_hint) < 10 else "dec1"
