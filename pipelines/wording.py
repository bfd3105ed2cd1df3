"""Words people read: counts in run output (``1 file``, ``2 files``, ``1,234 rows``) and the
Welsh soft mutation of a phrase after predicative "yn" (``yn ddogfen JSON``)."""


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, singular for exactly one and plural otherwise (``noun + 's'`` unless
    ``plural`` is given), the number with thousands separators: ``counted(1, "source file")`` is
    ``1 source file``, ``counted(0, "activity", "activities")`` is ``0 activities``."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


# Welsh soft mutation of a word's first consonant (treiglad meddal): after predicative "yn"
# ("mae'r ffeil yn ddogfen JSON"), "ei" (his) and in many other places. "ll" and "rh" do not
# mutate after predicative "yn"; "ff", "ch", "th", "ph" and vowels never do.
SOFT_MUTATION = (
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
NEVER_MUTATE = ("ff", "ch", "th", "ph", "dd")


def soft_mutation(phrase: str, after_yn: bool = False) -> str:
    """``phrase`` with its first word's first consonant softened: ``taenlen`` -> ``daenlen``,
    ``dogfen JSON`` -> ``ddogfen JSON``, ``gwall`` -> ``wall``; after predicative ``yn``
    (``after_yn``) ``ll`` and ``rh`` stay (``yn llyfr gwaith``). Capitals are kept (``Tudalen``
    -> ``Dudalen``)."""
    lower = phrase.lower()
    if not phrase or lower.startswith(NEVER_MUTATE):
        return phrase
    for radical, softened in SOFT_MUTATION:
        if lower.startswith(radical):
            if after_yn and radical in ("ll", "rh"):
                return phrase
            rest = phrase[len(radical) :]
            if phrase[0].isupper():
                return softened.capitalize() + rest if softened else rest[:1].upper() + rest[1:]
            return softened + rest
    return phrase


def yn_predicative(phrase: str) -> str:
    """Welsh "yn" before a noun phrase as a predicate, mutated: ``yn ddogfen JSON``,
    ``yn dudalen we (HTML)``, ``yn llyfr gwaith Excel`` (``ll`` kept), ``yn ffeil wag``."""
    return f"yn {soft_mutation(phrase, after_yn=True)}"
