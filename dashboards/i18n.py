"""Interface text (``translations/<lang>.yaml``), locale-aware number formatting and Welsh
mutations.

Every figure on the site is formatted through one of the ``FORMATS`` below, so a measure has the
same decimals and unit wherever it appears; ``js_format`` hands the same rule to the browser for
map tooltips (which format raw values) so the two cannot drift.

Welsh mutates a word's first consonant after some words: a place name after "yn" (in) takes the
nasal mutation ("yng Nghaerdydd", "ym Mhowys", "ym Merthyr Tudful"), after "o" (from, of) and
"i" (to) the soft one ("o Gaerdydd"); a noun after predicative "yn" the soft one ("mae'r ffeil yn
ddogfen JSON"). ``Translator`` applies the first two to every value placed after those words in
a Welsh text (``translations/cy.yaml`` writes "yn {name}"; the page gets "yng Nghaerdydd"); the
partner reader's Welsh reasons use ``yn_predicative``. This is the one home of the rules.
"""

import math
import re
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


# The names of the partner contract's codes (its ``valueLabels``, their one home) reach the site
# in the published file's ``dictionary.code_labels`` (``Published.code_names``), handed to
# ``Translator``: the translations keep only the entries that are not codes ('all', 'other',
# 'unknown').
LABELLED = {"categories": "action_category", "sectors": "sectors"}  # section -> coded column


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


# Soft mutation (treiglad meddal): radical -> mutated, longest first. "ll" and "rh" do not mutate
# after predicative "yn"; "ff", "ch", "th", "ph" never do.
SOFT = (
    ("ll", "l"),
    ("rh", "r"),
    ("p", "b"),
    ("t", "d"),
    ("c", "g"),
    ("b", "f"),
    ("d", "dd"),
    ("g", ""),
    ("m", "f"),
)
# Nasal mutation (treiglad trwynol) after "yn" (in): radical -> (the preposition, mutated).
NASAL = (
    ("c", "yng", "ngh"),
    ("p", "ym", "mh"),
    ("t", "yn", "nh"),
    ("g", "yng", "ng"),
    ("b", "ym", "m"),
    ("d", "yn", "n"),
)
NEVER_MUTATE = ("ff", "ch", "th", "ph", "dd", "ng", "mh", "nh")


def _recased(mutated: str, word: str, rest: str) -> str:
    """``mutated`` + ``rest`` with the capital of ``word`` kept: "Nghaerdydd", "Wynedd"."""
    text = mutated + rest
    return text[:1].upper() + text[1:] if word[:1].isupper() else text


def soft_mutation(phrase: str, after_yn: bool = False) -> str:
    """``phrase`` with its first consonant softened: ``taenlen`` -> ``daenlen``, ``Gwynedd`` ->
    ``Wynedd``, ``dogfen JSON`` -> ``ddogfen JSON``; after predicative "yn" (``after_yn``)
    ``ll`` and ``rh`` stay (``yn llyfr gwaith``)."""
    lower = phrase.lower()
    if not phrase or lower.startswith(NEVER_MUTATE):
        return phrase
    for radical, softened in SOFT:
        if lower.startswith(radical):
            if after_yn and radical in ("ll", "rh"):
                return phrase
            return _recased(softened, phrase, phrase[len(radical) :])
    return phrase


def yn_predicative(phrase: str) -> str:
    """Welsh "yn" before a noun phrase as a predicate: ``yn ddogfen JSON``, ``yn dudalen we``,
    ``yn llyfr gwaith Excel`` (``ll`` kept), ``yn ffeil wag``."""
    return f"yn {soft_mutation(phrase, after_yn=True)}"


def yn_place(name: str) -> str:
    """Welsh "yn" (in) before a place name, with the nasal mutation: ``yng Nghaerdydd``, ``ym
    Mhowys``, ``ym Mhen-y-bont ar Ogwr``, ``yn Nhorfaen``, ``yng Ngwynedd``, ``ym Mlaenau
    Gwent``, ``yn Ninas a Sir Abertawe``; "ym" before m (``ym Merthyr Tudful``); unchanged before
    a vowel, ll, rh, ch, ff... (``yn Abertawe``, ``yn Rhondda Cynon Taf``, ``yn Sir Fynwy``)."""
    lower = name.lower()
    if not name or lower.startswith(NEVER_MUTATE):
        return f"yn {name}"
    if lower.startswith("m"):
        return f"ym {name}"
    for radical, preposition, mutated in NASAL:
        if lower.startswith(radical):
            return f"{preposition} {_recased(mutated, name, name[len(radical) :])}"
    return f"yn {name}"


# A value placed right after one of these words in a Welsh text is mutated (the placeholder's
# word and value become one: "yn {name}" -> "yng Nghaerdydd").
MUTATING_WORDS = {
    "yn": yn_place,
    "Yn": lambda name: yn_place(name)[:1].upper() + yn_place(name)[1:],
    "o": lambda name: f"o {soft_mutation(name)}",
    "i": lambda name: f"i {soft_mutation(name)}",
}
_MUTATING_PLACEHOLDER = re.compile(r"(?<![\w'])(" + "|".join(MUTATING_WORDS) + r") \{([a-z_]+)\}")


def mutated(template: str, values: dict) -> tuple[str, dict]:
    """A Welsh ``template`` and its ``values`` with every text value that follows a mutating word
    ("yn {name}") joined to it, mutated: (``"Ardaloedd bach {_yn_name}"``, ``{"_yn_name": "yng
    Nghaerdydd", ...}``). Values that are not plain text (numbers, HTML) are left as they are."""
    extra: dict = {}

    def join(match: re.Match) -> str:
        word, key = match.group(1), match.group(2)
        value = values.get(key)
        if type(value) is not str or not value[:1].isalpha():  # a number, a year, HTML markup
            return match.group(0)
        joined = f"_{word}_{key}"
        extra[joined] = MUTATING_WORDS[word](value)
        return "{" + joined + "}"

    text = _MUTATING_PLACEHOLDER.sub(join, template)
    return text, {**values, **extra} if extra else values


class Translator:
    """``t("la.title", name="Cardiff")``: look up a dotted key and fill its placeholders.

    ``codes``: coded column -> {code: its name in ``lang``}, as the published file names them
    (``Published.code_names(lang)``); the sections of ``LABELLED`` take them
    (``t("categories.shared_purpose")`` -> 'Pwrpas cyffredin'), after the translations' own
    entries of those sections.

    Raises:
        KeyError: the key is missing from the language's file or ``codes`` (a missing string is
            a bug).
    """

    def __init__(self, lang: str, codes: dict[str, dict[str, str]] | None = None):
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
        self.lang = lang
        self.locale = LOCALES[lang]
        self._babel = _locale(self.locale)
        strings = _strings(lang)
        self.strings = {
            **strings,
            **{
                section: {**(codes or {}).get(column, {}), **strings.get(section, {})}
                for section, column in LABELLED.items()
            },
        }
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
        if not values:
            return text
        if self.lang == "cy":
            text, values = mutated(text, values)
        return text.format(**values)

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

    def js_format(self, kind: str) -> dict:
        """The same rule for the browser: decimals, prefix, suffix, multiplier, separators."""
        digits, prefix, suffix, _ = FORMATS[kind]
        return {"d": digits, "p": prefix, "s": suffix, "g": self._group, "x": self._decimal}


def unit_kind(unit: str | None, *values: object) -> str:
    """The format kind for an indicator unit as the marts name it; ``values`` (missing ones
    ignored) choose the decimals: two below 10 (or below £100), where one would hide changes."""
    largest = max((abs(v) for v in values if not missing(v)), default=None)
    u = (unit or "").lower()
    if u in ("percent", "percentage", "%", "pct"):
        return "pct_value"
    if u in ("gbp", "£", "pounds"):
        return "gbp2" if largest is not None and largest < 100 else "gbp"
    return "dec2" if largest is not None and largest < 10 else "dec1"
