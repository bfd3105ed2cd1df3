"""The partnership activity contract (``data_contracts/partnership_activity.yaml``), as the partner
loader, the template and the feedback report read it: which columns a partner sends, what header
names mean which column, the closed lists, the Welsh descriptions.

Nothing here states a rule: rules are compiled from the same contract by
``pipelines.quality.rules``.
"""

import unicodedata
from functools import lru_cache
from typing import Any

from pipelines.contracts import contract_for
from pipelines.quality.rules import custom, is_personal_data
from pipelines.readers import snake

RAW_TABLE = "raw.partnership_activity"
QUARANTINE_TABLE = "quality.quarantine"
SUBMISSIONS_TABLE = "quality.submissions"
TABLES = (RAW_TABLE, QUARANTINE_TABLE, SUBMISSIONS_TABLE)


def table() -> dict:
    """The contract object of ``raw.partnership_activity``."""
    return contract_for(RAW_TABLE)


@lru_cache(maxsize=1)
def properties() -> dict[str, dict]:
    return {p["name"]: p for p in table()["properties"]}


def prop_custom(name: str, key: str, default: Any = None) -> Any:
    return custom(properties()[name], key, default)


def submitted_columns() -> list[str]:
    """The columns a partner may send, in contract order (contact columns included)."""
    return [n for n, p in properties().items() if custom(p, "submitted")]


def loaded_submitted_columns() -> list[str]:
    """Submitted columns that are loaded (personal data excluded)."""
    return [c for c in submitted_columns() if not is_personal_data(properties()[c])]


def personal_columns() -> tuple[str, ...]:
    return tuple(c for c in submitted_columns() if is_personal_data(properties()[c]))


def redaction_columns(kind: str) -> tuple[str, ...]:
    """Submitted columns whose contract ``redaction`` is ``kind``: ``free_text`` (personal details
    in the text replaced before the value is stored) or ``as_sent`` (a rejected value shown in
    quarantine as sent)."""
    return tuple(c for c in submitted_columns() if prop_custom(c, "redaction") == kind)


def identity_columns() -> tuple[str, ...]:
    """The submitted columns that ``quality.quarantine`` names a rejected row by (the partner and
    its activity_id): kept even for a row whose values cannot be read apart."""
    quarantine = [p["name"] for p in contract_for(QUARANTINE_TABLE)["properties"]]
    return tuple(c for c in submitted_columns() if c in quarantine)


LOCATION_COLUMNS: tuple[str, ...] = tuple(custom(contract_for(RAW_TABLE), "locationColumns") or ())
REQUIRED_HEADER: tuple[str, ...] = tuple(
    c
    for c in submitted_columns()
    if properties()[c].get("required")
    and c not in LOCATION_COLUMNS
    and custom(properties()[c], "default") is None
)
PERSONAL_COLUMNS = personal_columns()
IDENTITY_COLUMNS = identity_columns()


def allowed_values(name: str) -> list[str]:
    """The closed list of codes a column accepts, from the contract."""
    return list(prop_custom(name, "allowedValues") or [])


def value_labels(name: str, language: str = "en") -> dict[str, str]:
    """A coded column's display name of each code, in English or Welsh, from the contract's
    ``valueLabels`` (shared_purpose -> 'Shared purpose' / 'Pwrpas cyffredin'): the one home of
    these names, read by the loader (a label is accepted for its code), the template and the
    dashboard. Empty for a column without labels."""
    labels = prop_custom(name, "valueLabels") or {}
    return {code: names[language] for code, names in labels.items()}


def description(name: str, language: str = "en") -> str:
    """A column's description in English or Welsh (``description_cy``)."""
    if language == "cy":
        return prop_custom(name, "description_cy") or ""
    return " ".join(str(properties()[name].get("description") or "").split())


def welsh_name(name: str) -> str | None:
    """A column's name in Welsh (``name_cy``: cyfeirnod_gweithgaredd for activity_id)."""
    return prop_custom(name, "name_cy")


def header_names(name: str) -> list[str]:
    """Every header name a column is read from, English and Welsh: its name, ``aliases``,
    ``name_cy`` and ``aliases_cy`` (as in the contract)."""
    welsh = [welsh_name(name)] if welsh_name(name) else []
    return [
        name,
        *(prop_custom(name, "aliases") or []),
        *welsh,
        *(prop_custom(name, "aliases_cy") or []),
    ]


@lru_cache(maxsize=1)
def header_aliases() -> dict[str, str]:
    """Header name (``header_key``) -> contract column, from each column's English and Welsh
    names (``header_names``)."""
    out = {}
    for name in submitted_columns():
        for alias in header_names(name)[1:]:
            out[header_key(str(alias))] = name
    return out


def header_key(text: str) -> str:
    """A header cell as compared with the contract's names: accents removed (Ffôn = ffon),
    '£' read as gbp, then snake_case ('Activity ID' -> activity_id)."""
    decomposed = unicodedata.normalize("NFKD", str(text).replace("£", "gbp"))
    return snake("".join(c for c in decomposed if not unicodedata.combining(c)))


def canonical_column(name: str) -> str:
    """Header text -> contract column name ('Activity ID' -> activity_id, 'LSOA' -> lsoa_code,
    'Cyfeirnod gweithgaredd' -> activity_id)."""
    key = header_key(name)
    return header_aliases().get(key, key)
