"""Normalisation of partner submissions: every rule, in one place, as DuckDB SQL macros.

Partners type values the way people fill spreadsheets. Before the contract's rules run, each
submitted value is normalised by the rules below, and ONLY by these rules. A value these rules
cannot read is never guessed: the row is quarantined with a reason (English and Welsh) saying
what was expected. The README's partner section states the same rules for partners.

Every column:
    * leading and trailing spaces, tabs, line breaks, non-breaking and other spaces (Unicode
      Zs) and invisible format characters (Unicode Cf: zero-width space, byte-order mark, soft
      hyphen, direction marks; what pasting from a web page or PDF leaves) are removed; an
      empty value is no value. A reason that shows a value holding such a character inside it
      names the character in words ('W0100[zero-width space]1694').

Codes (``action_category``, ``activity_type``, ``partnership_maturity``) and list items
(``sectors``, ``wellbeing_goals``, separated by ``;`` ``,`` ``|`` or ``/``):
    * letter case is ignored; spaces, hyphens and other punctuation become ``_``; a joining
      ``and`` is dropped ('Clear roles and processes' -> ``clear_roles_processes``);
    * each code's English and Welsh label in the contract (``valueLabels``: 'Shared purpose',
      'Pwrpas cyffredin', 'Sector cyhoeddus', 'Rôl gyswllt' or 'Rol gyswllt') is read as the
      code, and so are a few other common words (``ALIASES``: 'Voluntary sector' ->
      ``third_sector``, 'pwrpas a rennir' -> ``shared_purpose``; 'A healthier Wales' ->
      ``healthier``); accents are ignored;
    * lists are stored de-duplicated, in alphabetical order, joined with ``;``.

Partner organisation:
    * ``partner_organisation`` is kept as sent (spaces trimmed);
    * ``partner_key`` identifies the partner: lower case, accents removed (ŵ -> w), ``&`` read as
      ``and``, punctuation removed and runs of spaces collapsed. 'CARDIFF  Council' and 'cardiff
      council' are the same partner; corrections and duplicates are matched on ``partner_key`` and
      ``activity_id``.

Local authority (``la_code``):
    * a code in any letter case, with or without spaces (``w06 000015``);
    * or a name in English or Welsh, with or without diacritics ('Ynys Mon'), with or without
      'The', 'Cyngor', 'Council', 'County Council', 'County Borough Council', 'City Council',
      'City and County of', 'City of', 'Bwrdeistref Sirol', 'Dinas a Sir': the names of
      ``raw.lsoa11_la_names`` (English and Welsh) and the councils' own names
      (``pipelines/reference/council_names.csv``, e.g. 'Cyngor Sir Penfro', 'Cyngor Sir Gâr');
    * when absent, the local authority of the LSOA (given, from the postcode or from the
      coordinates).

LSOA (``lsoa_code``): upper case, spaces removed; a 2011 code is replaced by its 2021 code when
the ONS lookup gives exactly one (``lsoa_resolved_from = 'lsoa_code_2011'``), and quarantined when
the 2011 LSOA was split. When absent: from the postcode (WIMD 2019 postcode lookup, 2011 -> 2021
when unique), else from the coordinates (point in a 2021 LSOA polygon, when boundaries are
available).

Postcode: upper case, one space before the last three characters (``cf101ep`` -> ``CF10 1EP``).

Dates (``start_date``, ``end_date``):
    * ``2024-04-01`` (optionally followed by a time), ``2024/04/01``, ``1/4/2024``,
      ``01-04-2024``, ``01.04.2024`` (day first, as in the UK), ``1 April 2024``, ``1st Apr 2024``,
      ``01-Apr-2024``, ``April 1, 2024``, ``the 1st of April 2024``, ``1 Ebrill 2024``, ``11eg
      Ebrill 2024``, ``1 o Fawrth 2024`` (English or Welsh month names, softened after "o", and
      ordinals), with a weekday in front (``Tuesday 1 April 2024``, ``dydd Llun
      ...``) or a time after (``01/04/2024 09:30``), spreadsheet dates, and Excel serial day numbers
      (``45383`` = 2024-04-01): stored as that day, ``*_precision = 'day'``;
    * a month alone: ``April 2024``, ``Apr-2024``, ``Ebrill 2024``, ``mis Mawrth 2024``,
      ``2024-04``, ``04/2024``:
      stored as the first day of the month for ``start_date`` and the last day for ``end_date``,
      ``*_precision = 'month'``;
    * quarantined: a year alone (it does not say which financial year), a two-digit year
      (``01/04/24``, ``01-Apr-24``), a day the month does not have (``31 April 2024``), a
      month-first (US) date that is not a valid day-first date, anything else.

Amounts (``funding_gbp``, pounds):
    * accepted: ``12500``, ``12500.50``, ``£12,500``, ``£12,500.00``, ``12 500``, ``GBP 300``,
      ``300 GBP``: thousands separated by commas or spaces in groups of three, a decimal point
      with at most two decimals;
    * quarantined, never reinterpreted: a decimal comma (``1200,50``), the continental form
      (``1.200,50``), more than two decimals (``1.200``), an accounting negative (``(500)``),
      other currencies, words, and anything else.

Inside an amount or a count, a non-breaking, narrow or thin space (the thousands separator some
locale settings and web pages write) is read as a space.

Whole numbers (``participant_count``): digits, optionally with thousands commas (``1,200``) or a
``.0`` spreadsheets add; anything else is quarantined.

Coordinates: decimal degrees (WGS84) as numbers; anything else is quarantined.

``is_example_data``: true/false, yes/no, y/n, 1/0, ie/na (Welsh), any letter case.

Personal details (``pa_redact``): e-mail addresses, UK phone numbers (``07700 900123``,
``+44 (0)29 2087 1234``, ``(029) 2087 1234``, ``0800-123-4567`` ...) and postcodes written in
capitals (``CF10 1EP``, ``CF101EP``) are replaced by ``[removed]``; other text is kept as written.
    * free text (``title``, ``description``: the contract's ``redaction: free_text``) has them
      replaced before it is stored;
    * a column stored as sent that is not free text (``activity_id``, ``partner_organisation``:
      ``VERBATIM_COLUMNS``) never holds them: a value holding one is quarantined saying so;
    * whatever a rejected row shows (its activity_id and partner, the value, a reason quoting
      it, the row's JSON), the notes and errors of ``quality.submissions``, and so the feedback
      reports and log lines, has them replaced too; the one exception is the value of a column
      the contract marks ``redaction: as_sent`` (the venue postcode, shown as sent).
Contact columns (``contact_email``, ``contact_phone``) are never loaded. ``redact_text`` applies
the same rule to any text in Python (notes, errors, log lines).
"""

import csv
import re
import unicodedata
from functools import cache, lru_cache

import duckdb

from dashboards.i18n import soft_mutation
from pipelines.financial_year import FINANCIAL_YEAR_MACROS
from pipelines.partnership_activity import contract as pc
from pipelines.settings import PROJECT_ROOT
from pipelines.sqltext import case_lookup, quote_ident, sql_value

REMOVED = "[removed]"
COUNCIL_NAMES_CSV = PROJECT_ROOT / "pipelines" / "reference" / "council_names.csv"

# Personal data in free text (RE2 syntax, as DuckDB runs it).
EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
PHONE = (
    r"(?:(?:\+|\b00[ \-]?)44[ \-]?(?:\(0\)[ \-]?)?|\(0|\b0)"  # +44, 0044, +44 (0), (0.., 0
    r"(?:[0-9][ \-\)]{0,2}){8,9}[0-9]\b"  # then 9 or 10 more digits, single separators
)
# Royal Mail format; the inward code's letters never include C I K M O V, so "b12 3pm" or
# "A470" are not postcodes. In capitals any area; in other letter case ("cf10 1ep" is an address
# too) only two-letter areas (all of Wales's: CF, SA, NP, LL, LD, SY), so "room a1 2nd" is kept.
POSTCODE = (
    r"\b(?:GIR ?0AA|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]"
    r"|[A-HK-Y][0-9][ABEHMNPRVWXY]) ?[0-9][ABD-HJLNP-UW-Z]{2})\b"
    r"|(?i:\b[A-PR-UWYZ][A-HK-Y](?:[0-9]{1,2}|[0-9][ABEHMNPRVWXY]) ?[0-9][ABD-HJLNP-UW-Z]{2}\b)"
)
# A phone number glued to a code by '-' or '/' is a segment of a reference, not a number to
# ring ('PSB-03-00000000', 'CVC/22/00000002', a partner's own activity ids): the phone pattern
# needs what comes before it (captured, and put back by the replacement's \1) to be the start,
# or a character other than a letter, digit, '_', '-' or '/', or a '-' or '/' that follows no
# letter or digit ('tel: -07700 900123').
PHONE_BEFORE = r"(^|^[\-/]|[^A-Za-z0-9_\-/]|[^A-Za-z0-9][\-/])"
PERSONAL = f"{EMAIL}|{PHONE_BEFORE}(?:{PHONE})|{POSTCODE}"
REMOVED_AFTER_PREFIX = "\\1" + REMOVED  # what replaces a match: the kept prefix, then [removed]
# Cheap test first: only text holding '@', two digits in a row or a letter then a digit can
# hold any of the three.
PERSONAL_HINT = r"@|[0-9][^A-Za-z]?[0-9]|[A-Za-z][0-9]"
WHITESPACE = " \t\r\n\u00a0"
# Characters a partner cannot see: Unicode format characters (category Cf: zero-width space,
# byte-order mark, soft hyphen, direction marks, ...) and every space but the ordinary one
# (Zs, Zl, Zp: non-breaking, thin, narrow no-break, ...), plus the other whitespace controls.
# RE2 (DuckDB) has no class subtraction, so the spaces are listed (the Zs, Zl and Zp of Unicode).
INVISIBLE_CLASS = r"\x{00A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\p{Cf}"
EDGE_CLASS = r"[\s\x{000B}\x{0085}" + INVISIBLE_CLASS + "]"  # trimmed at both ends of a value
SPACE_CLASS = INVISIBLE_CLASS.replace(r"\p{Cf}", "")  # read as a space inside a number
INVISIBLE_NAMES = {  # named in words when a reason shows a value holding one (else U+XXXX)
    "\u00a0": ("non-breaking space", "bwlch di-dor"),
    "\u200b": ("zero-width space", "bwlch lled sero"),
    "\u200c": ("zero-width non-joiner", "nod di-uno lled sero"),
    "\u200d": ("zero-width joiner", "nod uno lled sero"),
    "\u2060": ("word joiner", "nod uno geiriau"),
    "\ufeff": ("byte-order mark", "nod trefn beit"),
    "\u00ad": ("soft hyphen", "cysylltnod meddal"),
    "\u202f": ("narrow non-breaking space", "bwlch di-dor cul"),
    "\u2009": ("thin space", "bwlch tenau"),
    "\u2007": ("figure space", "bwlch ffigur"),
    "\u200e": ("left-to-right mark", "nod chwith i'r dde"),
    "\u200f": ("right-to-left mark", "nod de i'r chwith"),
    "\u3000": ("wide space", "bwlch llydan"),
}

# Other words partners write for a code, in its coded form (``pa_code``); each code's own English
# and Welsh label (the contract's valueLabels) is read by ``code_aliases``, not written here.
ALIASES = {
    "action_category": {
        "pwrpas_a_rennir": "shared_purpose",  # the template's Welsh gloss before valueLabels
        "mecanwaith_ariannol": "financial_mechanism",  # the Welsh label, singular
        "financial": "financial_mechanism",
        "finance": "financial_mechanism",
        "shared_purposes": "shared_purpose",
    },
    "sectors": {
        "third": "third_sector",
        "voluntary": "third_sector",
        "voluntary_sector": "third_sector",
        "vcse": "third_sector",
        "charity": "third_sector",
        "community_sector": "community",
        "communities": "community",
        "academia": "academic",
        "university": "academic",
        "business": "private",
        "national": "national_body",
        "national_bodies": "national_body",
        # in Welsh, as a partner filling in the Welsh template writes them (besides the labels)
        "cyhoeddus": "public",
        "y_trydydd_sector": "third_sector",
        "gwirfoddol": "third_sector",
        "sector_gwirfoddol": "third_sector",
        "elusen": "third_sector",
        "cymunedol": "community",
        "sector_cymunedol": "community",
        "prifysgol": "academic",
        "preifat": "private",
        "busnes": "private",
        "cenedlaethol": "national_body",
        "cyrff_cenedlaethol": "national_body",
    },
    "wellbeing_goals": {
        "vibrant_culture_thriving_welsh_language": "vibrant_culture_welsh_language",
        "vibrant_culture": "vibrant_culture_welsh_language",
        "cohesive": "cohesive_communities",
        "equal": "more_equal",
        "healthy": "healthier",
    },
}
MONTHS = {
    1: ("january", "jan", "ionawr"),
    2: ("february", "feb", "chwefror"),
    3: ("march", "mar", "mawrth"),
    4: ("april", "apr", "ebrill"),
    5: ("may", "mai"),
    6: ("june", "jun", "mehefin"),
    7: ("july", "jul", "gorffennaf"),
    8: ("august", "aug", "awst"),
    9: ("september", "sep", "sept", "medi"),
    10: ("october", "oct", "hydref"),
    11: ("november", "nov", "tachwedd"),
    12: ("december", "dec", "rhagfyr"),
}
NAME_PREFIXES = (
    "the ",
    "cyngor ",
    "city and county of ",
    "city of ",
    "county borough of ",
    "bwrdeistref sirol ",
    "dinas a sir ",
)
NAME_SUFFIXES = (
    " county borough council",
    " county council",
    " city council",
    " borough council",
    " council",
    " county borough",
    " cbc",
)


# A Welsh month (the last name of each) after "o" (of) is softened: "1 o Fawrth 2025", "o
# Ragfyr"; those forms are months too.
MONTH_NUMBERS = {
    form: number for number, names in MONTHS.items() for form in (*names, soft_mutation(names[-1]))
}


def _month(expression: str) -> str:
    return case_lookup(expression, MONTH_NUMBERS)


# Words a partner writes in a cell for "not known" or "does not apply", in English and Welsh; and
# for an end date, "still running". Such a value in an optional column is set aside like any
# value that cannot be read (never guessed to be empty or 0), and its reason ends with what to
# write instead (``pa_not_known_hint``, applied where the quarantine is written).
NOT_KNOWN = (
    "n/a",
    "n.a.",
    "na",
    "-",
    "--",
    "?",
    "tbc",
    "tbd",
    "tba",
    "unknown",
    "not known",
    "none",
    "nil",
    "null",
    "not applicable",
    "anhysbys",
    "amherthnasol",
    "amh",
    "i'w gadarnhau",
    "dim",
)
STILL_RUNNING = (
    "ongoing", "on-going", "on going", "continuing", "current", "present", "to date", "open",
    "parhaus", "yn parhau", "ar y gweill", "hyd heddiw", "hyd yn hyn", "agored",
)  # fmt: skip
NOT_KNOWN_HINT = (
    "; if it is not known or does not apply, leave the cell empty",
    "; os nad yw'n hysbys neu os nad yw'n berthnasol, gadewch y gell yn wag",
)
STILL_RUNNING_HINT = (
    "; an activity that is still running has no end date yet: leave end_date empty",
    "; nid oes dyddiad gorffen eto i weithgaredd sy'n dal i redeg: gadewch end_date yn wag",
)


def _optional_columns() -> list[str]:
    """Columns a partner may send and may leave empty (the contract's ``required: false``)."""
    return [c for c in pc.submitted_columns() if not pc.properties()[c].get("required")]


def macros() -> list[str]:
    """The DuckDB macros (temporary, per connection) that state the rules above."""
    space_start = " or ".join(f"prefix(x, {sql_value(c)})" for c in WHITESPACE)
    space_end = " or ".join(f"suffix(x, {sql_value(c)})" for c in WHITESPACE)
    edges = sql_value("^" + EDGE_CLASS + "+|" + EDGE_CLASS + "+$")
    prefixes = "^(" + "|".join(p.strip() + " " for p in NAME_PREFIXES) + ")+"
    suffixes = "(" + "|".join(NAME_SUFFIXES) + ")$"
    return [
        # text: trimmed, empty -> null (the cheap test first: most values need nothing)
        f"""create or replace temp macro pa_blank(x) as (
            case when x is null or x = '' then null
                 when {space_start} or {space_end}
                      or regexp_matches(x, {sql_value("^" + EDGE_CLASS + "|" + EDGE_CLASS + "$")})
                     then nullif(regexp_replace(x, {edges}, '', 'g'), '')
                 else x end)""",
        # inside a number, a non-breaking or thin space (a thousands separator) is a space
        f"""create or replace temp macro pa_spaces(x) as (
            case when regexp_matches(x, {sql_value("[" + SPACE_CLASS + "]")})
                 then regexp_replace(x, {sql_value("[" + SPACE_CLASS + "]")}, ' ', 'g')
                 else x end)""",
        # a value in a reason: invisible characters named in words ('W01001694[zero-width
        # space]'), in English or Welsh (``shown_value``)
        f"""create or replace temp macro pa_shown(x, language) as (
            case when x is null or not regexp_matches(x, {sql_value("[" + INVISIBLE_CLASS + "]")})
                 then x
                 else list_aggr(list_transform(string_split(x, ''), c ->
                     case when regexp_full_match(c, {sql_value("[" + INVISIBLE_CLASS + "]")})
                          then '[' || coalesce(case when language = 'cy'
                                   then {case_lookup("c", {k: v[1] for k, v in INVISIBLE_NAMES.items()})}
                                   else {case_lookup("c", {k: v[0] for k, v in INVISIBLE_NAMES.items()})} end,
                               case when language = 'cy' then 'nod anweledig' else 'invisible character' end
                                   || ' U+' || printf('%04X', unicode(c))) || ']'
                          else c end), 'string_agg', '') end)""",
        f"""create or replace temp macro pa_redact(x) as (
            case when x is not null and regexp_matches(x, {sql_value(PERSONAL_HINT)})
                 then regexp_replace(x, {sql_value(PERSONAL)}, {sql_value(REMOVED_AFTER_PREFIX)}, 'g')
                 else x end)""",
        # the same rule as a test: the text holds personal details
        f"""create or replace temp macro pa_personal(x) as (
            coalesce(regexp_matches(x, {sql_value(PERSONAL_HINT)})
                     and regexp_matches(x, {sql_value(PERSONAL)}), false))""",
        # what to write instead of 'n/a' in an optional column, or 'ongoing' as an end date
        f"""create or replace temp macro pa_not_known_hint(column_name, x, language) as (
            case when x is null then ''
                 when column_name = 'end_date'
                      and lower(trim(x)) in ({", ".join(sql_value(w) for w in STILL_RUNNING)})
                     then case when language = 'cy' then {sql_value(STILL_RUNNING_HINT[1])}
                               else {sql_value(STILL_RUNNING_HINT[0])} end
                 when column_name in ({", ".join(sql_value(c) for c in _optional_columns())})
                      and lower(trim(x)) in ({_not_known_sql()})
                     then case when language = 'cy' then {sql_value(NOT_KNOWN_HINT[1])}
                               else {sql_value(NOT_KNOWN_HINT[0])} end
                 else '' end)""",
        # codes: 'Shared purpose' -> shared_purpose, 'Rôl gyswllt' -> rol_gyswllt
        """create or replace temp macro pa_code(x) as (
            case when regexp_full_match(x, '[a-z0-9]+(_[a-z0-9]+)*') and not contains(x, '_and_')
                 then x
                 else replace(trim(regexp_replace(lower(strip_accents(x)), '[^a-z0-9]+', '_', 'g'), '_'),
                              '_and_', '_') end)""",
        # identity of a partner
        """create or replace temp macro pa_partner_key(x) as (
            nullif(trim(regexp_replace(replace(strip_accents(lower(x)), '&', ' and '),
                   '[^a-z0-9]+', ' ', 'g')), ''))""",
        # council names -> comparable keys
        f"""create or replace temp macro pa_name_key(x) as (
            replace(regexp_replace(regexp_replace(
                trim(regexp_replace(regexp_replace(replace(strip_accents(lower(x)), '&', ' and '),
                     '[^a-z0-9]+', ' ', 'g'), ' +', ' ', 'g')),
                {sql_value(prefixes)}, ''), {sql_value(suffixes)}, ''), ' ', ''))""",
        """create or replace temp macro pa_code_text(x) as (upper(replace(x, ' ', '')))""",
        """create or replace temp macro pa_postcode_key(x) as (
            upper(regexp_replace(x, '[^A-Za-z0-9]', '', 'g')))""",
        """create or replace temp macro pa_postcode(k) as (
            case when regexp_full_match(k, '[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}')
                 then left(k, length(k) - 3) || ' ' || right(k, 3) end)""",
        """create or replace temp macro pa_amount_text(x, y) as (
            case
            when regexp_full_match(y, '[0-9]{1,3}(,[0-9]{3})+(\\.[0-9]{1,2})?')
              or regexp_full_match(y, '[0-9]{1,3}( [0-9]{3})+(\\.[0-9]{1,2})?')
              or regexp_full_match(y, '[0-9]+(\\.[0-9]{1,2})?') then
                struct_pack(v := replace(replace(y, ',', ''), ' ', '')::double, en := null, cy := null)
            when regexp_full_match(y, '-[0-9][0-9,]*(\\.[0-9]{1,2})?') then
                struct_pack(v := replace(y, ',', '')::double, en := null, cy := null)
            when regexp_full_match(y, '\\(\\s*[£0-9][0-9,. ]*\\)') then
                struct_pack(v := null, en := concat('funding_gbp ''', x, ''' is in brackets, which '
                    || 'accounting uses for a negative amount: funding must be 0 or more; if it is '
                    || 'an amount, write it without brackets'),
                    cy := concat('mae funding_gbp ''', x, ''' mewn cromfachau, sy''n golygu swm '
                    || 'negyddol mewn cyfrifeg: rhaid i''r cyllid fod yn 0 neu fwy; os swm ydyw, '
                    || 'ysgrifennwch ef heb gromfachau'))
            when regexp_full_match(y, '[0-9]{1,3}(\\.[0-9]{3})+,[0-9]{1,2}') then
                struct_pack(v := null, en := concat('funding_gbp ''', x, ''' is written the '
                    || 'continental way (dot for thousands, comma for pence): write pounds with a '
                    || 'decimal point, e.g. 1200.50'),
                    cy := concat('mae funding_gbp ''', x, ''' wedi''i ysgrifennu yn null y cyfandir '
                    || '(pwynt ar gyfer miloedd, coma ar gyfer ceiniogau): ysgrifennwch bunnoedd gyda '
                    || 'phwynt degol, e.e. 1200.50'))
            when regexp_full_match(y, '[0-9]+,[0-9]{1,2}') then
                struct_pack(v := null, en := concat('funding_gbp ''', x, ''' has a decimal comma, '
                    || 'which could be pence or thousands: write pounds with a decimal point, e.g. '
                    || '1200.50, or thousands in groups of three, e.g. 120,050'),
                    cy := concat('mae coma degol yn funding_gbp ''', x, ''', a allai olygu '
                    || 'ceiniogau neu filoedd: ysgrifennwch bunnoedd gyda phwynt degol, e.e. '
                    || '1200.50, neu filoedd mewn grwpiau o dri, e.e. 120,050'))
            when regexp_full_match(y, '[0-9,]*\\.[0-9]{3,}') then
                struct_pack(v := null, en := concat('funding_gbp ''', x, ''' has more than two '
                    || 'decimal places, so it is unclear whether the dot separates thousands or '
                    || 'pence: write pounds with at most two decimals, e.g. 1200 or 1.20'),
                    cy := concat('mae mwy na dau le degol yn funding_gbp ''', x, ''', felly nid '
                    || 'yw''n glir a yw''r pwynt yn gwahanu miloedd neu geiniogau: ysgrifennwch '
                    || 'bunnoedd gyda dau ddegol ar y mwyaf, e.e. 1200 neu 1.20'))
            when regexp_full_match(y, '[0-9]+(\\.[0-9]+)?\\s*(k|K|m|M|bn)') then
                struct_pack(v := null, en := concat('funding_gbp ''', x, ''' uses k or m for '
                    || 'thousands or millions: write the amount in full, e.g. 12000'),
                    cy := concat('mae funding_gbp ''', x, ''' yn defnyddio k neu m ar gyfer '
                    || 'miloedd neu filiynau: ysgrifennwch y swm yn llawn, e.e. 12000'))
            when regexp_matches(y, '[€$¥]|(?i)eur|usd') then
                struct_pack(v := null, en := concat('funding_gbp ''', x, ''' is not in pounds '
                    || 'sterling: give the amount in pounds'),
                    cy := concat('nid yw funding_gbp ''', x, ''' mewn punnoedd sterling: rhowch y '
                    || 'swm mewn punnoedd'))
            else struct_pack(v := null, en := concat('funding_gbp ''', x, ''' is not an amount: '
                    || 'expected pounds, e.g. 12500 or £12,500.50'),
                    cy := concat('nid yw funding_gbp ''', x, ''' yn swm: disgwylir punnoedd, e.e. '
                    || '12500 neu £12,500.50'))
            end)""",
        # amounts in pounds: struct(v, en, cy)
        """create or replace temp macro pa_amount(x) as (
            case when x is null then null
            when regexp_full_match(x, '[0-9]+(\\.[0-9]{1,2})?') then
                struct_pack(v := x::double, en := null::varchar, cy := null::varchar)
            else pa_amount_text(x, regexp_replace(x, '^(£|GBP|gbp)\\s*|\\s*(GBP|gbp)$', '', 'g'))
            end)""",
        # whole numbers: struct(v, en, cy)
        """create or replace temp macro pa_count(x, name) as (
            case when x is null then null
            when regexp_full_match(x, '-?[0-9]{1,3}(,[0-9]{3})+|-?[0-9]+(\\.0+)?') then
                struct_pack(v := try_cast(regexp_replace(replace(x, ',', ''), '\\.0+$', '')
                                          as bigint), en := null::varchar, cy := null::varchar)
            else struct_pack(v := null, en := concat(name, ' ''', x, ''' is not a whole number: '
                    || 'expected a count of people, 0 or more',
                    -- 'approx 30', '30+', '20-30': a number with words, or a range
                    case when regexp_matches(x, '[0-9]') then '; write one whole number (your '
                         || 'best estimate is fine), e.g. 30' end),
                    cy := concat('nid yw ', name, ' ''', x, ''' yn rhif cyfan: disgwylir nifer y '
                    || 'bobl, 0 neu fwy',
                    case when regexp_matches(x, '[0-9]') then '; ysgrifennwch un rhif cyfan (mae '
                         || 'eich amcangyfrif gorau yn iawn), e.e. 30' end))
            end)""",
        """create or replace temp macro pa_degrees(x, name) as (
            case when x is null then null
            when try_cast(x as double) is not null then
                struct_pack(v := x::double, en := null::varchar, cy := null::varchar)
            else struct_pack(v := null, en := concat(name, ' ''', x, ''' is not a number: expected '
                    || 'decimal degrees (WGS84), e.g. 51.48 and -3.18'),
                    cy := concat('nid yw ', name, ' ''', x, ''' yn rhif: disgwylir graddau degol '
                    || '(WGS84), e.e. 51.48 a -3.18'))
            end)""",
        """create or replace temp macro pa_bool(x, name) as (
            case when x is null then null
            when lower(x) in ('true', 'yes', 'y', '1', 'ie', 'gwir') then
                struct_pack(v := true, en := null::varchar, cy := null::varchar)
            when lower(x) in ('false', 'no', 'n', '0', 'na', 'gau') then
                struct_pack(v := false, en := null::varchar, cy := null::varchar)
            else struct_pack(v := null, en := concat(name, ' ''', x, ''' is not true or false'),
                    cy := concat('nid yw ', name, ' ''', x, ''' yn wir nac yn gau'))
            end)""",
    ]


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Create the normalisation macros on ``con`` (temporary: they live with the connection),
    with the financial-year macros they use."""
    for sql in (*FINANCIAL_YEAR_MACROS, *macros()):
        con.execute(sql)


def _not_known_sql() -> str:
    """SQL: the words for "not known" (``NOT_KNOWN``) as a list of literals."""
    return ", ".join(sql_value(w) for w in NOT_KNOWN)


@cache
def code_aliases(column: str) -> dict[str, str]:
    """A coded value (``pa_code``) -> the code it names, for a code or list column: each code's
    English and Welsh label (``contract.value_labels``, the one home of those names: 'Pwrpas
    cyffredin', 'Sector cyhoeddus', 'Rôl gyswllt' with or without its accent), then ``ALIASES``
    (other words partners write)."""
    labels = {
        label: code
        for language in ("en", "cy")
        for code, label in pc.value_labels(column, language).items()
    }
    coded = {
        _redactor().execute("select pa_code(?)", [label]).fetchone()[0]: code
        for label, code in labels.items()
    }
    return {**ALIASES.get(column, {}), **coded}


def _coded(code: str, value: str) -> str:
    """SQL: ``code`` (the coded form of ``value``), or '[removed]' when ``value`` holds personal
    details: an unknown code is quoted in its reason, and 'jane_example_org' would still be the
    address."""
    return f"(case when pa_personal({value}) then {sql_value(REMOVED)} else {code} end)"


def code_sql(column: str, value: str, allowed: list[str]) -> str:
    """SQL: a code column's value normalised (``pa_code``, then ``code_aliases``: labels and
    aliases); a value that is already one of ``allowed`` (nearly every row) is taken as it is."""
    code = _coded(f"pa_code({value})", value)
    mapped = case_lookup(code, code_aliases(column), code)
    listed = ", ".join(sql_value(a) for a in allowed)
    return f"(case when {value} in ({listed}) then {value} else {mapped} end)"


def _welsh_goal_sql(item: str) -> str:
    """SQL: the goal code of a coded item that is a goal's Welsh name ('cymru_iachach' ->
    healthier), written with or without its accents ('Cymru â diwylliant' or 'Cymru a
    diwylliant'); null for any other item. The names are the reference table's (one home), coded
    by the same ``pa_code`` as the item."""
    from pipelines.reference.assets import read_wellbeing_goals

    branches = " ".join(
        f"when {item} in (pa_code({sql_value(name)}), pa_code(strip_accents({sql_value(name)}))) "
        f"then {sql_value(code)}"
        for code, name in read_wellbeing_goals().select("goal_code", "goal_name_cy").rows()
    )
    return f"(case {branches} end)"


def list_sql(column: str, value: str, allowed: list[str]) -> str:
    """SQL: a list column's value normalised: items coded, aliased, de-duplicated, sorted.

    A value whose items are all codes of ``allowed`` already (nearly every row) is only sorted
    and de-duplicated; the item by item path runs for the rest.
    """
    item = "(" + "|".join(re.escape(a) for a in allowed) + ")"
    exact = f"{item}(;{item})*"
    code = "pa_code(i)"
    if column == "wellbeing_goals":  # 'A healthier Wales', 'A Wales of cohesive communities'
        code = (
            "regexp_replace(regexp_replace(regexp_replace(pa_code(i), '^a_', ''), "
            "'^wales_of_', ''), '_wales$', '')"
        )
    mapped = case_lookup("c", code_aliases(column), "c")
    if column == "wellbeing_goals":  # 'Cymru iachach': the Welsh names of reference.wellbeing_goals
        mapped = f"coalesce({_welsh_goal_sql('c')}, {mapped})"
    return f"""(case when {value} is null then null
        when regexp_full_match({value}, {sql_value(exact)}) then
            array_to_string(list_sort(list_distinct(string_split({value}, ';'))), ';')
        when lower(trim({value})) in ({_not_known_sql()}) then {value}
        else nullif(array_to_string(list_sort(list_distinct(list_filter(list_transform(
            list_transform(string_split(regexp_replace({value}, '[,|/]', ';', 'g'), ';'),
                           i -> {_coded(code, "i")}), c -> {mapped}), c -> c <> ''))), ';'), '')
        end)"""


DATE_HELP_EN = (
    "expected a day such as 2024-04-01, 01/04/2024 (day first) or 1 April 2024, or a month "
    "such as April 2024"
)
DATE_HELP_CY = (
    "disgwylir diwrnod fel 2024-04-01, 01/04/2024 (y diwrnod yn gyntaf) neu 1 Ebrill 2024, neu "
    "fis fel Ebrill 2024"
)
ISO_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}([ T].*)?"
DAY_FIRST = r"[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-][0-9]{4}"
TWO_DIGIT_YEAR = r"[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-][0-9]{2}"
YEAR_FIRST = r"[0-9]{4}[/.][0-9]{1,2}[/.][0-9]{1,2}"  # 2024/04/01, 2024.04.01
ORDINAL = (
    r"(st|nd|rd|th|af|il|ydd|ed|fed|eg|ain)?"  # 1st, 2nd; 1af, 2il, 3ydd, 5ed, 7fed, 11eg, 21ain
)
DAY_MONTH_YEAR = rf"[0-9]{{1,2}}{ORDINAL} [a-z]+,? [0-9]{{4}}"  # 1 April 2024, 01-Apr-2024
MONTH_DAY_YEAR = r"[a-z]+ [0-9]{1,2}(st|nd|rd|th)?,? [0-9]{4}"  # April 1, 2024
TWO_DIGIT_YEAR_WORD = rf"[0-9]{{1,2}}{ORDINAL} [a-z]+,? [0-9]{{2}}"  # 01-Apr-24 (Excel's d-mmm-yy)
MONTH_YEAR = r"[a-z]+,? [0-9]{4}"
NUMERIC_MONTH = r"[0-9]{4}-[0-9]{1,2}|[0-9]{1,2}/[0-9]{4}"
# Before the forms are matched, the text is lower case with single spaces and: a weekday name
# in front is dropped ("Tuesday 1 April 2024", "Tue, 01 Apr 2024", "dydd Mawrth 1 Ebrill 2024":
# Welsh only after "dydd", as "Mawrth" alone is March); so are "the"/"y" before the day, "of"/"o"
# (and "fis") after it, and "mis" before a month; a "-", "." or "/" between a number and a
# month name is a space ("01-Apr-2024", "1.Apr.2024", "Apr-2024"); a time after the date is
# dropped ("01/04/2024 00:00", "1 April 2024 09:30").
WEEKDAY = (
    r"^((mon|tue|wed|thu|fri|sat|sun)[a-z]*|dydd (llun|mawrth|mercher|iau|gwener|sadwrn|sul))"
    r",? "
)
TIME_AFTER = r" [0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?( ?[ap]\.?m\.?)?$"


def date_columns(column: str, prefix: str) -> tuple[list[str], list[str], str]:
    """The date rules as SQL in layers over the sent value ``"<column>__sent"``: (text columns,
    part columns, the struct expression ``{v, p, en, cy}``).

    Written as columns rather than one macro: a DuckDB macro copies its argument expression
    wherever its body names it, and the date forms name the text some thirty times.
    """
    x, y = sent(column), f"{prefix}_y"
    spaced = rf"lower(regexp_replace({x}, '\s+', ' ', 'g'))"
    for pattern, replacement in (
        (WEEKDAY, ""),
        (r"^(the|y) ([0-9])", r"\2"),  # "the 1st of April 2024", "y 1af o Ebrill 2024"
        (r"^([0-9]{1,2}[a-z]*) (of|o) (fis )?", r"\1 "),  # "1 o Fawrth 2024", "1 o fis Mawrth"
        (r"^(mis|fis) ", ""),  # "mis Ebrill 2024" (the month of April)
        (r"([0-9])[-./]([a-z])", r"\1 \2"),
        (r"^([0-9]{1,2}[a-z]+)[-./]([a-z])", r"\1 \2"),  # 2nd-Apr-2024
        (r"([a-z])[-./]([0-9])", r"\1 \2"),
        (TIME_AFTER, ""),
    ):
        spaced = f"regexp_replace({spaced}, {sql_value(pattern)}, {sql_value(replacement)})"
    text = [
        (
            f"case when {x} is not null and not regexp_full_match({x}, {sql_value(ISO_DAY)}) "
            f"then {spaced} end as {y}"
        )
    ]
    parts = [
        f"try_cast(regexp_extract({y}, '([0-9]{{4}})', 1) as integer) as {prefix}_year",
        "coalesce("
        + _month(f"regexp_extract({y}, '^[0-9]+[a-z]* ([a-z]+)', 1)")
        + ", "
        + _month(f"regexp_extract({y}, '^([a-z]+)', 1)")
        + f") as {prefix}_month_word",
        (
            f"coalesce(try_cast(regexp_extract({y}, '^[0-9]{{4}}-([0-9]{{1,2}})$', 1) as integer), "
            f"try_cast(regexp_extract({y}, '^([0-9]{{1,2}})/[0-9]{{4}}$', 1) as integer)) "
            f"as {prefix}_month_number"
        ),
        (
            f"coalesce(try_cast(regexp_extract({y}, '^([0-9]{{1,2}})', 1) as integer), "
            f"try_cast(regexp_extract({y}, '^[a-z]+ ([0-9]{{1,2}})', 1) as integer)) "
            f"as {prefix}_day"
        ),
        (
            f"case when regexp_full_match({y}, {sql_value(DAY_FIRST)}) then "
            rf"try_strptime(regexp_replace({y}, '[.\-]', '/', 'g'), '%d/%m/%Y')::date end "
            f"as {prefix}_dmy"
        ),
        (
            f"case when regexp_full_match({y}, {sql_value(YEAR_FIRST)}) then "
            f"try_strptime(replace({y}, '.', '/'), '%Y/%m/%d')::date end as {prefix}_ymd"
        ),
    ]
    year, word, number, day = (
        f"{prefix}_{k}" for k in ("year", "month_word", "month_number", "day")
    )
    month = f"coalesce({word}, {number})"
    first = f"make_date({year}, {month}, 1)"
    month_value = f"last_day({first})" if column == "end_date" else first
    none = "null::varchar"

    def ok(value: str, precision: str) -> str:
        return f"struct_pack(v := ({value})::date, p := {sql_value(precision)}, en := {none}, cy := {none})"

    def bad(en_after: str, cy_before: str, cy_after: str) -> str:
        en = f"concat({sql_value(column + ' ' + chr(39))}, {x}, {sql_value(chr(39) + ' ' + en_after)})"
        cy = f"concat({sql_value(cy_before + chr(39))}, {x}, {sql_value(chr(39) + cy_after)})"
        return f"struct_pack(v := null::date, p := {none}, en := {en}, cy := {cy})"

    struct = f"""case when {x} is null then null
        when {y} is null and try_strptime(left({x}, 10), '%Y-%m-%d') is not null
            then {ok(f"strptime(left({x}, 10), '%Y-%m-%d')", "day")}
        when {prefix}_dmy is not null then {ok(f"{prefix}_dmy", "day")}
        when {prefix}_ymd is not null then {ok(f"{prefix}_ymd", "day")}
        when regexp_full_match({y}, '[0-9]{{5}}(\\.0+)?')
            then {ok(f"date '1899-12-30' + to_days(left({y}, 5)::integer)", "day")}
        when (regexp_full_match({y}, {sql_value(DAY_MONTH_YEAR)})
              or regexp_full_match({y}, {sql_value(MONTH_DAY_YEAR)})) and {word} is not null
             and try(make_date({year}, {word}, {day})) is not null
            then {ok(f"try(make_date({year}, {word}, {day}))", "day")}
        when ((regexp_full_match({y}, {sql_value(MONTH_YEAR)}) and {word} is not null)
              or regexp_full_match({y}, {sql_value(NUMERIC_MONTH)}))
             and {month} between 1 and 12 and {year} between 1000 and 9999
            then {ok(month_value, "month")}
        when regexp_full_match({y}, '[0-9]{{4}}') then {
        bad(
            "is a year alone, which does not say which financial year: give the day "
            "(01/04/2024) or at least the month (April 2024)",
            f"blwyddyn yn unig yw {column} ",
            ", nad yw'n dweud pa flwyddyn ariannol: rhowch y diwrnod (01/04/2024) neu o leiaf "
            "y mis (Ebrill 2024)",
        )
    }
        when regexp_full_match({y}, {sql_value(TWO_DIGIT_YEAR)})
             or (regexp_full_match({y}, {sql_value(TWO_DIGIT_YEAR_WORD)}) and {word} is not null)
             then {
        bad(
            "has a two-digit year: write the year in full, e.g. 01/04/2024",
            f"mae blwyddyn dau ddigid yn {column} ",
            ": ysgrifennwch y flwyddyn yn llawn, e.e. 01/04/2024",
        )
    }
        else {
        bad("is not a date: " + DATE_HELP_EN, f"nid yw {column} ", " yn ddyddiad: " + DATE_HELP_CY)
    }
        end"""
    return text, parts, struct


@lru_cache(maxsize=1)
def _redactor() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    install(con)
    return con


def council_labels() -> dict[str, str]:
    """Local authority code -> one bilingual label per council, 'Cardiff Council / Cyngor
    Caerdydd' (the first English and the first Welsh name of ``COUNCIL_NAMES_CSV``): the
    template's la_code drop-down offers these, and the loader reads each as its council."""
    with open(COUNCIL_NAMES_CSV, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    names: dict[str, dict[str, str]] = {}
    for row in rows:
        names.setdefault(row["la_code"], {}).setdefault(row["language"], row["council_name"])
    return {
        code: " / ".join(dict.fromkeys(n for n in (by.get("en"), by.get("cy")) if n))
        for code, by in sorted(names.items())
    }


def shown_value(value: object, language: str = "en") -> str:
    """``value`` as a message shows it: each invisible character (``INVISIBLE_CLASS``) named in
    words, '[zero-width space]' ('[bwlch lled sero]' in Welsh): the ``pa_shown`` rule."""
    text = str(value)
    if not any(c != " " and unicodedata.category(c) in ("Cf", "Zs", "Zl", "Zp") for c in text):
        return text  # the cheap test, in Python; the rule itself is the macro
    return _redactor().execute("select pa_shown(?, ?)", [text, language]).fetchone()[0]


def redact_text(value: object) -> str | None:
    """``value`` as text with personal data replaced by '[removed]' (the ``pa_redact`` rule);
    ``None`` stays ``None``. For text a partner sent that is stored or shown outside the SQL
    pass: notes and errors in ``quality.submissions``, log lines."""
    if value is None:
        return None
    return _redactor().execute("select pa_redact(?)", [str(value)]).fetchone()[0]


# ---------------------------------------------------------------------------------------------
# the normalised row relation

# Reference lookups the location rules read (temporary tables made by ``assets.load_reference``):
#   _pa_lsoa21(lsoa21_code, la_code, la_name_en, la_name_cy)      2021 LSOAs of Wales
#   _pa_lsoa11(lsoa11_code, n21, lsoa21_code, lsoa21_list, la_code, la_name_en, la_name_cy)
#                                                                   2011 -> 2021
#   _pa_postcodes(postcode_key, n21, lsoa21_code, lsoa21_list, la_code, la_name_en, la_name_cy)
#   _pa_la_names(name_key, la_code)                                 English, Welsh, council names
#   _pa_points(latitude, longitude, lsoa21_code, la_code, la_name_en, la_name_cy)  placed points
PARSED = {  # column -> (struct column, macro call on the sent value)
    "latitude": ("_lat", "pa_degrees({x}, 'latitude')"),
    "longitude": ("_lon", "pa_degrees({x}, 'longitude')"),
    "start_date": ("_start", None),
    "end_date": ("_end", None),
    "participant_count": ("_participants", "pa_count(pa_spaces({x}), 'participant_count')"),
    "funding_gbp": ("_funding", "pa_amount(pa_spaces({x}))"),
    "is_example_data": ("_example", "pa_bool({x}, 'is_example_data')"),
}
LOCATION_PROBLEMS = ("lsoa_code", "la_code", "postcode")


def sent(column: str) -> str:
    return quote_ident(f"{column}__sent")


CLOSED_LISTS = (
    "sectors",
    "wellbeing_goals",
    "action_category",
    "activity_type",
    "partnership_maturity",
)
# Columns normalised once per distinct value (each group is one dictionary table, built from one
# scan of the file by ``build_dictionaries``); the row pass joins them.
GROUPS: dict[str, tuple[str, ...]] = {
    "codes": ("action_category", "activity_type", "partnership_maturity"),
    "sectors": ("sectors",),
    "goals": ("wellbeing_goals",),
    "start": ("start_date",),
    "end": ("end_date",),
    "numbers": ("participant_count", "funding_gbp", "is_example_data"),
    "location": ("lsoa_code", "la_code", "postcode", "latitude", "longitude"),
}
GROUPED = sorted({c for cs in GROUPS.values() for c in cs})
# Columns stored as the partner sent them that are not free text (the contract marks no
# ``redaction``): the partner's reference and name. They cannot have personal details replaced
# (they identify the row), so a value holding any is quarantined instead (``verbatim_problem``).
VERBATIM_COLUMNS = tuple(
    c
    for c in pc.loaded_submitted_columns()
    if c not in GROUPED and not pc.prop_custom(c, "redaction")
)
PERSONAL_IN_EN = (
    "{column} '{value}' holds an e-mail address, phone number or postcode (shown here as "
    "[removed]), which is never stored: send {column} without personal details"
)
PERSONAL_IN_CY = (
    "mae {column} '{value}' yn cynnwys cyfeiriad e-bost, rhif ffôn neu god post (a ddangosir "
    "yma fel [removed]), nad yw byth yn cael ei storio: anfonwch {column} heb fanylion personol"
)


def verbatim_problem(column: str) -> tuple[str, str]:
    """SQL: the English and Welsh problem of a ``VERBATIM_COLUMNS`` value that holds personal
    details (``pa_personal``), quoting it redacted; null otherwise."""
    x = sent(column)
    out = []
    for text in (PERSONAL_IN_EN, PERSONAL_IN_CY):
        before, after = text.replace("{column}", column).split("{value}")
        out.append(
            f"case when pa_personal({x}) then concat({sql_value(before)}, pa_redact({x}), "
            f"{sql_value(after)}) end"
        )
    return out[0], out[1]


def _sent_column(column: str, columns: list[str]) -> str:
    if column not in columns:
        return f"null::varchar as {sent(column)}"
    if column in pc.redaction_columns("free_text"):  # the contract's redaction: free_text
        return f"pa_redact(pa_blank(s.{quote_ident(column)})) as {sent(column)}"
    return f"pa_blank(s.{quote_ident(column)}) as {sent(column)}"


def _grouping_id(group: tuple[str, ...], everything: list[str]) -> int:
    """DuckDB's grouping_id: bit i (most significant first) is 1 when column i is not grouped."""
    value = 0
    for column in everything:
        value = (value << 1) | (0 if column in group else 1)
    return value


def raw(column: str) -> str:
    return quote_ident(f"{column}__raw")


def _raw_column(column: str, columns: list[str]) -> str:
    """The value of ``column`` as sent (null when the file has no such column), as ``raw``."""
    value = f"s.{quote_ident(column)}" if column in columns else "null::varchar"
    return f"{value} as {raw(column)}"


def keys_sql(source: str, columns: list[str]) -> str:
    """One scan of ``source``: the distinct values, as sent, of every group (``GROUPS``), each
    row tagged with its group (``_group``)."""
    sets = ", ".join("(" + ", ".join(raw(c) for c in cs) + ")" for cs in GROUPS.values())
    all_keys = ", ".join(raw(c) for c in GROUPED)
    case = " ".join(
        f"when grouping_id({all_keys}) = {_grouping_id(cs, GROUPED)} then {sql_value(name)}"
        for name, cs in GROUPS.items()
    )
    values = ", ".join(_raw_column(c, columns) for c in GROUPED)
    return (
        f"select case {case} end as _group, {all_keys} "
        f"from (select {values} from {source} s) group by grouping sets ({sets})"
    )


def dictionary_sql(group: str, keys: str, allowed: dict[str, list[str]]) -> str:
    """The normalised values (and normalisation problems) of one group's distinct sent values."""
    rows = (
        f"(select {', '.join(raw(c) for c in GROUPS[group])}, "
        + ", ".join(f"pa_blank({raw(c)}) as {sent(c)}" for c in GROUPS[group])
        + f" from {keys} where _group = {sql_value(group)})"
    )
    if group == "codes":
        codes = ", ".join(f"{code_sql(c, sent(c), allowed[c])} as {c}" for c in GROUPS[group])
        named = " or ".join(_named_sql(c, sent(c)) for c in GROUPS[group])
        return f"select *, {codes}, {named} as _named_code from {rows}"
    if group in ("sectors", "goals"):
        column = GROUPS[group][0]
        return (
            f"select *, {list_sql(column, sent(column), allowed[column])} as {column} from {rows}"
        )
    if group in ("start", "end"):
        column = GROUPS[group][0]
        prefix = PARSED[column][0]
        text, parts, struct = date_columns(column, prefix)
        return (
            f"with d1 as (select *, {', '.join(text)} from {rows}), "
            f"d2 as (select d1.*, {', '.join(parts)} from d1), "
            f"d3 as (select {raw(column)}, {sent(column)}, {struct} as {prefix} from d2) "
            f"select *, {prefix}.v as {column}, {prefix}.p as {column}_precision from d3"
        )
    if group == "numbers":
        parsed = ", ".join(
            f"{PARSED[c][1].format(x=sent(c))} as {PARSED[c][0]}" for c in GROUPS[group]
        )
        return (
            f"select *, _participants.v as participant_count, _funding.v as funding_gbp, "
            f"coalesce(_example.v, false) as is_example_data from (select *, {parsed} from {rows})"
        )
    if group == "location":
        return LOCATION_SQL.format(
            rows=rows,
            keys=", ".join(f"{raw(c)}, {sent(c)}" for c in GROUPS["location"]),
            lsoa=sent("lsoa_code"),
            la=sent("la_code"),
            pc=sent("postcode"),
            lat=sent("latitude"),
            lon=sent("longitude"),
            lsoa_by=_resolved("_lsoa", otherwise="_lsoa_given"),
            la_by=_resolved("_la"),
            la_name_by=_resolved("_la_name"),
            la_cy_by=_resolved("_la_cy"),
        )
    raise KeyError(group)


# How the LSOA was found (``lsoa_resolved_from``) -> the prefix of the columns of the lookup read
RESOLVED_FROM = {
    "lsoa_code": "_l21",
    "lsoa_code_2011": "_l11",
    "postcode": "_pc",
    "coordinates": "_pt",
}


def _resolved(suffix: str, otherwise: str = "null") -> str:
    """SQL: the column ``<prefix><suffix>`` of the lookup the LSOA was found in (``otherwise``
    when it was not found)."""
    branches = " ".join(f"when '{way}' then {p}{suffix}" for way, p in RESOLVED_FROM.items())
    return f"case lsoa_resolved_from {branches} else {otherwise} end"


LOCATION_SQL = """
with n as (
    select {keys},
        pa_degrees({lat}, 'latitude') as _lat,
        pa_degrees({lon}, 'longitude') as _lon,
        pa_code_text({lsoa}) as _lsoa_given,
        pa_postcode_key({pc}) as _pc_key,
        case when regexp_full_match(pa_code_text({la}), 'W06[0-9]{{6}}')
             then pa_code_text({la}) end as _la_code_given,
        case when {la} is not null and not regexp_full_match(pa_code_text({la}), 'W06[0-9]{{6}}')
             then pa_name_key({la}) end as _la_key
    from {rows}
),
j as (
    select n.*,
        l21.lsoa21_code as _l21_lsoa,
        l21.la_code as _l21_la, l21.la_name_en as _l21_la_name, l21.la_name_cy as _l21_la_cy,
        l11.n21 as _l11_n, l11.lsoa21_code as _l11_lsoa, l11.lsoa21_list as _l11_list,
        l11.la_code as _l11_la, l11.la_name_en as _l11_la_name, l11.la_name_cy as _l11_la_cy,
        pc.n21 as _pc_n, pc.lsoa21_code as _pc_lsoa, pc.la_code as _pc_la,
        pc.la_name_en as _pc_la_name, pc.la_name_cy as _pc_la_cy,
        pc.postcode_key is not null as _pc_found,
        nm.la_code as _la_by_name,
        pt.lsoa21_code as _pt_lsoa, pt.la_code as _pt_la, pt.la_name_en as _pt_la_name,
        pt.la_name_cy as _pt_la_cy
    from n
    left join _pa_lsoa21 l21 on l21.lsoa21_code = n._lsoa_given
    left join _pa_lsoa11 l11 on l11.lsoa11_code = n._lsoa_given
    left join _pa_postcodes pc on pc.postcode_key = n._pc_key
    left join _pa_la_names nm on nm.name_key = n._la_key
    left join _pa_points pt on pt.latitude = n._lat.v and pt.longitude = n._lon.v
        and n._lsoa_given is null and n._pc_key is null
),
r as (
    select j.*,
        case when _lsoa_given is not null then
                 case when _l21_la is not null then 'lsoa_code'
                      when _l11_n = 1 then 'lsoa_code_2011' end
             when _pc_n = 1 then 'postcode'
             when _pc_key is null and _pt_lsoa is not null then 'coordinates'
        end as lsoa_resolved_from
    from j
)
select {keys}, _lat, _lon, _lsoa_given, _pc_key, lsoa_resolved_from,
    {lsoa_by} as lsoa_code,
    {la_by} as lsoa_la_code,
    {la_name_by} as lsoa_la_name,
    {la_cy_by} as lsoa_la_name_cy,
    _pc_la as postcode_la_code, _pc_la_name as postcode_la_name, _pc_la_cy as postcode_la_name_cy,
    coalesce(_la_code_given, _la_by_name, {la_by},
             case when _lsoa_given is null and _pc_found then _pc_la end) as la_code,
    coalesce(pa_postcode(_pc_key), upper({pc})) as postcode,
    _lat.v as latitude,
    _lon.v as longitude,
    case when _lsoa_given is not null and _l21_la is null and _l11_n > 1 then
        concat('LSOA ', _lsoa_given, ' is a 2011 code that was split into several 2021 LSOAs (',
               _l11_list, '): give the 2021 code where the activity took place') end
        as lsoa_code__problem,
    case when _lsoa_given is not null and _l21_la is null and _l11_n > 1 then
        concat('mae LSOA ', _lsoa_given, ' yn god 2011 a rannwyd yn sawl LSOA 2021 (',
               _l11_list, '): rhowch y cod 2021 lle digwyddodd y gweithgaredd') end
        as lsoa_code__problem_cy,
    case when {la} is not null and _la_code_given is null and _la_by_name is null
        then concat('unknown local authority ''', {la}, ''': expected a code ',
             'W06...... or the English or Welsh name of one of the 22 local authorities ',
             '(e.g. Cardiff, Caerdydd, Cyngor Sir Penfro)') end as la_code__problem,
    case when {la} is not null and _la_code_given is null and _la_by_name is null
        then concat('awdurdod lleol anhysbys ''', {la}, ''': disgwylir cod ',
             'W06...... neu enw Cymraeg neu Saesneg un o''r 22 awdurdod lleol ',
             '(e.e. Caerdydd, Cardiff, Cyngor Sir Penfro)') end as la_code__problem_cy,
    case when _lsoa_given is null and _la_code_given is null and _la_by_name is null
          and pa_postcode(_pc_key) is not null and not _pc_found then
        concat('postcode ', pa_postcode(_pc_key), ' is not in the WIMD postcode lookup of ',
               'Welsh postcodes: check it, or give lsoa_code or la_code') end
        as postcode__problem,
    case when _lsoa_given is null and _la_code_given is null and _la_by_name is null
          and pa_postcode(_pc_key) is not null and not _pc_found then
        concat('nid yw''r cod post ', pa_postcode(_pc_key), ' yng nghyfeirlyfr codau post ',
               'WIMD yng Nghymru: gwiriwch ef, neu rhowch lsoa_code neu la_code') end
        as postcode__problem_cy,
    _lat.v is not null and _lon.v is not null and _lsoa_given is null and _pc_key is null
        and _la_code_given is null and _la_by_name is null and _pt_lsoa is null
        as _needs_point
from r"""


def build_dictionaries(
    con,
    source: str,
    columns: list[str],
    allowed: dict[str, list[str]],
    rescan: bool = True,
    flags: dict[str, list[str]] | None = None,
) -> None:
    """Create the temporary dictionary tables ``_pa_d_<group>`` of ``source``: one scan for the
    distinct values as sent (``_pa_keys``; kept when ``rescan`` is false, e.g. after placing
    coordinates), then each group's normalisation once per distinct value, with ``flags[group]``
    (SQL select items over the normalised values, aliased ``t``: the rules of that group,
    evaluated once per distinct value too)."""
    if rescan:
        con.execute(f"create or replace temp table _pa_keys as {keys_sql(source, columns)}")
    for group in GROUPS:
        extra = ", ".join((flags or {}).get(group, []))
        con.execute(
            f"create or replace temp table _pa_d_{group} as select t.*{', ' + extra if extra else ''} "
            f"from ({dictionary_sql(group, '_pa_keys', allowed)}) t"
        )


# Rows that are not activities: a totals row ('Total' / 'Cyfanswm' and sums) or the header row
# repeated (two files pasted together). Each is quarantined once, with the one reason below,
# instead of a problem per empty or unreadable column.
TOTAL_CELL = r"^(grand |sub[ -]?|is[ -]?)?(totals?|sum|cyfanswm|cyfansymiau|gyfanswm)\b"
TOTALS_EN = (
    "this row looks like a totals row (it holds '{value}' and numbers only), not an activity: "
    "remove it from the file (totals are worked out from the activity rows)"
)
TOTALS_CY = (
    "mae'r rhes hon yn edrych fel rhes gyfansymiau (mae'n cynnwys '{value}' a rhifau yn unig), "
    "nid gweithgaredd: tynnwch hi o'r ffeil (caiff cyfansymiau eu cyfrifo o resi'r gweithgareddau)"
)
HEADER_AGAIN_EN = (
    "this row repeats the header row (its cells are column names, such as '{value}'), not an "
    "activity: remove it (the header row is needed once, above the activity rows)"
)
HEADER_AGAIN_CY = (
    "mae'r rhes hon yn ailadrodd y rhes benawdau (enwau colofnau yw ei chelloedd, fel "
    "'{value}'), nid gweithgaredd: tynnwch hi (mae angen y rhes benawdau unwaith, uwchben rhesi'r "
    "gweithgareddau)"
)
NOTE_EN = (
    "this row looks like a note, not an activity (only column {column} is filled: '{value}'): "
    "notes belong in a separate sheet or file, not among the activity rows"
)
NOTE_CY = (
    "mae'r rhes hon yn edrych fel nodyn, nid gweithgaredd (dim ond colofn {column} sydd wedi'i "
    "llenwi: '{value}'): dylai nodiadau fod mewn dalen neu ffeil ar wahân, nid ymhlith rhesi'r "
    "gweithgareddau"
)
NOT_A_ROW = {  # rule name -> (English, Welsh); '{value}' is the total word, column name or
    # note, '{column}' the column it is in
    "file.totals_row": (TOTALS_EN, TOTALS_CY),
    "file.header_repeated": (HEADER_AGAIN_EN, HEADER_AGAIN_CY),
    "file.note_row": (NOTE_EN, NOTE_CY),
}


def _header_key_sql(value: str) -> str:
    """SQL of ``contract.header_key``: accents removed, '£' as gbp, snake_case."""
    return (
        f"trim(regexp_replace(lower(strip_accents(replace({value}, '£', 'gbp'))), "
        "'[^0-9a-z]+', '_', 'g'), '_')"
    )


def _named_sql(column: str, value: str) -> str:
    """SQL: ``value`` is a header name of ``column`` (English or Welsh, ``header_names``)."""
    keys = sorted({pc.header_key(n) for n in pc.header_names(column)})
    return f"coalesce({_header_key_sql(value)} in ({', '.join(sql_value(k) for k in keys)}), false)"


def not_a_row_sql(values: dict[str, str]) -> tuple[str, str, str]:
    """SQL over a row's values (column -> expression, trimmed) of the columns in the file: the
    struct ``{rule, value, col}`` of a totals row, of a repeated header row and of a note row,
    each null when the row is not one (``value``: its total cell, its first column name, its
    note; ``col``: the column that value is in).

    A totals row: a cell starts with a total word (``TOTAL_CELL``: Total, Sub-total, Grand total,
    Sum, Cyfanswm, Is-gyfanswm, ...) and every other value holds no letter (sums, counts).
    A repeated header: at least two values are a header name of their own column (English or
    Welsh, ``contract.header_names``) and they are at least half of the row's values.
    A note row ('Notes: figures for Q1 are provisional.' under the data, or a heading between
    rows), wherever it is in the file: exactly one value is filled, and it cannot be an
    activity_id or a code: it holds a space or is longer than activity_id's ``maxLength``. A row
    with one short word or reference alone ('A-010', 'Notes') or with two values or more is
    judged as an activity (its empty required columns are reported).

    Each test is written once and bound by a lambda: DuckDB hoists a subexpression written
    twice out of the ``case`` guarding it, which would run it on every row."""
    if not values:
        return "null", "null", "null"
    names = ", ".join(sql_value(c) for c in values)

    def first_marked(marks: list[str], test: str, rule: str) -> str:
        # the row's values (v) and marks (k): the rule, the first value marked 1 and its column
        # when the marks pass ``test`` (over their sum, s)
        return (
            f"list_transform([struct_pack(v := [{', '.join(values.values())}], "
            f"k := [{', '.join(marks)}])], x -> list_transform([list_sum(x.k)], s -> "
            f"case when {test} then struct_pack(rule := '{rule}', "
            f"value := x.v[list_position(x.k, 1)], "
            f"col := [{names}][list_position(x.k, 1)]) end)[1])[1]"
        )

    totals = [
        f"case when {v} is null then 0 when regexp_matches(lower({v}), {sql_value(TOTAL_CELL)}) "
        f"then 1 when regexp_matches({v}, '\\pL') then -10000 else 0 end"
        for v in values.values()
    ]
    named = [f"{_named_sql(c, v)}::int" for c, v in values.items()]
    longest_id = pc.properties()["activity_id"]["logicalTypeOptions"]["maxLength"]
    notes = [
        f"case when {v} is null then 0 when regexp_matches({v}, '\\s') "
        f"or length({v}) > {int(longest_id)} then 1 else 2 end"
        for v in values.values()
    ]
    return (
        first_marked(totals, "s >= 1", "file.totals_row"),
        first_marked(
            named,
            "s >= greatest(2, len(list_filter(x.v, y -> y is not null)) / 2)",
            "file.header_repeated",
        ),
        first_marked(notes, "s = 1", "file.note_row"),
    )


def normalised_sql(
    source: str, columns: list[str], submitted: list[str], is_example_data: bool
) -> str:
    """SQL of the normalised rows of ``source`` (a text relation, see ``reading``), aliased for
    the contract's row rules: one row per source row with the columns of
    ``raw.partnership_activity`` (typed), ``<column>__sent`` (the value as sent, trimmed; free
    text redacted), ``<column>__problem`` / ``__problem_cy`` (a value the rules above could not
    read), ``_needs_point`` (coordinates are its only location and they are not placed yet) and
    the context the reasons name (``lsoa_la_code``, ``lsoa_la_name``, ``lsoa_la_name_cy``: the
    local authority of the LSOA; ``postcode_la_code``, ``postcode_la_name``,
    ``postcode_la_name_cy``: that of the postcode in the WIMD postcode lookup). The grouped columns come
    from the dictionary tables ``build_dictionaries`` made for the same source (each distinct
    value is normalised once), joined on the values as sent. ``partner_key`` is computed once per
    distinct ``partner_organisation`` by the loader.

    Args:
        source: the text relation.
        columns: contract columns present in the file.
        submitted: every column a partner may send.
        is_example_data: files of the example inbox (every row is example data).
    """
    row_columns = ",\n        ".join(
        _raw_column(c, columns) if c in GROUPED else _sent_column(c, columns) for c in submitted
    )
    joins = "\n    ".join(
        f"left join _pa_d_{g} d_{g} on "
        + " and ".join(f"d_{g}.{raw(c)} is not distinct from b.{raw(c)}" for c in cs)
        for g, cs in GROUPS.items()
    )
    picked = ", ".join(
        f"d_{g}.* exclude ({', '.join(raw(c) for c in cs)})" for g, cs in GROUPS.items()
    )
    example = " replace (true as is_example_data)" if is_example_data else ""
    present = {c: f"t.{sent(c)}" for c in submitted if c in columns}
    # a totals row or a note leaves a required column empty
    required = [c for c in submitted if c in columns and c in pc.REQUIRED_HEADER]
    totals, header, note = not_a_row_sql(present)
    verbatim = ", ".join(
        f"{en} as {quote_ident(f'{c}__problem')}, {cy} as {quote_ident(f'{c}__problem_cy')}"
        for c in VERBATIM_COLUMNS
        for en, cy in [verbatim_problem(c)]
    )
    # cheap tests first: a totals row lacks a required value; a header row repeated has a column
    # name among its codes (``_named_code``, found once per distinct value)
    may_total = " or ".join(f"t.{sent(c)} is null" for c in required) or "false"
    may_header = "coalesce(t._named_code, false)" if "action_category" in columns else "false"
    return f"""
with b as (
    select s.source_row_number, s._field_count, s._read_problem, s._read_problem_cy, s._raw,
        s._read_rule,
        {row_columns}
    from {source} s
),
t as (
    select b.* exclude ({", ".join(raw(c) for c in GROUPED)}), {picked}
    from b
    {joins}
),
candidates as (
    -- only the rows that may be one (a filter, not a case: DuckDB evaluates the tests of a
    -- case's branches on every row, a clean 100k-row file took twice as long); one expression,
    -- as DuckDB would run a test written in two projections on every row
    select t.source_row_number,
        coalesce(case when ({may_total}) then coalesce({totals}, {note}) end,
                 case when {may_header} then {header} end) as _not_a_row
    from t
    where t._read_problem is null and (({may_total}) or {may_header})
),
t1 as (
    select t.* exclude (_named_code), c._not_a_row
    from t left join candidates c using (source_row_number)
)
select t.*{example},
    -- a row that is no activity (a totals row, the header again, a note) names none
    case when t._not_a_row is null then {sent("activity_id")} end as activity_id,
    case when t._not_a_row is null then {sent("partner_organisation")} end
        as partner_organisation,
    {sent("title")} as title,
    {sent("description")} as description,
    {verbatim},
    financial_year_label(start_date) as financial_year
from t1 t"""


def problem_columns() -> dict[str, tuple[str, str]]:
    """Column -> (SQL of its normalisation problem in English, in Welsh)."""
    out = {c: (f"{name}.en", f"{name}.cy") for c, (name, _) in PARSED.items()}
    for c in (*LOCATION_PROBLEMS, *VERBATIM_COLUMNS):
        out[c] = (quote_ident(f"{c}__problem"), quote_ident(f"{c}__problem_cy"))
    return out
