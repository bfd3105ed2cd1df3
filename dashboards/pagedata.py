"""Page data: pure functions that turn the published tables into what each page shows.

Nothing here reads a file, opens a database or renders HTML: every function takes the published
tables (polars frames, via ``Site``) and a ``Translator`` and returns plain dicts and lists, so the
pages can be tested without a browser or the shared data. ``build.py`` renders them with the
Jinja2 templates.

Rates and shares come from the marts (per 10,000 people everywhere); this module only picks,
labels and formats them. Area levels are described once in ``LEVELS``: a new level (MSOA,
Public Services Board, health board) is a new ``Level`` plus its profile function.
"""

import bisect
import json
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter

import polars as pl
from markupsafe import Markup

from dashboards import charts
from dashboards.colours import MISSING_FILL, viridis
from dashboards.i18n import Translator, missing, mutated, rounded, unit_kind

CATEGORIES = ("all", "shared_purpose", "governance", "financial_mechanism")
ACTION_CATEGORIES = CATEGORIES[1:]  # the three action categories, without their total ("all")
DECILES = range(1, 11)  # WIMD deciles: 1 = most deprived
# the profile marts' columns per category: activity_count, shared_purpose_count, ... and _per_10k
COUNT_COL = {c: f"{'activity' if c == 'all' else c}_count" for c in CATEGORIES}
RATE_COL = {c: f"{'activity' if c == 'all' else c}_per_10k" for c in CATEGORIES}
DOMAINS = (
    "income",
    "employment",
    "health",
    "education",
    "access_to_services",
    "housing",
    "community_safety",
    "physical_environment",
)
WALES = "W92000004"
FOCUSABLE_AREAS = 300  # maps with more areas are not tabbed through shape by shape


@dataclass(frozen=True)
class Level:
    """An area level with pages. The marts name a level's columns and profile mart after its
    column prefix and area type: ``<prefix>_code``, ``<prefix>_name_en`` / ``_cy`` and
    ``marts.<area_type>_profile``; its pages are in the folder ``<key>``."""

    key: str
    area_type: str  # as marts.goal_indicators and marts.similar_areas name it
    prefix: str

    @property
    def code_col(self) -> str:
        return f"{self.prefix}_code"

    @property
    def table(self) -> str:
        return f"marts.{self.area_type}_profile"

    def page(self, code: str) -> str:
        """An area's page from the language root (``la/W06000015.html``); the profile pages,
        one folder down, link it as ``../`` + this."""
        return f"{self.key}/{code}.html"


LEVELS = {
    "la": Level("la", "local_authority", "la"),
    "lsoa": Level("lsoa", "lsoa", "lsoa"),
    "psb": Level("psb", "public_services_board", "psb"),
    "hb": Level("hb", "health_board", "lhb"),
    "msoa": Level("msoa", "msoa", "msoa"),
}
GROUP_LEVELS = ("psb", "hb", "msoa")  # levels whose profile is built by ``group_profile``


def name(row: dict, prefix: str, lang: str) -> str:
    """The area's name in ``lang``, falling back to English where no Welsh name exists."""
    if lang == "cy" and row.get(f"{prefix}_name_cy"):
        return row[f"{prefix}_name_cy"]
    return row.get(f"{prefix}_name_en") or row.get(f"{prefix}_code") or ""


def proper_name(row: dict, prefix: str, lang: str) -> Markup:
    """The name as HTML; on a Welsh page marked ``translate="no"`` where it is the same in both
    languages (a proper name such as 'The Elms'), ``lang="en"`` where only an English name
    exists."""
    en, cy = row.get(f"{prefix}_name_en"), row.get(f"{prefix}_name_cy")
    if lang == "cy" and en and cy == en:
        return Markup('<span translate="no">{}</span>').format(en)
    if lang == "cy" and en and not cy:
        return Markup('<span lang="en">{}</span>').format(en)
    return Markup.escape(name(row, prefix, lang))


def json_script(obj: object) -> Markup:
    """JSON safe inside ``<script type="application/json">``."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def fold(text: str) -> str:
    """Lower case without accents, for matching 'Ynys Mon' to 'Ynys Môn'."""
    norm = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in norm if not unicodedata.combining(c))


def localised(t: Translator, row: dict, stem: str, en: str | None = None) -> str | None:
    """``row[<stem>_cy]`` on a Welsh page where it has one, else ``row[en]`` (default
    ``<stem>_en``)."""
    return (row.get(f"{stem}_cy") if t.lang == "cy" else None) or row.get(en or f"{stem}_en")


def extract_href(site: "Site", code: str) -> str | None:
    """The link from a profile page to the per-area CSV extract publish wrote for ``code``."""
    extract = site.downloads.get("areas", {}).get(code)
    return f"../../data/{extract}" if extract else None


def captioned(t: Translator, heading: str) -> str:
    """A data table's caption: the heading of what it holds, marked as the table of it."""
    return f"{heading} – {t('table_caption_suffix')}"


def decile_label(t: Translator, decile: int) -> str:
    """A WIMD decile as a chart and table label: 1 and 10 say most and least deprived."""
    return {1: t("decile_most"), 10: t("decile_least")}.get(decile, str(decile))


def grouped(rows, key) -> dict:
    """``rows`` in lists by ``key(row)``, in the order given."""
    out: dict = {}
    for r in rows:
        out.setdefault(key(r), []).append(r)
    return out


def missing_last(value: object) -> tuple:
    """A sort key that puts a missing number (None, NaN) after every present one."""
    return (True, 0) if missing(value) else (False, value)


def cell(t: Translator, kind: str, value: object) -> tuple:
    """A table cell of a number: as shown in format ``kind``, and the value to sort by."""
    return (t.fmt(kind, value), value)


def bar(label: str, t: Translator, kind: str, value: object) -> tuple:
    """A bar of a chart: its label, its value and the value as shown in format ``kind``."""
    return (label, value, t.fmt(kind, value))


def span(t: Translator, kind: str, low: object, high: object) -> str:
    """A range or interval as shown: "low – high" in format ``kind``."""
    return f"{t.fmt(kind, low)} – {t.fmt(kind, high)}"


def qualified(label: str, *notes: str) -> str:
    """A label with its unit, period or note in brackets, "Population (Census 2021)"; the
    label alone when every note is empty."""
    notes = tuple(n for n in notes if n)
    return f"{label} ({'; '.join(notes)})" if notes else label


def numeric_column(t: Translator, field_key: str, period: str) -> tuple:
    """A table column of numbers: ``fields.<field_key>`` with the period it covers."""
    return (qualified(t(f"fields.{field_key}"), period), True)


def table(table_id: str, caption: str, columns: list, rows: list, sortable=True, filterable=False):
    """A data table: columns (label, numeric); rows of cells (display, sort key or None)."""
    return {
        "id": table_id,
        "caption": caption,
        "columns": columns,
        "rows": rows,
        "sortable": sortable,
        "filterable": filterable,
    }


def bar_table(table_id: str, caption: str, columns: list, items: list, between=None) -> dict:
    """A bar chart's data table: a row per bar, its label then its value as shown; the cells of
    ``between[i]`` (more figures of the i-th bar's row) go between the two."""
    between = between or [[] for _ in items]
    rows = [
        [(label, None), *more, (shown, value)]
        for (label, value, shown), more in zip(items, between, strict=True)
    ]
    return table(table_id, caption, columns, rows, False)


# ---------------------------------------------------------------------------------------------
# the published tables, indexed once


@dataclass
class Site:
    """The published tables the pages read, indexed by area code."""

    frames: dict[str, pl.DataFrame]
    downloads: dict = field(default_factory=dict)  # table -> {fmt: file}; area code -> file

    def __post_init__(self):
        f = self.frames
        # every level's rows and index: self.rows["psb"], self.by_code["psb"]["psb_cardiff"]
        # (publishing requires the authority and small-area marts; a missing other one is empty)
        self.rows: dict[str, list[dict]] = {
            k: [] if f.get(lv.table) is None else f[lv.table].sort(lv.code_col).to_dicts()
            for k, lv in LEVELS.items()
        }
        self.by_code = {
            k: {r[LEVELS[k].code_col]: r for r in rows} for k, rows in self.rows.items()
        }
        self.lsoas, self.las = self.rows["lsoa"], self.rows["la"]
        self.lsoa, self.la = self.by_code["lsoa"], self.by_code["la"]
        similar = f["marts.similar_areas"].sort(["area_code", "similar_rank"]).to_dicts()
        self.similar: dict[tuple[str, str], list[tuple[str, float]]] = {
            key: [(r["similar_area_code"], r["distance"]) for r in rows]
            for key, rows in grouped(similar, lambda r: (r["area_type"], r["area_code"])).items()
        }
        self.lsoas_in = grouped(self.lsoas, lambda r: r["la_code"])
        self.msoas_in = grouped(self.rows["msoa"], lambda r: r["la_code"])
        self.lsoas_in_msoa = grouped(self.lsoas, lambda r: r.get("msoa_code"))
        self.goals = f["reference.wellbeing_goals"].sort("goal_number").to_dicts()
        self.ind_ref = f["reference.indicator_goals"].to_dicts()
        gi = f["marts.goal_indicators"]
        self.latest = {k: latest_indicators(gi, lv.area_type) for k, lv in LEVELS.items()}
        # every period of every (area, indicator), oldest first: the series charts
        self.series = grouped(
            gi.sort(["area_code", "indicator_code", "period_start", "period_end"]).to_dicts(),
            lambda r: (r["area_type"], r["area_code"]),
        )
        wales = latest_indicators(gi, "country").filter(pl.col("area_code") == WALES)
        self.wales_latest = {r["indicator_code"]: r for r in wales.to_dicts()}
        # Where Wales has no value, any area's latest row carries the mart's reason (one home).
        notes = gi.filter(pl.col("is_latest") & pl.col("wales_value_note").is_not_null())
        self.wales_note = {
            r["indicator_code"]: r
            for r in notes.select("indicator_code", "wales_value_note", "wales_value_note_cy")
            .unique("indicator_code", keep="first", maintain_order=True)
            .to_dicts()
        }
        self.years = sorted(set(f["marts.activity_by_la_year"]["financial_year"].to_list()))
        self.example = any(r.get("is_example_data") for r in self.lsoas + self.las)
        self.layers: dict[str, dict] = {}  # map layers built so far, by "<geo>.<lang>"


def latest_indicators(gi: pl.DataFrame, area_type: str) -> pl.DataFrame:
    """Per (area, indicator) the row of the area's latest period (``is_latest`` in
    ``marts.goal_indicators``) for that area type."""
    return gi.filter((pl.col("area_type") == area_type) & pl.col("is_latest"))


def period_text(t: Translator, row: dict) -> str:
    """An indicator row's period label in the page's language."""
    return localised(t, row, "period_label", "period_label")


def activity_period(site: Site, t: Translator) -> str:
    if not site.years:
        return t("periods.no_activity")
    if len(site.years) == 1:
        return t("periods.financial_year", year=site.years[0])
    return t("periods.financial_years", first=site.years[0], last=site.years[-1])


# ---------------------------------------------------------------------------------------------
# measures: one definition of label, unit, period and decimals per figure


@dataclass
class Measure:
    key: str
    label: str
    unit: str
    period: str
    kind: str  # a format kind of dashboards.i18n.FORMATS
    values: list  # aligned with the map's areas
    reverse: bool = False  # True: low values darkest (WIMD: 1 = most deprived)
    domain: list | None = None  # fixed discrete classes (deciles)

    @property
    def title(self) -> str:
        """The label with its unit and period: what a legend, a column or a tooltip names."""
        return qualified(self.label, self.unit, self.period)


def unit_text(t: Translator, unit: str | None) -> str:
    return t.get(f"units.{unit}", unit) if unit else ""


def indicator_measures(t: Translator, latest: pl.DataFrame, codes: list[str]) -> list[Measure]:
    """A measure per goal indicator, by code: its latest value in each area of ``codes``."""
    out = []
    for ind, rows in sorted(grouped(latest.to_dicts(), itemgetter("indicator_code")).items()):
        by_area = {r["area_code"]: r["value"] for r in rows}
        vals = [by_area.get(c) for c in codes]
        label, unit = localised(t, rows[0], "indicator_name"), rows[0].get("unit")
        period = ", ".join(sorted({period_text(t, r) for r in rows}))
        out.append(
            Measure(f"ind_{ind}", label, unit_text(t, unit), period, unit_kind(unit, *vals), vals)
        )
    return out


def column_measure(rows: list[dict], column: str, *args, key=None, **options) -> Measure:
    """The Measure of ``column`` over ``rows``, keyed ``key`` (default: the column) (``args``:
    label, unit, period, kind; ``options``: reverse, domain)."""
    return Measure(key or column, *args, [r.get(column) for r in rows], **options)


def rate_measures(t: Translator, rows: list[dict], period: str) -> list[Measure]:
    """Activities per 10,000 people, all and by action category, as the marts compute them."""
    return [
        column_measure(
            rows,
            RATE_COL[cat],
            t("measures.activity_rate", category=t(f"categories.{cat}")),
            t("units.per_10k"),
            period,
            "dec1",
            key=f"rate_{cat}",
        )
        for cat in CATEGORIES
    ]


def lsoa_measures(site: Site, t: Translator, rows: list[dict]) -> list[Measure]:
    """Measures of the small areas' own columns: WIMD ranks and deciles, rates, population."""
    col = partial(column_measure, rows)
    wimd, rank, decile = t("periods.wimd"), t("units.rank_lsoa"), t("units.decile")
    ms = [
        col("wimd_rank", t("measures.wimd_rank"), rank, "", "int", reverse=True),
        col(
            "wimd_decile",
            t("measures.wimd_decile"),
            decile,
            "",
            "int",
            reverse=True,
            domain=list(DECILES),
        ),
        *(col(f"{d}_rank", t(f"domains.{d}"), rank, wimd, "int", reverse=True) for d in DOMAINS),
        *rate_measures(t, rows, activity_period(site, t)),
        col("population", t("fields.population"), t("units.people"), t("periods.census"), "int"),
    ]
    if rows and "loneliness_zscore" in rows[0]:
        zscore, period = t("units.zscore"), t("periods.loneliness")
        ms.append(col("loneliness_zscore", t("measures.loneliness_zscore"), zscore, period, "dec2"))
    return ms


def profile_measures(site: Site, t: Translator, rows: list[dict]) -> list[Measure]:
    """Measures of a level with the authority profile's columns (authorities, PSBs, health
    boards, MSOAs: the same deprivation shares, rates and funding)."""
    wimd, period = t("periods.wimd"), activity_period(site, t)
    shares = [
        ("share20", "share_lsoas_most_deprived_20pct", "units.pct_lsoas"),
        ("share10", "share_lsoas_most_deprived_10pct", "units.pct_lsoas"),
        ("people20", "share_people_most_deprived_20pct", "units.pct_people"),
    ]
    return [
        *(
            column_measure(rows, col, t(f"measures.{col}"), t(unit), wimd, "pct", key=key)
            for key, col, unit in shares
        ),
        *rate_measures(t, rows, period),
        column_measure(
            rows,
            "funding_per_head_gbp",
            t("measures.funding_per_head_gbp"),
            t("units.gbp_per_person"),
            period,
            "gbp2",
            key="funding_per_head",
        ),
    ]


def level_measures(site: Site, t: Translator, level: str, rows: list[dict]) -> list[Measure]:
    """Every measure of a level's map: its own columns, then its goal indicators."""
    own = lsoa_measures(site, t, rows) if level == "lsoa" else profile_measures(site, t, rows)
    return own + indicator_measures(t, site.latest[level], codes_of(level, rows))


# ---------------------------------------------------------------------------------------------
# maps


def classify(m: Measure, t: Translator, k: int = 5):
    """Quantile classes (or fixed discrete ones): per-area class string, colours, legend."""
    vals = [None if missing(v) else float(v) for v in m.values]
    present = sorted(v for v in vals if v is not None)
    edges: list[float] | None
    if m.domain is not None:
        edges, classes = None, [float(c) for c in m.domain]
    elif present and len(set(present)) <= 10 and all(v.is_integer() for v in present):
        edges, classes = None, sorted(set(present))
    else:
        edges = []
        n = len(present)
        for i in range(k + 1):
            q = present[min(round(i * (n - 1) / k), n - 1)] if n else 0.0
            if not edges or q > edges[-1] + 1e-12:
                edges.append(q)
        if len(edges) == 1:
            edges.append(edges[0])
        classes = list(range(len(edges) - 1))
    n = max(len(classes), 1)
    pos = [(i / (n - 1) if n > 1 else 0.5) for i in range(n)]
    # viridis: 0 = dark purple, 1 = yellow. Higher values darker unless reversed.
    colours = [viridis(0.05 + 0.9 * (p if m.reverse else 1 - p)) for p in pos]
    if edges is None:
        codes = [str(classes.index(v)) if v in classes else "-" for v in vals]
        labels = [t.fmt(m.kind, c) for c in classes]
    else:
        # A class holds edges[i] <= v < edges[i + 1]; the last holds its upper end too.
        last = len(edges) - 2
        codes = [
            "-" if v is None else str(min(max(bisect.bisect_right(edges, v) - 1, 0), last))
            for v in vals
        ]
        labels = [
            t(
                "map.band_last" if i == last else "map.band",
                low=t.fmt(m.kind, edges[i]),
                high=t.fmt(m.kind, edges[i + 1]),
            )
            for i in range(last + 1)
        ]
    legend = list(zip(colours, labels, strict=True))
    if "-" in codes:
        legend.append((MISSING_FILL, t("no_data")))
    return "".join(codes), colours, legend


def ward_name(t: Translator, r: dict) -> str:
    """A small area's ward as the page's language names it (ONS's Welsh name on a Welsh page)."""
    return localised(t, r, "ward_name", "ward_name") or ""


def fill(t: Translator, key: str, **values) -> Markup:
    """``t(key, ...)`` as HTML: plain values escaped, ``Markup`` values (marked names) kept."""
    template = t(key)
    if t.lang == "cy":
        template, values = mutated(template, values)
    return Markup.escape(template).format(**values)


def extremes(t: Translator, m: Measure, names: list) -> Markup:
    """Highest and lowest areas, naming an area only when it alone holds that value."""
    idx = [i for i, v in enumerate(m.values) if not missing(v)]
    if not idx:
        return fill(t, "summary.no_data", measure=m.label)

    def side(best: float, which: str) -> Markup:
        tied = [i for i in idx if m.values[i] == best]
        shown = t.fmt(m.kind, best)
        if len(tied) == 1:
            return fill(t, f"summary.{which}_one", name=names[tied[0]], value=shown)
        return fill(t, f"summary.{which}_tied", n=t.fmt("int", len(tied)), value=shown)

    hi = max(m.values[i] for i in idx)
    lo = min(m.values[i] for i in idx)
    return fill(
        t,
        "summary.high_low",
        measure=m.label,
        high=side(hi, "highest"),
        low=side(lo, "lowest"),
        n=t.fmt("int", len(idx)),
        total=t.fmt("int", len(m.values)),
    )


def measure_table(
    t: Translator, table_id: str, caption: str, heading: str, links: list, measures: list
) -> dict:
    """A map's data table: a column of links to the areas (headed ``heading``), then each
    area's value of every measure (as shown, sorted as rounded)."""
    return table(
        table_id,
        caption,
        [(heading, False)] + [(m.title, True) for m in measures],
        [
            [(link, None)]
            + [(t.fmt(m.kind, m.values[i]), rounded(m.kind, m.values[i])) for m in measures]
            for i, link in enumerate(links)
        ],
    )


def map_layer(site: Site, t: Translator, geo: str, level: str, rows: list, bounds: list) -> dict:
    """The data one boundary set's maps share (``assets/data/map-<geo>.<lang>.js``): names,
    links, and per measure its title, classes, colours, values and number format; plus the
    legend and summary of each measure for the pages. Built once per boundary set and language.
    """
    key = f"{geo}.{t.lang}"
    if key in site.layers:
        return site.layers[key]
    lv = LEVELS[level]
    measures = level_measures(site, t, level, rows)
    names = [name(r, lv.prefix, t.lang) for r in rows]
    marked = [proper_name(r, lv.prefix, t.lang) for r in rows]
    mdata, legends = {}, {}
    for m in measures:
        cls, colours, legend = classify(m, t)
        mdata[m.key] = {
            "t": m.title,
            "c": cls,
            "k": colours,
            "v": [rounded(m.kind, v) for v in m.values],
            "f": t.js_format(m.kind),
        }
        legends[m.key] = {
            "key": m.key,
            "label": m.title,
            "legend": legend,
            "summary": extremes(t, m, marked),
        }
    codes = codes_of(level, rows)
    layer = {
        "key": key,
        "geo": geo,
        "legends": legends,  # by measure key, in the measures' order
        "data": {
            "geo": geo,
            "codes": codes,
            "names": names,
            "hrefs": [lv.page(c) for c in codes],
            "bounds": bounds,
            "focusable": len(codes) <= FOCUSABLE_AREAS,
            "missing": MISSING_FILL,
            "noData": t("no_data"),
            "measures": mdata,
        },
    }
    site.layers[key] = layer
    return layer


def map_context(map_id, title, desc, layer, t, highlight=None, keys=None, whole=False) -> dict:
    """A map on a page: its picker, legends and summaries (HTML) and a small config (JSON);
    the shared layer data is loaded from ``script``, the boundaries from ``geo``. The map opens
    on the highlighted area and its neighbours, or on the whole map (``whole``) with the area
    outlined."""
    keys = keys or list(layer["legends"])  # by default every measure, in order
    return {
        "id": map_id,
        "title": title,
        "desc": desc,
        "geo": layer["geo"],
        "measures": [layer["legends"][k] for k in keys],
        "script": f"data/map-{layer['key']}.js",
        "json": json_script(
            {
                "data": layer["key"],
                "highlight": highlight,
                "whole": whole,
                "text": {
                    "zoomIn": t("map.zoom_in"),
                    "zoomOut": t("map.zoom_out"),
                    "reset": t("map.reset"),
                    "label": t("map.keyboard_label", title=title),
                    "attribution": t("attribution_os"),
                },
            }
        ),
    }


# ---------------------------------------------------------------------------------------------
# figures and tables shared by the profiles


def figure(t: Translator, row: dict, field_key: str, kind: str, note: str = "", label=None) -> dict:
    """A profile's headline figure: ``row[field_key]`` formatted as ``kind``, labelled with
    ``fields.<field_key>`` (or ``label``)."""
    value = row.get(field_key)
    return {
        "field": field_key,
        "label": label or t(f"fields.{field_key}"),
        "value": value,
        "shown": t.fmt(kind, value),
        "note": note,
    }


WITHHELD = "[c]"  # GSS symbol for a value withheld as confidential


def participants_shown(t: Translator, row: dict) -> tuple[str, float]:
    """How a single small area's participant count is shown, and its sort key.

    Counts come disclosure-controlled from the published file (``pipelines/disclosure.py``,
    applied once at publish): a withheld count (null with ``is_participant_count_suppressed``)
    shows as ``[c]``; a true zero is 0; a count no activity reported (null, not withheld) is
    "Not reported".
    """
    value = row.get("participant_count")
    if row.get("is_participant_count_suppressed"):
        return WITHHELD, 0.0
    if missing(value):
        return t("not_reported"), -1.0
    return t.fmt("int", value), float(value)


def lsoa_table(site: Site, t: Translator, rows: list[dict], table_id: str, caption: str):
    """The small areas in ``rows``, most deprived first, with their figures (a filterable table)."""
    period, wimd = activity_period(site, t), t("periods.wimd")
    numbers = [
        ("wimd_rank", "int", wimd),
        ("wimd_decile", "int", wimd),
        ("population", "int", t("periods.census")),
        ("activity_count", "int", period),
        ("activity_per_10k", "dec1", period),
    ]
    cols = [(t("fields.lsoa"), False), (t("fields.ward"), False)]
    cols += [numeric_column(t, field_key, p) for field_key, _, p in numbers]
    cols.append(numeric_column(t, "participant_count", period))  # as disclosure control left it
    body = []
    for r in sorted(rows, key=lambda r: missing_last(r.get("wimd_rank"))):
        link = Markup('<a href="{}">{}</a> <span class="code">{}</span>').format(
            "../" + LEVELS["lsoa"].page(r["lsoa_code"]),
            proper_name(r, "lsoa", t.lang),
            r["lsoa_code"],
        )
        ward = Markup('<span translate="no">{}</span>').format(ward_name(t, r))
        figures = [cell(t, kind, r.get(c)) for c, kind, _ in numbers]
        body.append([(link, None), (ward, None), *figures, participants_shown(t, r)])
    return table(table_id, caption, cols, body, filterable=True)


def similar_list(site: Site, t: Translator, level: Level, code: str) -> dict:
    """The five most similar areas of the same level, with a link to compare them all."""
    items = []
    for other, distance in site.similar.get((level.area_type, code), []):
        link = area_link(site, t, level.key, other)
        if link is None:
            continue
        r = site.by_code[level.key][other]
        parent = name(r, "la", t.lang) if level.key == "lsoa" else ""
        items.append({**link, "parent": parent, "distance": t.fmt("dec2", distance)})
    codes = ",".join([code] + [i["code"] for i in items])
    return {
        "areas": items,
        "compare_href": f"../compare.html#level={level.key}&areas={codes}",
        "method": t(f"similar.method_{level.key}"),
    }


def wales_cell(t: Translator, kind: str, value: object, row: dict) -> tuple:
    """The Wales value as shown; where there is none, "No data" with the reason
    ``marts.goal_indicators`` gives in ``row["wales_value_note"]`` (``wales_value_note_cy`` on a
    Welsh page), the one home of that reason."""
    if missing(value):
        reason = row.get("wales_value_note_cy" if t.lang == "cy" else "wales_value_note")
        return (f"{t('no_data')}: {reason}" if reason else t("no_data"), None)
    return (t.fmt(kind, value), value)


def difference_cell(t: Translator, kind: str, row: dict) -> tuple:
    """An area's difference from Wales: a difference of the two point estimates, said so, with
    the area's published 95 % interval where the source gives one (no interval is computed for
    the difference itself: the area is part of Wales, so the two are not independent)."""
    diff = row.get("difference_from_wales")
    if missing(diff):
        return (t("no_data"), None)
    shown = ("+" if diff > 0 else "") + t.fmt(kind, diff)
    lo, hi = row.get("lower_ci"), row.get("upper_ci")
    if missing(lo) or missing(hi):
        note = t("fields.difference_no_interval")
    else:
        note = t("fields.difference_area_interval", interval=span(t, kind, lo, hi))
    return (f"{shown} ({note})", diff)


def indicators_beside_wales(site: Site, t: Translator, code, area_name, level="la", parent=None):
    """The area's latest value of every indicator beside Wales in the same period, as
    ``marts.goal_indicators`` puts them side by side (``wales_value``, ``difference_from_wales``);
    "no data" where the mart has no Wales value for that period. ``parent`` (level, code) adds
    the parent area's value of the same period (an MSOA beside its local authority)."""
    mine = site.latest[level].filter(pl.col("area_code") == code).sort("indicator_code")
    columns = [(t(f"fields.{f}"), False) for f in ("indicator", "unit", "period")]
    columns.append((area_name, True))
    theirs = {}  # the parent's value by (indicator, period start, period end)
    if parent is not None:
        p_level, p_code = parent
        for r in site.series.get((LEVELS[p_level].area_type, p_code), []):
            theirs[(r["indicator_code"], r["period_start"], r["period_end"])] = r["value"]
        columns.append((name(site.by_code[p_level][p_code], LEVELS[p_level].prefix, t.lang), True))
    columns += [
        (t("fields.wales"), True),
        (t("fields.wales_period"), False),
        (t("fields.difference"), True),
        (t("fields.direction"), False),
    ]
    rows = []
    for r in mine.to_dicts():
        wales = r.get("wales_value")
        pv = theirs.get((r["indicator_code"], r["period_start"], r["period_end"]))
        kind = unit_kind(r.get("unit"), r["value"], wales, pv)
        period = period_text(t, r)
        rows.append(
            [
                (localised(t, r, "indicator_name"), None),
                (unit_text(t, r.get("unit")), None),
                (period, None),
                cell(t, kind, r["value"]),
                *([cell(t, kind, pv)] if parent is not None else []),
                wales_cell(t, kind, wales, r),
                (period if not missing(wales) else "–", None),
                difference_cell(t, kind, r),
                (t.get(f"polarity.{r.get('polarity')}", ""), None),
            ]
        )
    return table("ind-table", captioned(t, t("la.indicators_heading")), columns, rows)


def has_interval(point: dict) -> bool:
    """Whether a series point has both ends of its 95 % interval."""
    return not missing(point["lo"]) and not missing(point["hi"])


def indicator_series(site: Site, t: Translator, level: str, code: str) -> dict:
    """A small chart per indicator and period type with two or more periods: the area's values,
    their 95 % interval band where ``lower_ci``/``upper_ci`` exist, the Wales line, the latest
    value with its period and unit, and a table of every value (the chart's text alternative)."""
    rows = site.series.get((LEVELS[level].area_type, code), [])
    groups = grouped(rows, lambda r: (r["indicator_code"], r["period_type"]))
    period_types = Counter(ind for ind, _ in groups)
    out = []
    for (ind, ptype), pts in sorted(groups.items()):
        if len(pts) < 2:
            continue
        first, last = pts[0], pts[-1]
        nm = localised(t, first, "indicator_name")
        if period_types[ind] > 1:
            nm = f"{nm} ({t.get(f'period_types.{ptype}', ptype)})"
        unit = unit_text(t, first.get("unit"))
        kind = unit_kind(
            first.get("unit"),
            *(r.get(c) for r in pts for c in ("value", "lower_ci", "upper_ci", "wales_value")),
        )
        sid = f"series-{ind}-{ptype}".replace("_", "-")
        shown = partial(t.fmt, kind)
        points = [
            {
                "label": period_text(t, r),
                "start": r.get("period_start"),
                "value": r["value"],
                "lo": r.get("lower_ci"),
                "hi": r.get("upper_ci"),
                "wales": r.get("wales_value"),
            }
            for r in pts
        ]
        trows = [
            [
                (p["label"], None),
                cell(t, kind, p["value"]),
                (span(t, kind, p["lo"], p["hi"]) if has_interval(p) else "–", None),
                cell(t, kind, p["wales"]),
            ]
            for p in points
        ]
        latest = t(
            "series.latest", value=shown(last["value"]), unit=unit, period=points[-1]["label"]
        )
        if not missing(last.get("wales_value")):
            latest += " " + t("series.latest_wales", value=shown(last["wales_value"]))
        out.append(
            {
                "chart": charts.series(sid, nm, points, shown),
                "indicator": ind,
                "latest": latest,
                "latest_value": last["value"],
                "latest_period": last["period_label"],
                "unit": unit,
                "has_ci": any(has_interval(p) for p in points),
                "has_wales": any(not missing(p["wales"]) for p in points),
                "table": table(
                    f"{sid}-table",
                    t("series.table_caption", name=nm),
                    [
                        (t("fields.period"), False),
                        (qualified(t("series.area_value"), unit), True),
                        (t("fields.ci"), False),
                        (t("fields.wales"), True),
                    ],
                    trows,
                    False,
                ),
            }
        )
    return {"charts": out, "single": sum(len(pts) < 2 for pts in groups.values())}


# ---------------------------------------------------------------------------------------------
# pages


def la_map_page(
    site: Site, t: Translator, la_bounds: list, measures: list, element: str, prefix: str
):
    """A map of the 22 authorities and its data table for ``measures``: deprivation and activity
    (the overview), or the goal indicators' latest values (the indicators page). Both pages
    share the one boundary layer; each shows only its own measures."""
    la_map = map_context(
        f"{element}-map",
        t(f"{prefix}.la_map_title"),
        t(f"{prefix}.la_map_desc"),
        map_layer(site, t, "la", "la", site.las, la_bounds),
        t,
        keys=[m.key for m in measures],
    )
    links = [
        Markup('<a href="{}">{}</a>').format(LEVELS["la"].page(r["la_code"]), name(r, "la", t.lang))
        for r in site.las
    ]
    caption = captioned(t, t(f"{prefix}.la_heading"))
    heading = t("fields.local_authority")
    la_table = measure_table(t, f"{element}-table", caption, heading, links, measures)
    return {"la_map": la_map, "la_table": la_table, "example_banner": site.example}


def overview(site: Site, t: Translator, la_bounds: list) -> dict:
    """The overview: the authorities by deprivation, activity and funding."""
    return la_map_page(site, t, la_bounds, profile_measures(site, t, site.las), "la", "overview")


def indicator_map(site: Site, t: Translator, la_bounds: list) -> dict:
    """The authorities by each goal indicator's latest value (``indicators.html``); kept off
    the overview so that page stays within its budget on a phone."""
    measures = indicator_measures(t, site.latest["la"], codes_of("la", site.las))
    return la_map_page(site, t, la_bounds, measures, "indicator", "indicator_map")


def small_areas(site: Site, t: Translator, bounds: list) -> dict:
    rows = site.lsoas
    lsoa_map = map_context(
        "lsoa-map",
        t("small_areas.map_title"),
        t("small_areas.map_desc"),
        map_layer(site, t, "lsoa", "lsoa", rows, bounds),
        t,
    )
    return {"lsoa_map": lsoa_map, "las": la_index(site, t)["items"], "example_banner": site.example}


def la_index(site: Site, t: Translator) -> dict:
    """The authorities by name in the page's language: (code, name)."""
    items = sorted(((r["la_code"], name(r, "la", t.lang)) for r in site.las), key=lambda x: x[1])
    return {"items": items}


def area_figures(site: Site, t: Translator, r: dict) -> list[dict]:
    """Key figures of an area with the authority profile's columns (authority, PSB, health
    board, MSOA), with units and periods; a figure whose column the level lacks is left out."""
    period, wimd, census = activity_period(site, t), t("periods.wimd"), t("periods.census")
    from_returns = [
        figure(t, r, "activity_count", "int", period),
        figure(t, r, "activity_per_10k", "dec1", period),
        figure(t, r, "funding_gbp", "gbp", period),
        figure(t, r, "funding_per_head_gbp", "gbp2", period),
        figure(t, r, "partner_organisation_count", "int", period),
        figure(t, r, "share_activity_in_most_deprived_20pct", "pct", period),
    ]
    if r.get("activity_reported") is False:
        # No partner return for the area: its figures from partner returns are not known, not 0
        # (the marts keep the counts of records received, 0, and leave the rates null).
        for f in from_returns:
            f["shown"] = t("not_reported")
    figures = [
        figure(t, r, "population", "int", census),
        figure(t, r, "lsoa_count", "int", census),
        figure(t, r, "share_lsoas_most_deprived_10pct", "pct", wimd),
        figure(t, r, "share_lsoas_most_deprived_20pct", "pct", wimd),
        figure(t, r, "share_people_most_deprived_10pct", "pct", wimd),
        figure(t, r, "share_people_most_deprived_20pct", "pct", wimd),
        *from_returns,
        figure(t, r, "community_support_groups", "int", t("periods.spring_2020")),
        figure(t, r, "volunteer_registrations", "int", t("periods.spring_2020")),
    ]
    return [f for f in figures if f["field"] in r]


def bar_block(chart_id: str, title: str, desc: str, items: list, summary, data, draw=True) -> dict:
    """A bar chart of ``items`` (none unless ``draw``), its text summary and its data table, as
    the macro ``chart_block`` shows them."""
    chart = charts.bars(chart_id, title, desc, items) if draw else None
    return {"chart": chart, "summary": summary, "table": data}


def la_profile(site: Site, t: Translator, la: dict, bounds: list) -> dict:
    code = la["la_code"]
    la_name = name(la, "la", t.lang)
    period = activity_period(site, t)
    rows = site.lsoas_in.get(code, [])
    lsoa_map = map_context(
        "la-lsoa-map",
        t("la.map_title", name=la_name),
        t("la.map_desc"),
        map_layer(site, t, f"lsoa-{code}", "lsoa", rows, bounds),
        t,
    )
    # WIMD decile distribution (counts of the authority's LSOAs; shares from the mart)
    counts = Counter(r.get("wimd_decile") for r in rows)
    items = [bar(decile_label(t, d), t, "int", counts[d]) for d in DECILES]
    wimd_block = bar_block(
        "wimd-chart",
        t("la.wimd_chart_title", name=la_name),
        t("la.wimd_chart_desc"),
        items,
        t(
            "wimd_summary",
            n10=t.fmt("int", counts[1]),
            total=t.fmt("int", len(rows)),
            p10=t.fmt("pct", la.get("share_lsoas_most_deprived_10pct")),
            n20=t.fmt("int", counts[1] + counts[2]),
            p20=t.fmt("pct", la.get("share_lsoas_most_deprived_20pct")),
        ),
        bar_table(
            "wimd-table",
            captioned(t, t("la.wimd_heading")),
            [(t("fields.decile"), False), (t("fields.lsoa_count_short"), True)],
            items,
        ),
    )
    top = max(ACTION_CATEGORIES, key=lambda c: la.get(COUNT_COL[c]) or 0)
    if la.get("activity_count"):
        summary = t(
            "la.activity_summary",
            total=t.fmt("int", la.get("activity_count")),
            name=la_name,
            period=period,
            per10k=t.fmt("dec1", la.get("activity_per_10k")),
            top=t(f"categories.{top}"),
            top_count=t.fmt("int", la.get(COUNT_COL[top])),
        )
    else:
        summary = t("la.activity_summary_none", name=la_name)
    not_reported = [(t("not_reported"), None)] * 2
    activity = bar_block(
        "activity-chart",
        t("la.activity_chart_title", name=la_name, period=period),
        t("la.activity_chart_desc"),
        [bar(t(f"categories.{c}"), t, "dec1", la.get(RATE_COL[c])) for c in ACTION_CATEGORIES],
        summary,
        table(
            "activity-table",
            captioned(t, t("la.activity_heading")),
            [
                (t("fields.category"), False),
                numeric_column(t, "activity_count", period),
                numeric_column(t, "activity_per_10k", period),
            ],
            [
                [(t(f"categories.{c}"), None)]
                + (
                    [cell(t, "int", la.get(COUNT_COL[c])), cell(t, "dec1", la.get(RATE_COL[c]))]
                    if la.get("activity_reported") is not False
                    else not_reported
                )
                for c in CATEGORIES
            ],
            False,
        ),
    )
    sec = (
        site.frames["marts.activity_by_la_sector"]
        .filter(pl.col("la_code") == code)
        .sort(["activity_count", "sector"], descending=[True, False])
    )
    sec_items = [
        (t.get(f"sectors.{s}", s), n or 0, t.fmt("int", n))
        for s, n in sec.select("sector", "activity_count").iter_rows()
    ]
    sectors = bar_block(
        "sector-chart",
        t("la.sectors_chart_title", name=la_name, period=period),
        t("la.sectors_chart_desc"),
        sec_items,
        t("la.sectors_summary", top=sec_items[0][0], count=sec_items[0][2])
        if sec_items
        else t("la.activity_summary_none", name=la_name),
        bar_table(
            "sector-table",
            captioned(t, t("la.sectors_heading")),
            [(t("fields.sector"), False), numeric_column(t, "activity_count", period)],
            sec_items,
        ),
        draw=bool(sec_items),
    )
    return {
        "la_name": la_name,
        "parents": parent_links(site, t, la, "la"),
        "msoas": member_links(site, t, "msoa", codes_of("msoa", site.msoas_in.get(code, []))),
        "series": indicator_series(site, t, "la", code),
        "figures": area_figures(site, t, la),
        "lsoa_map": lsoa_map,
        "wimd": wimd_block,
        "activity": activity,
        "by_year": year_block(site, t, code, la_name),
        "indicators": indicators_beside_wales(site, t, code, la_name),
        "sectors": sectors,
        "similar": similar_list(site, t, LEVELS["la"], code),
        "lsoa_table": lsoa_table(
            site, t, rows, "lsoa-table", t("la.lsoa_table_heading", name=la_name)
        ),
        "extract": extract_href(site, code),
        "example_banner": bool(la.get("is_example_data")),
    }


def year_block(site: Site, t: Translator, code: str, area_name: str) -> dict:
    """Activity by financial year: a bar per year and a table by year and action category."""
    yr = site.frames["marts.activity_by_la_year"].filter(pl.col("la_code") == code)
    by = {(r["financial_year"], r["action_category"]): r for r in yr.to_dicts()}
    years = site.years
    items, rows = [], []
    for y in years:
        of_year = [by.get((y, c)) or {} for c in ACTION_CATEGORIES]
        counts = [r.get("activity_count") or 0 for r in of_year]
        funding = sum(r.get("funding_gbp") or 0 for r in of_year)
        items.append(bar(y, t, "int", sum(counts)))
        rows.append(
            [(y, None), cell(t, "int", sum(counts))]
            + [cell(t, "int", n) for n in counts]
            + [cell(t, "gbp", funding)]
        )
    return bar_block(
        "year-chart",
        t("la.year_chart_title", name=area_name),
        t("la.year_chart_desc"),
        items,
        t("la.year_summary", n=t.fmt("int", len(years)), latest=years[-1], count=items[-1][2])
        if years
        else t("la.activity_summary_none", name=area_name),
        table(
            "year-table",
            captioned(t, t("la.year_heading")),
            [(t("fields.financial_year"), False), (t("fields.activity_count"), True)]
            + [(t(f"categories.{c}"), True) for c in ACTION_CATEGORIES]
            + [(t("fields.funding_gbp"), True)],
            rows,
            False,
        ),
        draw=any(v for _, v, _ in items),
    )


def lsoa_profile(site: Site, t: Translator, r: dict, bounds: list) -> dict:
    code = r["lsoa_code"]
    nm = name(r, "lsoa", t.lang)
    la = site.la[r["la_code"]]
    period, wimd, census = activity_period(site, t), t("periods.wimd"), t("periods.census")
    shown, _ = participants_shown(t, r)
    figures = [
        figure(t, r, "wimd_rank", "int", wimd, t("fields.wimd_rank_of")),
        figure(t, r, "wimd_decile", "int", wimd),
        figure(t, r, "population", "int", census),
        figure(t, r, "activity_count", "int", period),
        figure(t, r, "activity_per_10k", "dec1", period),
        figure(t, r, "funding_gbp", "gbp", period),
        # shown as publish's disclosure control left it, with no value for the page to expose
        {**figure(t, r, "participant_count", "int", period), "value": None, "shown": shown},
        figure(t, r, "community_support_groups", "int", t("periods.spring_2020")),
    ]
    total = t.fmt("int", len(site.lsoas))
    rural = r.get("rural_urban_class")
    siblings = site.lsoas_in.get(r["la_code"], [])
    la_name = name(la, "la", t.lang)
    lsoa_map = map_context(
        "lsoa-area-map",
        t("lsoa.map_title", name=nm, la=la_name),
        t("lsoa.map_desc"),
        map_layer(site, t, f"lsoa-{r['la_code']}", "lsoa", siblings, bounds),
        t,
        highlight=code,
        keys=["wimd_rank", "wimd_decile", "rate_all"],
    )
    return {
        "r": r,
        "name": nm,
        "heading": fill(t, "lsoa.title", name=proper_name(r, "lsoa", t.lang)),
        "la_name": la_name,
        "ward": ward_name(t, r),
        "msoa_name": name(r, "msoa", t.lang),
        "msoa_href": "../" + LEVELS["msoa"].page(r["msoa_code"])
        if r.get("msoa_code") in site.by_code["msoa"]
        else None,
        "rural": t.get(f"rural_urban.{rural}", rural or ""),
        "figures": figures,
        "domains": bar_block(
            "domain-chart",
            t("lsoa.domain_chart_title", name=nm),
            t("lsoa.domain_chart_desc", total=total),
            [bar(t(f"domains.{d}"), t, "int", r.get(f"{d}_rank")) for d in DOMAINS],
            t("lsoa.domain_summary", rank=t.fmt("int", r.get("wimd_rank")), total=total),
            None,  # the chart is a list of labels and values already
        ),
        "lsoa_map": lsoa_map,
        "similar": similar_list(site, t, LEVELS["lsoa"], code),
        "extract": extract_href(site, r["la_code"]),
        "example_banner": bool(r.get("is_example_data")),
    }


def area_link(site: Site, t: Translator, level: str, code: str) -> dict | None:
    """A link from a profile page to an area's page: href, its name (marked as proper names
    are) and code; None when the level has no such area."""
    lv = LEVELS[level]
    r = site.by_code[level].get(code)
    if r is None:
        return None
    return {
        "href": "../" + lv.page(code),
        "name": proper_name(r, lv.prefix, t.lang),
        "code": code,
        "level": t(f"levels.{level}"),
    }


def parent_links(site: Site, t: Translator, r: dict, own: str) -> list[dict]:
    """The areas an area of level ``own`` belongs to: its authority (MSOA), PSB and health board."""
    codes = {level: r.get(LEVELS[level].code_col) for level in ("la", "psb", "hb") if level != own}
    links = [area_link(site, t, level, code) for level, code in codes.items() if code]
    return [x for x in links if x]


def member_links(site: Site, t: Translator, level: str, codes: list[str]) -> list:
    """Links to the areas ``codes`` of ``level`` that have a page, by name."""
    links = [area_link(site, t, level, c) for c in codes]
    return sorted((x for x in links if x), key=lambda x: fold(str(x["name"])))


def codes_of(level: str, rows: list[dict]) -> list[str]:
    """The area codes of ``rows`` of ``level``."""
    return [r[LEVELS[level].code_col] for r in rows]


def level_table(site: Site, t: Translator, level: str, rows: list[dict], caption: str) -> dict:
    """The data table of a group page's map: its areas with every measure of the map."""
    lv = LEVELS[level]
    links = [
        Markup('<a href="{}">{}</a>').format(
            "../" + lv.page(r[lv.code_col]), proper_name(r, lv.prefix, t.lang)
        )
        for r in rows
    ]
    measures = level_measures(site, t, level, rows)
    return measure_table(t, "map-table", caption, t(f"levels.{level}"), links, measures)


def beside_parent(t: Translator, mine: list[dict], theirs: list[dict], me: str, them: str):
    """Key figures of an area beside its parent's (an MSOA beside its local authority)."""
    by_field = {f["field"]: f for f in theirs}
    rows = []
    for f in mine:
        p = by_field.get(f["field"])
        rows.append(
            [
                (qualified(f["label"], f["note"]), None),
                (f["shown"], f["value"]),
                (p["shown"] if p else t("no_data"), p["value"] if p else None),
            ]
        )
    return table(
        "beside-table",
        t("group.beside_caption", name=me, parent=them),
        [(t("fields.measure"), False), (me, True), (them, True)],
        rows,
        False,
    )


def group_profile(site: Site, t: Translator, level: str, r: dict, bounds: list) -> dict:
    """A Public Services Board, health board or MSOA page: key figures with units and periods,
    the area beside its parent (MSOA: its local authority) and Wales (indicators), its member
    areas, a map of the level (MSOA: the authority's MSOAs) with the area highlighted, the
    indicator series where the mart has them, and the per-area extract."""
    lv = LEVELS[level]
    code = r[lv.code_col]
    nm = name(r, lv.prefix, t.lang)
    figures = area_figures(site, t, r)
    beside = series = None
    if level == "msoa":
        la = site.la[r["la_code"]]
        la_name = name(la, "la", t.lang)
        beside = beside_parent(t, figures, area_figures(site, t, la), nm, la_name)
        lsoas = codes_of("lsoa", site.lsoas_in_msoa.get(code, []))
        members = {t("group.members_lsoa"): member_links(site, t, "lsoa", lsoas)}
        indicators = indicators_beside_wales(site, t, code, nm, level, ("la", r["la_code"]))
        map_rows = site.msoas_in.get(r["la_code"], [])
        geo = f"msoa-{r['la_code']}"
        map_title = t("group.map_title_msoa", la=la_name)
    else:
        # a PSB lists its authorities and health boards, a health board its authorities and PSBs
        other, other_col = ("hb", "lhb_codes") if level == "psb" else ("psb", "psb_codes")
        members = {
            t(f"group.members_{member}"): member_links(site, t, member, r.get(col) or [])
            for member, col in (("la", "la_codes"), (other, other_col))
        }
        indicators = indicators_beside_wales(site, t, code, nm, level)
        map_rows = site.rows[level]
        geo = level
        map_title = t(f"group.map_title_{level}")
        series = indicator_series(site, t, level, code)
    area_map = map_context(
        "group-map",
        map_title,
        t("group.map_desc", name=nm),
        map_layer(site, t, geo, level, map_rows, bounds),
        t,
        highlight=code,
        whole=level != "msoa",
    )
    return {
        "level": level,
        "level_name": t(f"levels.{level}"),
        "name": nm,
        "heading": fill(t, f"group.title_{level}", name=proper_name(r, lv.prefix, t.lang)),
        "code": code,
        # an MSOA's authority, PSB and health board; a PSB or health board is in none of them
        "parents": parent_links(site, t, r, level),
        "figures": figures,
        "beside": beside,
        "members": members,
        "indicators": indicators,
        "series": series,
        "area_map": area_map,
        "map_table": level_table(site, t, level, map_rows, captioned(t, map_title)),
        "compare_href": f"../compare.html#level={level}&areas={code}",
        "extract": extract_href(site, code),
        "example_banner": bool(r.get("is_example_data")),
    }


def group_index(site: Site, t: Translator, level: str, bounds: list) -> dict:
    """The page listing every area of a level (PSBs, health boards) with its map and table."""
    rows = site.rows[level]
    title = t(f"group.index_title_{level}")
    return {
        "title": title,
        "intro": t(f"group.index_intro_{level}", n=t.fmt("int", len(rows))),
        "items": member_links(site, t, level, codes_of(level, rows)),
        "area_map": map_context(
            "group-map",
            title,
            t(f"group.map_title_{level}"),
            map_layer(site, t, level, level, rows, bounds),
            t,
        ),
        "map_table": level_table(site, t, level, rows, captioned(t, title)),
        "example_banner": site.example,
    }


def compare_data(site: Site, t: Translator, level: str) -> dict:
    """Everything the compare view shows for one level: measures (title, values shown) and areas."""
    lv = LEVELS[level]
    rows = site.rows[level]
    if level == "lsoa":  # the small areas are compared on their own columns only
        measures = lsoa_measures(site, t, rows)
    else:
        measures = level_measures(site, t, level, rows)
    return {
        "measures": [{"key": m.key, "title": m.title, "reverse": m.reverse} for m in measures],
        "areas": {
            r[lv.code_col]: {
                "n": name(r, lv.prefix, t.lang),
                "p": name(r, "la", t.lang) if level in ("lsoa", "msoa") else "",
                "v": [t.fmt(m.kind, m.values[i]) for m in measures],
                "x": [rounded(m.kind, m.values[i]) for m in measures],
            }
            for i, r in enumerate(rows)
        },
    }


def search_index(site: Site) -> dict:
    """Names to search in both languages: local authorities, Public Services Boards, health
    boards, MSOAs, wards and LSOAs.

    Entries are [type, code, name_en, name_cy, la_code, folded text, lsoa codes (MSOA, ward)].
    """
    out = []
    for key in ("la", "psb", "hb", "lsoa"):
        lv = LEVELS[key]
        for r in site.rows[key]:
            en, cy = r[f"{lv.prefix}_name_en"], r[f"{lv.prefix}_name_cy"]
            # the authority the area is in: none for PSBs and health boards, which span several
            out.append([key, r[lv.code_col], en, cy, r.get("la_code") or ""])
    # MSOAs and wards as the small areas' rows name them, with the small areas they hold
    for kind, code_col, en_col, cy_col in (
        ("msoa", "msoa_code", "msoa_name_en", "msoa_name_cy"),
        ("ward", "ward_code", "ward_name", "ward_name_cy"),
    ):
        held = grouped((r for r in site.lsoas if r.get(code_col)), itemgetter(code_col))
        for code, rows in sorted(held.items()):
            first, lsoas = rows[0], codes_of("lsoa", rows)
            out.append([kind, code, first[en_col], first[cy_col], first["la_code"], lsoas])
    for e in out:
        text = " ".join(x for x in (e[1], e[2], e[3]) if x)
        e.insert(5, fold(text))
    return {"areas": out}


def postcode_shards(frame: pl.DataFrame) -> dict[str, dict]:
    """Per postcode district, the 2021 LSOAs its postcodes are in (several when a 2011 LSOA split).

    Returns ``{district: {"l": [lsoa codes], "p": {inward code: [indexes into l]}}}``.
    """
    out: dict[str, dict] = {}
    for district, sub in frame.sort(["postcode", "lsoa_code"]).group_by(
        "postcode_district", maintain_order=True
    ):
        lsoas: list[str] = []
        index: dict[str, int] = {}
        codes: dict[str, list[int]] = {}
        for pc, lsoa in zip(sub["postcode"].to_list(), sub["lsoa_code"].to_list(), strict=True):
            if lsoa not in index:
                index[lsoa] = len(lsoas)
                lsoas.append(lsoa)
            codes.setdefault(pc.split(" ")[1], []).append(index[lsoa])
        out[district[0]] = {"l": lsoas, "p": codes}
    return out


def p_text(t: Translator, p: object) -> str:
    """A p-value as shown: three decimals, "< 0.001" below that (never a bare 0.000)."""
    if not missing(p) and p < 0.001:
        return "< " + t.fmt("dec3", 0.001)
    return t.fmt("dec3", p)


def period_span(t: Translator, label: str | None) -> str:
    """A mart period label 'a to b' in the page's language ('a i b' in Welsh)."""
    return (label or "").replace(" to ", t("goals.period_to"))


def outcome_text(t: Translator, row: dict) -> str:
    """What the indicator side of a correlation is: "Change, 2020 to 2023" or "Level, 2023"."""
    kind = "change" if row.get("outcome_measure") == "change" else "level"
    return t(f"goals.outcome_{kind}", period=period_span(t, row.get("outcome_period_label")))


def correlation_columns(t: Translator, row: dict, activity: str) -> list[tuple[str, bool]]:
    """The columns of a goal's correlation table (the family size and activity period are the
    mart's, the same on every row)."""
    family = t.fmt("int", row.get("family_size"))
    return [
        (t("fields.indicator") + " · " + t("fields.category"), False),
        (t("goals.col_outcome"), False),
        (t("goals.col_time_order", activity=activity), False),
        (t("fields.n"), True),
        (t("goals.col_raw_rho"), True),
        (t("goals.col_raw_ci"), True),
        (t("goals.col_raw_p"), True),
        (t("goals.col_adj_rho"), True),
        (t("goals.col_adj_ci"), True),
        (t("goals.col_adj_p"), True),
        (t("goals.col_holm", family=family), True),
        (t("goals.col_stands_out"), False),
    ]


def correlation_cells(t: Translator, c: dict, label: str) -> list[tuple]:
    """One row of ``marts.collaboration_and_goals`` as the cells of ``correlation_columns``."""
    order = c.get("time_order")
    return [
        (label, None),
        (outcome_text(t, c), None),
        (t(f"goals.time_order_{order}") if order else "–", None),
        cell(t, "int", c.get("n")),
        cell(t, "dec2", c.get("spearman_rho")),
        (span(t, "dec2", c.get("ci_lower"), c.get("ci_upper")), c.get("ci_lower")),
        (p_text(t, c.get("p_value")), c.get("p_value")),
        cell(t, "dec2", c.get("partial_rho")),
        (
            span(t, "dec2", c.get("partial_ci_lower"), c.get("partial_ci_upper")),
            c.get("partial_ci_lower"),
        ),
        (p_text(t, c.get("partial_p_value")), c.get("partial_p_value")),
        (p_text(t, c.get("partial_p_holm")), c.get("partial_p_holm")),
        (t("goals.stands_out_yes") if c.get("stands_out") else t("goals.stands_out_no"), None),
    ]


def goal_indicators_table(site: Site, t: Translator, goal_code: str, goal_name: str) -> dict:
    """A goal's indicators with the latest Wales value and its period, by national indicator."""
    inds = [r for r in site.ind_ref if goal_code in (r.get("wellbeing_goals") or [])]
    rows = []
    for r in sorted(
        inds, key=lambda r: (missing_last(r.get("national_indicator")), r["indicator_code"])
    ):
        w = site.wales_latest.get(r["indicator_code"]) or {}
        ni = r.get("national_indicator")
        kind = unit_kind(r.get("unit"), w.get("value"))
        note = site.wales_note.get(r["indicator_code"], {})
        rows.append(
            [
                (localised(t, r, "indicator_name"), None),
                (t.fmt("int", ni) if ni is not None else "–", ni),
                (unit_text(t, r.get("unit")), None),
                wales_cell(t, kind, w.get("value"), note),
                (period_text(t, w) if w else "–", None),
                (t.get(f"polarity.{r.get('polarity')}", ""), None),
            ]
        )
    columns = [
        (t("fields.indicator"), False),
        (t("fields.national_indicator"), True),
        (t("fields.unit"), False),
        (t("goals.wales_latest"), True),
        (t("fields.period"), False),
        (t("fields.direction"), False),
    ]
    caption = t("goals.indicators_heading") + " – " + goal_name
    return table(f"ind-{goal_code}", caption, columns, rows)


def goals(site: Site, t: Translator) -> dict:
    collab = site.frames["marts.collaboration_and_goals"].to_dicts()
    activity = period_span(t, collab[0].get("activity_period_label")) if collab else ""
    sections = []
    for g in site.goals:
        gc = g["goal_code"]
        goal_name = localised(t, g, "goal_name")
        cor = [c for c in collab if gc in (c.get("wellbeing_goals") or [])]
        cor.sort(key=lambda c: (c["indicator_code"], CATEGORIES.index(c["action_category"])))
        groups: list[tuple[str, list]] = []  # (indicator, its rows) for the forest plot
        trows = []
        for c in cor:
            nm = localised(t, c, "indicator_name")
            cat = t(f"categories.{c['action_category']}")
            if not groups or groups[-1][0] != nm:
                groups.append((nm, []))
            # The chart plots the estimate adjusted for deprivation; the raw one is in the table.
            rho = c.get("partial_rho")
            groups[-1][1].append(
                (cat, rho, c.get("partial_ci_lower"), c.get("partial_ci_upper"), t.fmt("dec2", rho))
            )
            trows.append(correlation_cells(t, c, f"{nm} · {cat}"))
        # each caveat once, in order
        caveats = dict.fromkeys(cav for c in cor if (cav := localised(t, c, "caveat")))
        # stands_out: adjusted for deprivation and for many comparisons (Holm) in the mart
        n_excl = sum(1 for c in cor if c.get("stands_out"))
        sections.append(
            {
                "code": gc,
                "number": g["goal_number"],
                "name": goal_name,
                "description": localised(t, g, "description") or "",
                "indicators": goal_indicators_table(site, t, gc, goal_name),
                "forest": charts.forest(
                    f"forest-{gc}",
                    t("goals.forest_title", goal=goal_name),
                    t("goals.forest_desc"),
                    groups,
                )
                if groups
                else None,
                "forest_summary": t(
                    "goals.forest_summary", n=t.fmt("int", len(trows)), n_excl=t.fmt("int", n_excl)
                ),
                "cor_table": table(
                    f"cor-{gc}",
                    t("goals.correlations_heading") + " – " + goal_name,
                    correlation_columns(t, cor[0] if cor else {}, activity),
                    trows,
                ),
                "caveats": list(caveats),
            }
        )
    n_all = len(collab)
    return {
        "sections": sections,
        "activity": activity,
        "multiple_note": t(
            "goals.multiple_note",
            n=t.fmt("int", n_all),
            expected=t.fmt("int", round(n_all * 0.05)),
            standing_out=t.fmt("int", sum(1 for c in collab if c.get("stands_out"))),
        ),
        "example_banner": any(c.get("is_example_data") for c in collab),
    }


def deprivation(site: Site, t: Translator) -> dict:
    records = site.frames["marts.activity_by_wimd_decile"].to_dicts()
    rows_by = {(r["wimd_decile"], r["action_category"]): r for r in records}
    period = activity_period(site, t)
    by_cat = {cat: [rows_by.get((d, cat), {}) for d in DECILES] for cat in CATEGORIES}

    def decile_bars(rows: list[dict], column: str, kind: str) -> list[tuple]:
        return [
            bar(decile_label(t, d), t, kind, r.get(column))
            for d, r in zip(DECILES, rows, strict=True)
        ]

    blocks = []
    for cat, rows in by_cat.items():
        items = decile_bars(rows, "activity_per_10k", "dec1")
        cat_name = t(f"categories.{cat}")
        block = bar_block(
            f"dep-chart-{cat}",
            t("deprivation.chart_title", category=cat_name, period=period),
            t("deprivation.chart_desc"),
            items,
            t("deprivation.summary", category=cat_name, most=items[0][2], least=items[-1][2]),
            bar_table(
                f"dep-table-{cat}",
                captioned(t, cat_name),
                [
                    (t("fields.decile"), False),
                    numeric_column(t, "population", t("periods.census")),
                    numeric_column(t, "activity_count", period),
                    numeric_column(t, "activity_per_10k", period),
                ],
                items,
                [
                    [cell(t, "int", r.get(c)) for c in ("population", "activity_count")]
                    for r in rows
                ],
            ),
        )
        blocks.append({"id": f"dep-{cat}", "heading": cat_name, **block})
    f_items = decile_bars(by_cat["all"], "funding_per_head_gbp", "gbp2")
    funding_title = t("deprivation.funding_title", period=period)
    funding = bar_block(
        "dep-funding",
        funding_title,
        t("deprivation.funding_desc"),
        f_items,
        t("deprivation.funding_summary", most=f_items[0][2], least=f_items[-1][2]),
        bar_table(
            "dep-funding-table",
            captioned(t, funding_title),
            [
                (t("fields.decile"), False),
                (t("fields.funding_gbp"), True),
                (t("fields.funding_per_head_gbp"), True),
            ],
            f_items,
            [[cell(t, "gbp", r.get("funding_gbp"))] for r in by_cat["all"]],
        ),
    )
    return {
        "blocks": blocks,
        "funding": funding,
        "period": period,
        "example_banner": any(r.get("is_example_data") for r in records),
    }
