"""Build the static site from the published DuckDB file.

    python -m dashboards.build --db data/published/wellbeing.duckdb --out data/site

Pages (each in ``en/`` and ``cy/``): ``index.html`` (overview maps), ``la/index.html`` and
``la/<W06 code>.html`` (local authority profiles), ``goals.html``, ``deprivation.html``,
``data.html``; a bilingual ``index.html`` at the root; CSV/Parquet downloads in ``data/``;
styles and script in ``assets/``. Every link is relative, so the folder works from any host
or straight from disk.
"""

import argparse
import bisect
import datetime as dt
import json
import math
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from matplotlib import colormaps

from dashboards import charts
from dashboards.data import SiteData, connect, export_tables, load, suppress_participants
from dashboards.geo import read_shapes, svg_paths
from dashboards.i18n import LANGS, Translator

HERE = Path(__file__).resolve().parent
CATEGORIES = ("all", "shared_purpose", "governance", "financial_mechanism")
COUNT_COL = {
    "all": "activity_count",
    "shared_purpose": "shared_purpose_count",
    "governance": "governance_count",
    "financial_mechanism": "financial_mechanism_count",
}
LSOA_RATE_COL = {
    "all": "activities_per_1k",
    "shared_purpose": "shared_purpose_per_1k",
    "governance": "governance_per_1k",
    "financial_mechanism": "financial_mechanism_per_1k",
}
MISSING_FILL = "#e8e8e8"
PALETTE = colormaps["viridis"]
KEY_FIGURES = (
    ("population", "num"),
    ("lsoa_count", "num"),
    ("share_lsoas_most_deprived_10pct", "pct"),
    ("share_lsoas_most_deprived_20pct", "pct"),
    ("share_people_most_deprived_10pct", "pct"),
    ("share_people_most_deprived_20pct", "pct"),
    ("activity_count", "num"),
    ("activity_per_10k", "num1"),
    ("funding_gbp", "gbp"),
    ("funding_per_head_gbp", "gbp2"),
    ("partner_organisation_count", "num"),
    ("share_activity_in_most_deprived_20pct", "pct"),
    ("community_support_groups", "num"),
    ("volunteer_registrations", "num"),
)
PAGES = ("index.html", "la/index.html", "goals.html", "deprivation.html", "data.html")


# ---------------------------------------------------------------------------------------------
# helpers


def _is_missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def fmt_figure(t: Translator, kind: str, value: object) -> str:
    return {
        "num": lambda: t.num(value),
        "num1": lambda: t.num(value, 1),
        "num2": lambda: t.num(value, 2),
        "pct": lambda: t.pct(value),
        "gbp": lambda: t.gbp(value),
        "gbp2": lambda: t.gbp(value, 2),
    }[kind]()


def name(row: dict, prefix: str, lang: str) -> str:
    """The area's name in ``lang``, falling back to English where no Welsh name exists."""
    if lang == "cy" and row.get(f"{prefix}_name_cy"):
        return row[f"{prefix}_name_cy"]
    return row.get(f"{prefix}_name_en") or row.get(f"{prefix}_code") or ""


def json_script(obj: object) -> Markup:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@dataclass
class Measure:
    key: str
    label: str
    values: list  # aligned with the map's areas
    fmt: object  # callable value -> str
    reverse: bool = False  # True: low values darkest (WIMD: 1 = most deprived)
    domain: list | None = None  # fixed discrete classes (deciles)


def classify(m: Measure, t: Translator, k: int = 5):
    """Quantile classes (or fixed discrete ones): per-area class string, colours, legend."""
    vals = [None if _is_missing(v) else float(v) for v in m.values]
    present = sorted(v for v in vals if v is not None)
    if m.domain is not None:
        edges = None
        classes = list(m.domain)
    elif present and len(set(present)) <= 10 and all(v.is_integer() for v in present):
        edges = None
        classes = sorted(set(present))
    else:
        edges = []
        if present:
            qs = np.quantile(present, np.linspace(0, 1, k + 1)).tolist()
            for q in qs:
                if not edges or q > edges[-1] + 1e-12:
                    edges.append(q)
            if len(edges) == 1:
                edges.append(edges[0])
        classes = list(range(max(len(edges) - 1, 1)))
    n = max(len(classes), 1)
    pos = [(i / (n - 1) if n > 1 else 0.5) for i in range(n)]
    # viridis: 0 = dark purple, 1 = yellow. Higher values darker unless reversed.
    colours = [_hex(PALETTE(0.05 + 0.9 * (p if m.reverse else 1 - p))) for p in pos]
    codes = []
    for v in vals:
        if v is None:
            codes.append("-")
        elif edges is None:
            codes.append(str(classes.index(v)) if v in classes else "-")
        else:
            i = min(max(bisect.bisect_right(edges, v) - 1, 0), len(edges) - 2)
            codes.append(str(max(i, 0)))
    if edges is None:
        labels = [m.fmt(c) for c in classes]
    else:
        labels = [f"{m.fmt(edges[i])} – {m.fmt(edges[i + 1])}" for i in range(len(edges) - 1)]
        if not labels:
            labels = [t("no_data")]
    legend = list(zip(colours, labels, strict=False))
    if "-" in codes:
        legend.append((MISSING_FILL, t("no_data")))
    # codes are single characters: at most 10 classes
    return "".join(codes), colours, legend


def _hex(rgba) -> str:
    r, g, b = (round(c * 255) for c in rgba[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def map_component(
    map_id: str,
    title: str,
    desc: str,
    shapes: list,
    names: list[str],
    measures: list[Measure],
    t: Translator,
    hrefs: list[str] | None = None,
    width: float = 600,
    min_step: float = 0.6,
    stroke: float = 0.4,
) -> dict:
    viewbox, paths = svg_paths(shapes, width=width, min_step=min_step)
    mdata: dict[str, dict] = {}
    mlist = []
    for m in measures:
        codes, colours, legend = classify(m, t)
        shown = [m.fmt(v) for v in m.values]
        mdata[m.key] = {"c": codes, "colors": colours, "v": shown}
        mlist.append(
            {
                "key": m.key,
                "label": m.label,
                "legend": legend,
                "summary": summary_high_low(t, m.label, names, m.values, shown),
            }
        )
    first = mdata[measures[0].key]
    areas = []
    for i, shape in enumerate(shapes):
        c = first["c"][i]
        areas.append(
            {
                "code": shape.code,
                "name": names[i],
                "d": paths.get(shape.code, ""),
                "fill": MISSING_FILL if c == "-" else first["colors"][int(c)],
                "label": f"{names[i]}: {first['v'][i]}",
                "href": hrefs[i] if hrefs else None,
            }
        )
    return {
        "id": map_id,
        "title": title,
        "desc": desc,
        "viewbox": viewbox,
        "areas": areas,
        "measures": mlist,
        "stroke": stroke,
        "json": json_script({"missing": MISSING_FILL, "names": names, "measures": mdata}),
    }


def summary_high_low(t: Translator, label: str, names: list[str], values: list, shown: list[str]):
    idx = [i for i, v in enumerate(values) if not _is_missing(v)]
    if not idx:
        return t("summary_no_data", measure=label)
    hi = max(idx, key=lambda i: values[i])
    lo = min(idx, key=lambda i: values[i])
    return t(
        "summary_high_low",
        measure=label,
        high_name=names[hi],
        high_value=shown[hi],
        low_name=names[lo],
        low_value=shown[lo],
        n=t.num(len(idx)),
        total=t.num(len(values)),
    )


def table(
    table_id: str,
    caption: str,
    columns: list[tuple[str, bool]],
    rows: list[list],
    sortable: bool = True,
) -> dict:
    """A data table: columns (label, numeric); rows of cells (display, sort key or None)."""
    return {
        "id": table_id,
        "caption": caption,
        "columns": columns,
        "rows": rows,
        "sortable": sortable,
    }


def latest_indicators(gi: pl.DataFrame, area_type: str) -> pl.DataFrame:
    """Per (area, indicator) the row of the latest period available for that area type."""
    sub = gi.filter(pl.col("area_type") == area_type)
    if sub.is_empty():
        return sub
    latest = sub.group_by("indicator_code").agg(pl.col("period").max().alias("_latest"))
    return (
        sub.join(latest, on="indicator_code")
        .filter(pl.col("period") == pl.col("_latest"))
        .drop("_latest")
    )


# ---------------------------------------------------------------------------------------------
# the build


class SiteBuilder:
    def __init__(self, data: SiteData, boundaries_dir: Path, out: Path, published_name: str):
        self.d = data
        self.out = out
        self.published_name = published_name
        self.la_shapes = read_shapes(boundaries_dir / "local_authorities.geojson")
        self.lsoa_shapes = read_shapes(boundaries_dir / "lsoa21.geojson")
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.built_on = dt.date.today().isoformat()
        self.pages: list[Path] = []
        lp = data["marts.lsoa_profile"].sort("lsoa_code")
        self.lsoas = lp.to_dicts()
        self.las = data["marts.local_authority_profile"].sort("la_code").to_dicts()
        self.goals = data["reference.wellbeing_goals"].sort("goal_number").to_dicts()
        self.gi = data["marts.goal_indicators"]
        self.ind_ref = data["reference.indicator_goals"].to_dicts()
        self.example_lsoa = any(r.get("is_example_data") for r in self.lsoas)
        self.example_any = self.example_lsoa or any(r.get("is_example_data") for r in self.las)
        self.la_latest = latest_indicators(self.gi, "local_authority")
        self.wales_latest = latest_indicators(self.gi, "country").filter(
            pl.col("area_code") == "W92000004"
        )
        self.lsoa_latest = latest_indicators(self.gi, "lsoa")
        missing_la = [r["la_code"] for r in self.las if r["la_code"] not in self.la_shapes]
        if missing_la:
            raise RuntimeError(f"no boundary for local authorities {missing_la}")

    # -- rendering ---------------------------------------------------------------------------

    def render(self, lang: str, path: str, template: str, **ctx) -> None:
        t = Translator(lang)
        depth = path.count("/")
        root = "../" * (depth + 1)
        other = "cy" if lang == "en" else "en"
        ctx.setdefault("example_banner", False)
        html = self.env.get_template(template).render(
            t=t,
            lang=lang,
            other_lang=other,
            root=root,
            here=root + lang + "/",
            path=path,
            built_on=self.built_on,
            nav=[
                ("index.html", "overview"),
                ("la/index.html", "local_authorities"),
                ("goals.html", "goals"),
                ("deprivation.html", "deprivation"),
                ("data.html", "data"),
            ],
            **ctx,
        )
        target = self.out / lang / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        self.pages.append(target)

    def build(self) -> None:
        assets = self.out / "assets"
        assets.mkdir(parents=True, exist_ok=True)
        for f in ("site.css", "site.js", "favicon.svg"):
            shutil.copyfile(HERE / "static" / f, assets / f)
        con_tables = self.d.tables
        self.downloads = con_tables  # sizes are filled by build_site
        for lang in LANGS:
            t = Translator(lang)
            self.overview(lang, t)
            self.la_index(lang, t)
            for la in self.las:
                self.la_profile(lang, t, la)
            self.goals_page(lang, t)
            self.deprivation_page(lang, t)
            self.data_page(lang, t)
        root = self.out / "index.html"
        root.write_text(
            self.env.get_template("root.html").render(en=Translator("en"), cy=Translator("cy")),
            encoding="utf-8",
        )
        self.pages.append(root)

    # -- measures ----------------------------------------------------------------------------

    def _indicator_measures(
        self, t: Translator, latest: pl.DataFrame, codes: list[str], code_col: str = "area_code"
    ) -> list[Measure]:
        out = []
        if latest.is_empty():
            return out
        for ind in sorted(set(latest["indicator_code"].to_list())):
            sub = latest.filter(pl.col("indicator_code") == ind)
            first = sub.row(0, named=True)
            by_area = dict(zip(sub[code_col].to_list(), sub["value"].to_list(), strict=False))
            unit = first.get("unit")
            nm = (first.get("indicator_name_cy") if t.lang == "cy" else None) or first[
                "indicator_name_en"
            ]
            out.append(
                Measure(
                    key=f"ind_{ind}",
                    label=t("measures.indicator", name=nm, period=first["period"]),
                    values=[by_area.get(c) for c in codes],
                    fmt=lambda v, u=unit: t.value(v, u),
                )
            )
        return out

    def _lsoa_measures(self, t: Translator, rows: list[dict], with_indicators: bool):
        ms = [
            Measure(
                "wimd_decile",
                t("measures.wimd_decile"),
                [r.get("wimd_decile") for r in rows],
                lambda v: t.num(v),
                reverse=True,
                domain=list(range(1, 11)),
            ),
            Measure(
                "wimd_rank",
                t("measures.wimd_rank"),
                [r.get("wimd_rank") for r in rows],
                lambda v: t.num(v),
                reverse=True,
            ),
        ]
        for cat in CATEGORIES:
            col = LSOA_RATE_COL[cat]
            ms.append(
                Measure(
                    f"rate_{cat}",
                    t("measures.activity_per_1k", category=t(f"categories.{cat}")),
                    [r.get(col) for r in rows],
                    lambda v: t.num(v, 1),
                )
            )
        if rows and "loneliness_zscore" in rows[0]:
            ms.append(
                Measure(
                    "loneliness_zscore",
                    t("measures.loneliness_zscore"),
                    [r.get("loneliness_zscore") for r in rows],
                    lambda v: t.num(v, 2),
                )
            )
        if with_indicators:
            ms += self._indicator_measures(t, self.lsoa_latest, [r["lsoa_code"] for r in rows])
        return ms

    def _lsoa_table(
        self, t: Translator, rows: list[dict], table_id: str, caption: str, with_la: bool
    ) -> dict:
        cols = [(t("fields.lsoa"), False)]
        if with_la:
            cols.append((t("fields.local_authority"), False))
        cols += [
            (t("fields.wimd_rank"), True),
            (t("fields.wimd_decile"), True),
            (t("fields.population"), True),
            (t("fields.activity_count"), True),
            (t("fields.activities_per_1k"), True),
            (t("fields.participant_count"), True),
        ]
        body = []
        for r in sorted(rows, key=lambda r: r.get("wimd_rank") or 10**9):
            shown, key = suppress_participants(r.get("participant_count"), t("no_data"))
            if shown is None:
                shown = t.num(r["participant_count"])
            cells = [(f"{name(r, 'lsoa', t.lang)} ({r['lsoa_code']})", None)]
            if with_la:
                cells.append((name(r, "la", t.lang), None))
            cells += [
                (t.num(r.get("wimd_rank")), r.get("wimd_rank")),
                (t.num(r.get("wimd_decile")), r.get("wimd_decile")),
                (t.num(r.get("population")), r.get("population")),
                (t.num(r.get("activity_count")), r.get("activity_count")),
                (t.num(r.get("activities_per_1k"), 1), r.get("activities_per_1k")),
                (shown, key),
            ]
            body.append(cells)
        return table(table_id, caption, cols, body)

    # -- pages -------------------------------------------------------------------------------

    def overview(self, lang: str, t: Translator) -> None:
        las = self.las
        la_codes = [r["la_code"] for r in las]
        la_names = [name(r, "la", lang) for r in las]
        la_measures = [
            Measure(
                "share20",
                t("measures.share_lsoas_most_deprived_20pct"),
                [r.get("share_lsoas_most_deprived_20pct") for r in las],
                lambda v: t.pct(v),
            ),
            Measure(
                "share10",
                t("measures.share_lsoas_most_deprived_10pct"),
                [r.get("share_lsoas_most_deprived_10pct") for r in las],
                lambda v: t.pct(v),
            ),
        ]
        for cat in CATEGORIES:
            vals = [
                (r.get(COUNT_COL[cat]) or 0) / r["population"] * 1000
                if r.get("population")
                else None
                for r in las
            ]
            la_measures.append(
                Measure(
                    f"rate_{cat}",
                    t("measures.activity_per_1k", category=t(f"categories.{cat}")),
                    vals,
                    lambda v: t.num(v, 2),
                )
            )
        la_measures.append(
            Measure(
                "funding_per_head",
                t("measures.funding_per_head_gbp"),
                [r.get("funding_per_head_gbp") for r in las],
                lambda v: t.gbp(v, 2),
            )
        )
        la_measures += self._indicator_measures(t, self.la_latest, la_codes)
        la_map = map_component(
            "la-map",
            t("overview.la_map_title"),
            t("overview.la_map_desc"),
            [self.la_shapes[c] for c in la_codes],
            la_names,
            la_measures,
            t,
            hrefs=[f"la/{c}.html" for c in la_codes],
            min_step=0.8,
            stroke=1.2,
        )
        la_table = table(
            "la-table",
            t("overview.la_heading") + " – " + t("table_caption_suffix"),
            [(t("fields.local_authority"), False)] + [(m.label, True) for m in la_measures],
            [
                [(Markup('<a href="la/{}.html">{}</a>').format(c, n), None)]
                + [(m.fmt(m.values[i]), m.values[i]) for m in la_measures]
                for i, (c, n) in enumerate(zip(la_codes, la_names, strict=True))
            ],
        )
        rows = [r for r in self.lsoas if r["lsoa_code"] in self.lsoa_shapes]
        lsoa_names = [name(r, "lsoa", lang) for r in rows]
        lsoa_map = map_component(
            "lsoa-map",
            t("overview.lsoa_map_title"),
            t("overview.lsoa_map_desc"),
            [self.lsoa_shapes[r["lsoa_code"]] for r in rows],
            lsoa_names,
            self._lsoa_measures(t, rows, True),
            t,
            min_step=0.7,
            stroke=0.15,
        )
        lsoa_table = self._lsoa_table(
            t,
            self.lsoas,
            "lsoa-table",
            t("overview.lsoa_heading") + " – " + t("table_caption_suffix"),
            True,
        )
        self.render(
            lang,
            "index.html",
            "overview.html",
            la_map=la_map,
            la_table=la_table,
            lsoa_map=lsoa_map,
            lsoa_table=lsoa_table,
            example_banner=self.example_lsoa,
        )

    def la_index(self, lang: str, t: Translator) -> None:
        items = sorted(((r["la_code"], name(r, "la", lang)) for r in self.las), key=lambda x: x[1])
        self.render(lang, "la/index.html", "la_index.html", items=items)

    def la_profile(self, lang: str, t: Translator, la: dict) -> None:
        code = la["la_code"]
        la_name = name(la, "la", lang)
        figures = [
            {
                "field": f,
                "label": t(f"fields.{f}"),
                "value": la.get(f),
                "shown": fmt_figure(t, kind, la.get(f)),
            }
            for f, kind in KEY_FIGURES
            if f in la
        ]
        rows = [r for r in self.lsoas if r["la_code"] == code]
        mapped = [r for r in rows if r["lsoa_code"] in self.lsoa_shapes]
        lsoa_map = map_component(
            "la-lsoa-map",
            t("la.map_title", name=la_name),
            t("la.map_desc"),
            [self.lsoa_shapes[r["lsoa_code"]] for r in mapped],
            [name(r, "lsoa", lang) for r in mapped],
            self._lsoa_measures(t, mapped, False),
            t,
            min_step=0.5,
            stroke=0.5,
        )
        # WIMD decile distribution
        counts = {d: 0 for d in range(1, 11)}
        for r in rows:
            if r.get("wimd_decile") in counts:
                counts[r["wimd_decile"]] += 1
        dec_label = {1: t("decile_most"), 10: t("decile_least")}
        items = [(dec_label.get(d, str(d)), counts[d], t.num(counts[d])) for d in counts]
        total = len(rows)
        n10, n20 = counts[1], counts[1] + counts[2]
        wimd = {
            "chart": charts.bar_chart(
                "wimd-chart", t("la.wimd_chart_title", name=la_name), t("la.wimd_chart_desc"), items
            ),
            "summary": t(
                "wimd_summary",
                n10=t.num(n10),
                total=t.num(total),
                p10=t.pct(n10 / total if total else None),
                n20=t.num(n20),
                p20=t.pct(n20 / total if total else None),
            ),
            "table": table(
                "wimd-table",
                t("la.wimd_heading") + " – " + t("table_caption_suffix"),
                [(t("fields.decile"), False), (t("fields.lsoa_count_short"), True)],
                [[(lbl, None), (shown, v)] for lbl, v, shown in items],
                False,
            ),
        }
        # activity by category
        cats = [c for c in CATEGORIES if c != "all"]
        cat_items = [
            (t(f"categories.{c}"), la.get(COUNT_COL[c]) or 0, t.num(la.get(COUNT_COL[c]) or 0))
            for c in cats
        ]
        per10k = {c: la.get(COUNT_COL[c].replace("_count", "_per_10k")) for c in cats}
        top = max(cat_items, key=lambda x: x[1]) if cat_items else None
        activity = {
            "chart": charts.bar_chart(
                "activity-chart",
                t("la.activity_chart_title", name=la_name),
                t("la.activity_chart_desc"),
                cat_items,
            ),
            "summary": (
                t(
                    "la.activity_summary",
                    total=t.num(la.get("activity_count")),
                    name=la_name,
                    per10k=t.num(la.get("activity_per_10k"), 1),
                    top=top[0],
                    top_count=top[2],
                )
                if la.get("activity_count")
                else t("la.activity_summary_none", name=la_name)
            ),
            "table": table(
                "activity-table",
                t("la.activity_heading") + " – " + t("table_caption_suffix"),
                [
                    (t("fields.category"), False),
                    (t("fields.activity_count"), True),
                    (t("fields.activity_per_10k"), True),
                ],
                [
                    [(lbl, None), (shown, v), (t.num(per10k[c], 1), per10k[c])]
                    for c, (lbl, v, shown) in zip(cats, cat_items, strict=True)
                ],
                False,
            ),
        }
        # by financial year
        yr = self.d["marts.activity_by_la_year"].filter(pl.col("la_code") == code)
        years = sorted(set(yr["financial_year"].to_list()))
        yr_rows = []
        yr_items = []
        for y in years:
            sub = yr.filter(pl.col("financial_year") == y)
            if "all" in sub["action_category"].to_list():
                sub = sub.filter(pl.col("action_category") == "all")
            n = int(sub["activity_count"].sum() or 0)
            f = sub["funding_gbp"].sum() if "funding_gbp" in sub.columns else None
            p = sub["participant_count"].sum() if "participant_count" in sub.columns else None
            yr_items.append((y, n, t.num(n)))
            yr_rows.append([(y, None), (t.num(n), n), (t.gbp(f), f), (t.num(p), p)])
        by_year = {
            "chart": charts.bar_chart(
                "year-chart",
                t("la.year_chart_title", name=la_name),
                t("la.year_chart_desc"),
                yr_items,
            )
            if yr_items
            else None,
            "summary": t(
                "la.year_summary", n=t.num(len(years)), latest=years[-1], count=yr_items[-1][2]
            )
            if years
            else t("la.activity_summary_none", name=la_name),
            "table": table(
                "year-table",
                t("la.year_heading") + " – " + t("table_caption_suffix"),
                [
                    (t("fields.financial_year"), False),
                    (t("fields.activity_count"), True),
                    (t("fields.funding_gbp"), True),
                    (t("fields.participant_count"), True),
                ],
                yr_rows,
                False,
            ),
        }
        # indicators beside Wales
        mine = self.la_latest.filter(pl.col("area_code") == code).sort("indicator_code")
        wales = {r["indicator_code"]: r for r in self.wales_latest.to_dicts()}
        ind_rows = []
        for r in mine.to_dicts():
            w = wales.get(r["indicator_code"])
            nm = (r.get("indicator_name_cy") if lang == "cy" else None) or r["indicator_name_en"]
            diff = (
                (r["value"] - w["value"])
                if (w and not _is_missing(r["value"]) and not _is_missing(w["value"]))
                else None
            )
            pol = r.get("polarity")
            ind_rows.append(
                [
                    (nm, None),
                    (r["period"], None),
                    (t.value(r["value"], r.get("unit")), r["value"]),
                    (
                        t.value(w["value"], w.get("unit")) if w else t("no_data"),
                        w["value"] if w else None,
                    ),
                    (
                        (("+" if diff > 0 else "") + t.value(diff, r.get("unit")))
                        if diff is not None
                        else t("no_data"),
                        diff,
                    ),
                    (
                        t(f"polarity.{pol}")
                        if pol in ("higher_is_better", "lower_is_better")
                        else "",
                        None,
                    ),
                ]
            )
        indicators = table(
            "ind-table",
            t("la.indicators_heading") + " – " + t("table_caption_suffix"),
            [
                (t("fields.indicator"), False),
                (t("fields.period"), False),
                (la_name, True),
                (t("fields.wales"), True),
                (t("fields.difference"), True),
                (t("fields.direction"), False),
            ],
            ind_rows,
        )
        # sectors
        sec = (
            self.d["marts.activity_by_la_sector"]
            .filter(pl.col("la_code") == code)
            .sort("activity_count", descending=True)
        )
        sec_items = [
            (t.get(f"sectors.{s}", s), n or 0, t.num(n))
            for s, n in zip(sec["sector"].to_list(), sec["activity_count"].to_list(), strict=True)
        ]
        sectors = {
            "chart": charts.bar_chart(
                "sector-chart",
                t("la.sectors_chart_title", name=la_name),
                t("la.sectors_chart_desc"),
                sec_items,
            )
            if sec_items
            else None,
            "summary": t("la.sectors_summary", top=sec_items[0][0], count=sec_items[0][2])
            if sec_items
            else t("la.activity_summary_none", name=la_name),
            "table": table(
                "sector-table",
                t("la.sectors_heading") + " – " + t("table_caption_suffix"),
                [(t("fields.sector"), False), (t("fields.activity_count"), True)],
                [[(lbl, None), (shown, v)] for lbl, v, shown in sec_items],
                False,
            ),
        }
        lsoa_table = self._lsoa_table(
            t, rows, "lsoa-table", t("la.lsoa_table_heading", name=la_name), False
        )
        self.render(
            lang,
            f"la/{code}.html",
            "la.html",
            la=la,
            la_name=la_name,
            figures=figures,
            lsoa_map=lsoa_map,
            wimd=wimd,
            activity=activity,
            by_year=by_year,
            indicators=indicators,
            sectors=sectors,
            lsoa_table=lsoa_table,
            lhb=self._lhb_line(t, la),
            example_banner=bool(la.get("is_example_data"))
            or any(r.get("is_example_data") for r in rows),
        )

    @staticmethod
    def _lhb_line(t: Translator, la: dict) -> Markup | None:
        """'Local health board: <name>', the name marked as English where no Welsh one exists."""
        welsh = la.get("lhb_name_cy") if t.lang == "cy" else None
        lhb = welsh or la.get("lhb_name_en")
        if not lhb:
            return None
        span = Markup('<span lang="{}">{}</span>').format("cy" if welsh else "en", lhb)
        return Markup(escape(t("la.lhb", name="\x00"))).replace("\x00", span)

    def goals_page(self, lang: str, t: Translator) -> None:
        collab = self.d["marts.collaboration_and_goals"].to_dicts()
        wales = {r["indicator_code"]: r for r in self.wales_latest.to_dicts()}
        sections = []
        for g in self.goals:
            gc = g["goal_code"]
            inds = [r for r in self.ind_ref if gc in (r.get("wellbeing_goals") or [])]
            ind_rows = []
            for r in sorted(
                inds, key=lambda r: (r.get("national_indicator") or 999, r["indicator_code"])
            ):
                w = wales.get(r["indicator_code"])
                nm = (r.get("indicator_name_cy") if lang == "cy" else None) or r[
                    "indicator_name_en"
                ]
                ni = r.get("national_indicator")
                ind_rows.append(
                    [
                        (nm, None),
                        (t.num(ni) if ni is not None else "–", ni),
                        (
                            t.value(w["value"], w.get("unit")) if w else t("no_data"),
                            w["value"] if w else None,
                        ),
                        (w["period"] if w else "–", None),
                        (t.get(f"polarity.{r.get('polarity')}", ""), None),
                    ]
                )
            cor = [c for c in collab if gc in (c.get("wellbeing_goals") or [])]
            cor.sort(
                key=lambda c: (
                    c["indicator_code"],
                    CATEGORIES.index(c["action_category"])
                    if c["action_category"] in CATEGORIES
                    else 9,
                )
            )
            frows, trows = [], []
            n_excl = 0
            caveats = []
            for c in cor:
                nm = (c.get("indicator_name_cy") if lang == "cy" else None) or c[
                    "indicator_name_en"
                ]
                label = (
                    f"{nm} · {t.get('categories.' + c['action_category'], c['action_category'])}"
                )
                lo, hi = c.get("ci_lower"), c.get("ci_upper")
                if not _is_missing(lo) and not _is_missing(hi) and (lo > 0 or hi < 0):
                    n_excl += 1
                cat_label = t.get(f"categories.{c['action_category']}", c["action_category"])
                if not frows or frows[-1][0] != nm:
                    frows.append((nm, []))
                frows[-1][1].append((cat_label, c.get("spearman_rho"), lo, hi))
                trows.append(
                    [
                        (label, None),
                        (t.num(c.get("n")), c.get("n")),
                        (t.num(c.get("spearman_rho"), 2), c.get("spearman_rho")),
                        (f"{t.num(lo, 2)} – {t.num(hi, 2)}", lo),
                    ]
                )
                cav = c.get(f"caveat_{lang}") or c.get("caveat_en")
                if cav and cav not in caveats:
                    caveats.append(cav)
            goal_name = g[f"goal_name_{lang}"] or g["goal_name_en"]
            sections.append(
                {
                    "code": gc,
                    "number": g["goal_number"],
                    "name": goal_name,
                    "description": g.get(f"description_{lang}") or g.get("description_en") or "",
                    "indicators": table(
                        f"ind-{gc}",
                        t("goals.indicators_heading") + " – " + goal_name,
                        [
                            (t("fields.indicator"), False),
                            (t("fields.national_indicator"), True),
                            (t("goals.wales_latest"), True),
                            (t("fields.period"), False),
                            (t("fields.direction"), False),
                        ],
                        ind_rows,
                    ),
                    "forest": charts.forest_plot(
                        f"forest-{gc}",
                        t("goals.forest_title", goal=goal_name),
                        t("goals.forest_desc"),
                        frows,
                    )
                    if frows
                    else None,
                    "forest_summary": t(
                        "goals.forest_summary", n=t.num(len(trows)), n_excl=t.num(n_excl)
                    ),
                    "cor_table": table(
                        f"cor-{gc}",
                        t("goals.correlations_heading") + " – " + goal_name,
                        [
                            (t("fields.indicator") + " · " + t("fields.category"), False),
                            (t("fields.n"), True),
                            (t("fields.rho"), True),
                            (t("fields.ci"), True),
                        ],
                        trows,
                    ),
                    "caveats": caveats,
                    "example": any(c.get("is_example_data") for c in cor),
                }
            )
        self.render(
            lang,
            "goals.html",
            "goals.html",
            sections=sections,
            example_banner=any(c.get("is_example_data") for c in collab),
        )

    def deprivation_page(self, lang: str, t: Translator) -> None:
        df = self.d["marts.activity_by_wimd_decile"].sort(["wimd_decile", "action_category"])
        dec_label = {1: t("decile_most"), 10: t("decile_least")}
        blocks = []
        for cat in CATEGORIES:
            sub = {
                r["wimd_decile"]: r for r in df.filter(pl.col("action_category") == cat).to_dicts()
            }
            if not sub:
                continue
            items = [
                (
                    dec_label.get(d, str(d)),
                    sub.get(d, {}).get("activities_per_1k"),
                    t.num(sub.get(d, {}).get("activities_per_1k"), 2),
                )
                for d in range(1, 11)
            ]
            cat_name = t(f"categories.{cat}")
            blocks.append(
                {
                    "id": f"dep-{cat}",
                    "heading": cat_name,
                    "chart": charts.bar_chart(
                        f"dep-chart-{cat}",
                        t("deprivation.chart_title", category=cat_name),
                        t("deprivation.chart_desc"),
                        items,
                    ),
                    "summary": t(
                        "deprivation.summary",
                        category=cat_name,
                        most=items[0][2],
                        least=items[-1][2],
                    ),
                    "table": table(
                        f"dep-table-{cat}",
                        cat_name + " – " + t("table_caption_suffix"),
                        [
                            (t("fields.decile"), False),
                            (t("fields.population"), True),
                            (t("fields.activity_count"), True),
                            (t("fields.activities_per_1k"), True),
                        ],
                        [
                            [
                                (items[d - 1][0], None),
                                (
                                    t.num(sub.get(d, {}).get("population")),
                                    sub.get(d, {}).get("population"),
                                ),
                                (
                                    t.num(sub.get(d, {}).get("activity_count")),
                                    sub.get(d, {}).get("activity_count"),
                                ),
                                (items[d - 1][2], items[d - 1][1]),
                            ]
                            for d in range(1, 11)
                        ],
                        False,
                    ),
                }
            )
        allrows = {
            r["wimd_decile"]: r for r in df.filter(pl.col("action_category") == "all").to_dicts()
        }
        f_items = [
            (
                dec_label.get(d, str(d)),
                allrows.get(d, {}).get("funding_per_head_gbp"),
                t.gbp(allrows.get(d, {}).get("funding_per_head_gbp"), 2),
            )
            for d in range(1, 11)
        ]
        funding = {
            "chart": charts.bar_chart(
                "dep-funding",
                t("deprivation.funding_title"),
                t("deprivation.funding_desc"),
                f_items,
            ),
            "summary": t(
                "deprivation.funding_summary",
                most=t.num(f_items[0][1], 2),
                least=t.num(f_items[-1][1], 2),
            ),
            "table": table(
                "dep-funding-table",
                t("deprivation.funding_title") + " – " + t("table_caption_suffix"),
                [
                    (t("fields.decile"), False),
                    (t("fields.funding_gbp"), True),
                    (t("fields.funding_per_head_gbp"), True),
                ],
                [
                    [
                        (f_items[d - 1][0], None),
                        (
                            t.gbp(allrows.get(d, {}).get("funding_gbp")),
                            allrows.get(d, {}).get("funding_gbp"),
                        ),
                        (f_items[d - 1][2], f_items[d - 1][1]),
                    ]
                    for d in range(1, 11)
                ],
                False,
            ),
        }
        rows = []
        for r in df.to_dicts():
            rows.append(
                [
                    (dec_label.get(r["wimd_decile"], str(r["wimd_decile"])), r["wimd_decile"]),
                    (t.get(f"categories.{r['action_category']}", r["action_category"]), None),
                    (t.num(r.get("lsoa_count")), r.get("lsoa_count")),
                    (t.num(r.get("population")), r.get("population")),
                    (t.num(r.get("activity_count")), r.get("activity_count")),
                    (t.num(r.get("activities_per_1k"), 2), r.get("activities_per_1k")),
                    (t.gbp(r.get("funding_gbp")), r.get("funding_gbp")),
                    (t.gbp(r.get("funding_per_head_gbp"), 2), r.get("funding_per_head_gbp")),
                    (t.num(r.get("participant_count")), r.get("participant_count")),
                ]
            )
        tbl = table(
            "dep-table",
            t("deprivation.table_heading") + " – " + t("table_caption_suffix"),
            [
                (t("fields.decile"), True),
                (t("fields.category"), False),
                (t("fields.lsoa_count_short"), True),
                (t("fields.population"), True),
                (t("fields.activity_count"), True),
                (t("fields.activities_per_1k"), True),
                (t("fields.funding_gbp"), True),
                (t("fields.funding_per_head_gbp"), True),
                (t("fields.participant_count"), True),
            ],
            rows,
        )
        self.render(
            lang,
            "deprivation.html",
            "deprivation.html",
            blocks=blocks,
            funding=funding,
            dep_table=tbl,
            example_banner=any(r.get("is_example_data") for r in df.to_dicts()),
        )

    def data_page(self, lang: str, t: Translator) -> None:
        sources = self.sources()
        self.render(
            lang,
            "data.html",
            "data.html",
            tables=self.d.tables,
            sizes=self.sizes,
            sources=sources,
            published_name=self.published_name,
            example_banner=self.example_any,
        )

    def sources(self) -> list[dict]:
        """Sources named by the published tables, described from the source catalogue."""
        used = set()
        for full in ("marts.goal_indicators",):
            frame = self.d[full]
            if "source_key" in frame.columns:
                used |= {s for s in frame["source_key"].unique().to_list() if s}
        for r in self.ind_ref:
            if r.get("source"):
                used.add(r["source"])
        catalogue = {}
        cat_file = HERE.parent / "pipelines" / "catalogue.yaml"
        if cat_file.is_file():
            catalogue = (yaml.safe_load(cat_file.read_text(encoding="utf-8")) or {}).get(
                "sources", {}
            )
        out = []
        for key, src in catalogue.items():
            out.append(
                {
                    "key": key,
                    "title": src.get("title", key),
                    "publisher": src.get("publisher", ""),
                    "licence": src.get("licence", ""),
                    "url": src.get("landing_page") or src.get("url") or "",
                }
            )
        listed = {s["key"] for s in out}
        for key in sorted(used - listed):
            out.append({"key": key, "title": key, "publisher": "", "licence": "", "url": ""})
        return out


def build_site(db: Path, out: Path, boundaries_dir: Path) -> dict:
    """Build the whole site into ``out`` (replaced atomically); return build metadata.

    Returns:
        dict with ``pages``, ``total_bytes``, ``largest_page``, ``largest_page_bytes``,
        ``seconds``.
    """
    start = time.perf_counter()
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp makes it 0700; the site is for anyone to read (issue 10)
    try:
        con = connect(Path(db))
        try:
            data = load(con)
            sizes = export_tables(con, data.tables, tmp / "data")
        finally:
            con.close()
        builder = SiteBuilder(data, Path(boundaries_dir), tmp, Path(db).name)
        builder.sizes = sizes
        builder.build()
        pages = [p for p in tmp.rglob("*.html")]
        largest = max(pages, key=lambda p: p.stat().st_size)
        total = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
        report = {
            "pages": len(pages),
            "total_bytes": total,
            "largest_page": str(largest.relative_to(tmp)),
            "largest_page_bytes": largest.stat().st_size,
        }
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old.{os.getpid()}")
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report["seconds"] = round(time.perf_counter() - start, 2)
    return report


def main(argv: list[str] | None = None) -> int:
    from pipelines.settings import setting_path

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db",
        type=Path,
        default=setting_path("WELLBEING_PUBLISH_DIR") / "wellbeing.duckdb",
        help="the published DuckDB file (default: $WELLBEING_PUBLISH_DIR/wellbeing.duckdb)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=setting_path("WELLBEING_DASHBOARD_DIR"),
        help="output folder (default: $WELLBEING_DASHBOARD_DIR, data/site)",
    )
    parser.add_argument(
        "--boundaries",
        type=Path,
        default=setting_path("WELLBEING_BOUNDARIES_DIR"),
        help="folder with local_authorities.geojson and lsoa21.geojson "
        "(default: $WELLBEING_BOUNDARIES_DIR)",
    )
    args = parser.parse_args(argv)
    try:
        report = build_site(args.db, args.out, args.boundaries)
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"dashboard build failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"built {report['pages']} pages into {args.out} in {report['seconds']} s; "
        f"total {report['total_bytes'] / 1e6:.1f} MB; largest page {report['largest_page']} "
        f"({report['largest_page_bytes'] / 1e6:.2f} MB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
