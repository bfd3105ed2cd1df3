"""Build the static site from what publishing wrote: render page data with the templates.

    python -m dashboards.build --db data/published/wellbeing.duckdb --out data/site \
        --boundaries data/boundaries [--sources sources.json] [--contact EMAIL-OR-URL]

The pages (each in ``en/`` and ``cy/``, with a bilingual ``index.html`` at the root) are listed
in ``dashboards/README.md``. ``assets/`` holds the styles, script, vendored Leaflet, boundaries,
map and compare data and search indexes (scripts, so the site works from ``file://``); ``data/``
holds publish's exports. Every link is relative.

This package never imports ``pipelines`` (the Dagster asset in ``pipelines/dashboard`` calls
``build_site``); page data comes from ``dashboards.pagedata``.
"""

import argparse
import datetime as dt
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from dashboards import pagedata as pd
from dashboards.geo import Area, dissolve, encode, main_land_bounds, read_areas, simplify_coverage
from dashboards.i18n import LANGS, Translator
from dashboards.published import Published, load

HERE = Path(__file__).resolve().parent
NAV = (
    ("index.html", "overview"),
    ("areas.html", "small_areas"),
    ("la/index.html", "local_authorities"),
    ("psb/index.html", "psbs"),
    ("hb/index.html", "health_boards"),
    ("compare.html", "compare"),
    ("goals.html", "goals"),
    ("indicators.html", "indicators"),
    ("deprivation.html", "deprivation"),
    ("data.html", "data"),
)
FOOTER = (
    ("methods.html", "methods"),
    ("sources.html", "sources"),
    ("accessibility.html", "accessibility"),
    ("contact.html", "contact"),
)
# Budgets in bytes: the page and what it loads on open (scripts, styles, boundaries, data).
OVERVIEW_BUDGET = 400_000
PAGE_BUDGET = 1_200_000


class SiteBuilder:
    def __init__(
        self,
        published: Published,
        boundaries_dir: Path,
        out: Path,
        sources: list[dict] | None = None,
        contact: str = "",
    ):
        self.pub = published
        self.out = out
        self.sources = sources or []
        self.contact = contact
        self.la_areas = read_areas(boundaries_dir / "local_authorities.geojson")
        self.lsoa_areas = read_areas(boundaries_dir / "lsoa21.geojson")
        self.downloads = self._copy_exports()
        self.site = pd.Site(published.frames, self.downloads)
        missing_la = [r["la_code"] for r in self.site.las if r["la_code"] not in self.la_areas]
        missing_lsoa = [c for c in self.site.lsoa if c not in self.lsoa_areas]
        if missing_la or missing_lsoa:
            raise RuntimeError(f"no boundary for {missing_la + missing_lsoa[:5]}")
        # boundaries of the levels made of others: PSBs and health boards from their local
        # authorities, MSOAs from their LSOAs (the pipeline publishes no boundary for them)
        # the Wales-wide maps (authorities, PSBs, health boards) use boundaries simplified
        # together, which keeps the overview page inside its budget
        s = self.site
        self.la_overview = {
            a.code: a for a in simplify_coverage([self.la_areas[r["la_code"]] for r in s.las])
        }
        self.group_areas = {
            "psb": dissolve(
                self.la_overview, {r["psb_code"]: r["la_codes"] for r in s.rows["psb"]}
            ),
            "hb": dissolve(self.la_overview, {r["lhb_code"]: r["la_codes"] for r in s.rows["hb"]}),
            "msoa": dissolve(
                self.lsoa_areas,
                {c: [r["lsoa_code"] for r in rows] for c, rows in s.lsoas_in_msoa.items() if c},
            ),
        }
        # per local authority, the boundaries of its LSOAs and of its MSOAs: each authority's
        # maps of them (``lsoa-<W06>``, ``msoa-<W06>``)
        self.in_la = {
            "lsoa": {
                la: [self.lsoa_areas[r["lsoa_code"]] for r in rows]
                for la, rows in s.lsoas_in.items()
            },
            "msoa": {
                la: [self.group_areas["msoa"][r["msoa_code"]] for r in rows]
                for la, rows in s.msoas_in.items()
            },
        }
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["format_vars"] = lambda text, values: str(text).format(**values)
        self.env.filters["urls_untranslated"] = urls_untranslated
        self.built_on = dt.date.today().isoformat()

    # -- files -------------------------------------------------------------------------------

    def _copy_exports(self) -> dict:
        """Copy publish's exports into ``data/``; return what the pages link."""
        manifest = self.pub.manifest
        target = self.out / "data"
        target.mkdir(parents=True, exist_ok=True)
        files = {}
        for table, formats in manifest.get("exports", {}).items():
            for fmt, file_name in formats.items():
                shutil.copyfile(self.pub.exports_dir / file_name, target / file_name)
                files.setdefault(table, {})[fmt] = (file_name, (target / file_name).stat().st_size)
        areas = {}
        for code, file_name in manifest.get("area_extracts", {}).items():
            shutil.copyfile(self.pub.exports_dir / file_name, target / file_name)
            areas[code] = file_name
        return {"tables": files, "areas": areas}

    def translator(self, lang: str) -> Translator:
        """The interface text in ``lang``, with the codes named as the published file names
        them (``dictionary.code_labels``)."""
        return Translator(lang, self.pub.code_names(lang))

    def write(self, rel: str, text: str) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def render(self, t: Translator, path: str, template, **ctx) -> None:
        """Render ``template`` (a name, or a template loaded once for the many small-area and
        MSOA pages) to ``<lang>/<path>``."""
        if isinstance(template, str):
            template = self.env.get_template(template)
        root = "../" * (path.count("/") + 1)
        lang = t.lang
        html = template.render(
            {"example_banner": False, "scripts": [], "styles": [], **ctx},
            t=t,
            lang=lang,
            other_lang="cy" if lang == "en" else "en",
            root=root,
            here=root + lang + "/",
            path=path,
            built_on=self.built_on,
            nav=NAV,
            footer=FOOTER,
        )
        self.write(f"{lang}/{path}", html)

    def boundaries(self, name: str, areas: list[Area]) -> None:
        """``assets/geo/<name>.js``: the encoded boundaries, registered as ``WBGEO[name]``."""
        self.write(f"assets/geo/{name}.js", _register("WBGEO", name, encode(areas)))

    def assets(self) -> None:
        for f in ("site.css", "site.js", "favicon.svg"):
            self.write(f"assets/{f}", (HERE / "static" / f).read_text(encoding="utf-8"))
        vendor = self.out / "assets" / "vendor" / "leaflet"
        vendor.mkdir(parents=True, exist_ok=True)
        for f in ("leaflet.js", "leaflet.css", "LICENSE"):
            shutil.copyfile(HERE / "vendor" / "leaflet" / f, vendor / f)
        self.boundaries("la", [self.la_overview[r["la_code"]] for r in self.site.las])
        self.boundaries("lsoa", [self.lsoa_areas[r["lsoa_code"]] for r in self.site.lsoas])
        for level, by_la in self.in_la.items():
            for la_code, areas in by_la.items():
                self.boundaries(f"{level}-{la_code}", areas)
        for level in ("psb", "hb"):
            areas = self.group_areas[level]
            codes = pd.codes_of(level, self.site.rows[level])
            self.boundaries(level, [areas[c] for c in codes if c in areas])
        self.write(
            "assets/search/areas.js", _register("WBSEARCH", "areas", pd.search_index(self.site))
        )
        for district, shard in pd.postcode_shards(self.pub["marts.postcode_lsoa"]).items():
            self.write(f"assets/search/postcodes/{district}.js", _register("WBPC", district, shard))

    # -- pages -------------------------------------------------------------------------------

    def build(self) -> None:
        self.assets()
        s = self.site
        la_bounds = main_land_bounds([self.la_areas[r["la_code"]] for r in s.las])
        la_lsoa_bounds = {la: main_land_bounds(a) for la, a in self.in_la["lsoa"].items()}
        for lang in LANGS:
            t = self.translator(lang)
            ctx = pd.overview(s, t, la_bounds)
            self.render(t, "index.html", "overview.html", **map_assets(ctx["la_map"]), **ctx)
            ctx = pd.indicator_map(s, t, la_bounds)
            self.render(t, "indicators.html", "indicators.html", **map_assets(ctx["la_map"]), **ctx)
            ctx = pd.small_areas(s, t, la_bounds)
            self.render(t, "areas.html", "small_areas.html", **map_assets(ctx["lsoa_map"]), **ctx)
            self.render(t, "la/index.html", "la_index.html", **pd.la_index(s, t))
            for la in s.las:
                code = la["la_code"]
                ctx = pd.la_profile(s, t, la, la_lsoa_bounds[code])
                self.render(t, f"la/{code}.html", "la.html", **map_assets(ctx["lsoa_map"]), **ctx)
            lsoa_template = self.env.get_template("lsoa.html")
            macros = self.env.get_template("macros.html").make_module({"t": t})
            shared: dict[str, tuple] = {}
            for r in s.lsoas:
                code = r["la_code"]
                ctx = pd.lsoa_profile(s, t, r, la_lsoa_bounds[code])
                m = ctx["lsoa_map"]
                if code not in shared:
                    shared[code] = (macros.map_options(m), macros.map_legends(m))
                m["options_html"], m["legends_html"] = shared[code]
                path = f"lsoa/{r['lsoa_code']}.html"
                self.render(t, path, lsoa_template, **map_assets(m), **ctx)
            self.group_pages(t)
            for level in pd.LEVELS:
                self.write(
                    f"assets/data/compare-{level}.{lang}.js",
                    _register("WBCOMPARE", f"{level}.{lang}", pd.compare_data(s, t, level)),
                )
            self.render(
                t,
                "compare.html",
                "compare.html",
                scripts=[f"data/compare-la.{lang}.js"],
                level_data={
                    level: f"data/compare-{level}.{lang}.js" for level in ("lsoa", *pd.GROUP_LEVELS)
                },
                example_banner=s.example,
            )
            self.render(t, "search.html", "search.html")
            self.render(t, "goals.html", "goals.html", **pd.goals(s, t))
            self.render(t, "deprivation.html", "deprivation.html", **pd.deprivation(s, t))
            self.render(
                t,
                "data.html",
                "data.html",
                tables=self.pub.tables,
                downloads=self.downloads["tables"],
                example_banner=s.example,
            )
            self.render(t, "sources.html", "sources.html", sources=self.sources)
            prose_vars = {
                "period": pd.activity_period(s, t),
                "lsoas": t.fmt("int", len(s.lsoas)),
            }
            for page in ("methods", "accessibility", "contact"):
                self.render(
                    t,
                    f"{page}.html",
                    "prose.html",
                    page=t.strings[page],
                    vars=prose_vars,
                    contact=self.contact,
                )
        for key, layer in s.layers.items():
            self.write(f"assets/data/map-{key}.js", _register("WBMAP", key, layer["data"]))
        self.write(
            "index.html",
            self.env.get_template("root.html").render(
                en=self.translator("en"), cy=self.translator("cy")
            ),
        )

    def group_pages(self, t: Translator) -> None:
        """Index pages of the PSBs and health boards, and a page per PSB, health board and
        MSOA (``psb/<code>.html``, ``hb/<code>.html``, ``msoa/<code>.html``)."""
        s = self.site
        bounds = {
            level: main_land_bounds(list(self.group_areas[level].values()))
            for level in ("psb", "hb")
        }
        for level in ("psb", "hb"):
            if not s.rows[level]:
                continue
            ctx = pd.group_index(s, t, level, bounds[level])
            geo = map_assets(ctx["area_map"])
            self.render(t, f"{level}/index.html", "group_index.html", **geo, **ctx)
            for r in s.rows[level]:
                ctx = pd.group_profile(s, t, level, r, bounds[level])
                path = f"{level}/{r[pd.LEVELS[level].code_col]}.html"
                self.render(t, path, "group.html", **map_assets(ctx["area_map"]), **ctx)
        template = self.env.get_template("group.html")
        msoa_bounds = {la: main_land_bounds(a) for la, a in self.in_la["msoa"].items()}
        for r in s.rows["msoa"]:
            ctx = pd.group_profile(s, t, "msoa", r, msoa_bounds[r["la_code"]])
            path = f"msoa/{r['msoa_code']}.html"
            self.render(t, path, template, **map_assets(ctx["area_map"]), **ctx)


def map_assets(the_map: dict) -> dict:
    """What a page with a map loads: Leaflet, the map's boundary script and its data."""
    return {
        "scripts": ["vendor/leaflet/leaflet.js", f"geo/{the_map['geo']}.js", the_map["script"]],
        "styles": ["vendor/leaflet/leaflet.css"],
    }


URL = re.compile(r"https?://[^\s)]+")


def urls_untranslated(text: str) -> Markup:
    """``text`` escaped, each web address in it marked ``translate="no"``: a Welsh publisher's
    name that cites its source's page ('o Ofcom (https://www.ofcom.org.uk/...)')."""
    return Markup(URL.sub(lambda m: f'<span translate="no">{m.group(0)}</span>', str(escape(text))))


def _register(registry: str, key: str, data: object) -> str:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"(window.{registry}=window.{registry}||{{}})[{json.dumps(key)}]={body};\n"


def build_site(
    db: Path,
    out: Path,
    boundaries_dir: Path,
    sources: list[dict] | None = None,
    contact: str = "",
) -> dict:
    """Build the whole site into ``out`` (replaced atomically); return build metadata.

    Args:
        db: the published DuckDB file; its ``manifest.json`` and ``exports/`` sit beside it.
        out: the site folder.
        boundaries_dir: folder with ``local_authorities.geojson`` and ``lsoa21.geojson``.
        sources: the data sources for the sources page (key, title, publisher, licence, url;
            ``publisher_cy``, the publisher's Welsh name, shown on the Welsh page where given).
        contact: an e-mail address or URL for the contact page ("" = none given).

    Returns:
        dict with ``pages``, ``total_bytes``, ``largest_page``, ``largest_page_bytes``,
        ``seconds``.

    Raises:
        FileNotFoundError: the published file, its manifest, an export or a boundary is missing.
        RuntimeError: a table the site needs is missing, or an area has no boundary.
    """
    start = time.perf_counter()
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        published = load(Path(db))
        SiteBuilder(published, Path(boundaries_dir), tmp, sources, contact).build()
        pages = list(tmp.rglob("*.html"))
        largest = max(pages, key=lambda p: p.stat().st_size)
        report = {
            "pages": len(pages),
            "total_bytes": sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file()),
            "largest_page": str(largest.relative_to(tmp)),
            "largest_page_bytes": largest.stat().st_size,
        }
        os.chmod(tmp, 0o755)
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="the published DuckDB file")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--boundaries",
        type=Path,
        required=True,
        help="folder with local_authorities.geojson and lsoa21.geojson",
    )
    parser.add_argument(
        "--sources",
        type=Path,
        help="JSON list of sources (key, title, publisher, publisher_cy, licence, url)",
    )
    parser.add_argument("--contact", default="", help="e-mail address or URL for the contact page")
    args = parser.parse_args(argv)
    sources = json.loads(args.sources.read_text(encoding="utf-8")) if args.sources else None
    try:
        report = build_site(args.db, args.out, args.boundaries, sources, args.contact)
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"dashboard build failed: {exc}", file=sys.stderr)
        return 1
    print(summary(report, args.out))
    return 0


def summary(report: dict, out: Path) -> str:
    return (
        f"built {report['pages']} pages into {out} in {report['seconds']} s; "
        f"total {report['total_bytes'] / 1e6:.1f} MB; largest page {report['largest_page']} "
        f"({report['largest_page_bytes'] / 1e6:.2f} MB)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
