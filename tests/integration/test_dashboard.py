"""The dashboard site built from the real marts: pages, languages, sizes, page-weight budget,
offline, downloads, suppression, Welsh pages, and (``@pytest.mark.browser``) the site in
Debian's Chromium: search by postcode, compare, zoomable maps, the language switch, phone width,
``file://`` and axe-core accessibility checks on every page type.

The site is built once per session from the published file the pipeline wrote and served on
127.0.0.1 by ``http.server``.
"""

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from dashboards.build import OVERVIEW_BUDGET, PAGE_BUDGET, build_site
from dashboards.i18n import Translator
from pipelines.settings import PROJECT_ROOT
from tests.unit.test_dashboard import _flatten

CARDIFF = "W06000015"
CATHAYS_12 = "W01002019"  # CF10 1AA
CARDIFF_LSOAS = 218
CARDIFF_PSB = "psb_cardiff"
CARDIFF_AND_VALE_HB = "W11000029"
CATHAYS_MSOA = "W02000398"  # Cathays South & Bute Park, the MSOA of Cathays 12
PAGE_TYPES = (
    "index.html",
    "areas.html",
    "la/index.html",
    f"la/{CARDIFF}.html",
    f"lsoa/{CATHAYS_12}.html",
    "psb/index.html",
    f"psb/{CARDIFF_PSB}.html",
    "hb/index.html",
    f"hb/{CARDIFF_AND_VALE_HB}.html",
    f"msoa/{CATHAYS_MSOA}.html",
    "compare.html",
    "search.html",
    "goals.html",
    "indicators.html",
    "deprivation.html",
    "data.html",
    "sources.html",
    "methods.html",
    "accessibility.html",
    "contact.html",
)


@pytest.fixture(scope="session")
def dashboard_site(published_file, pipeline_env, tmp_path_factory):
    from pipelines.dashboard.assets import catalogue_sources

    site = tmp_path_factory.mktemp("dashboard") / "site"
    report = build_site(
        published_file,
        site,
        Path(pipeline_env["WELLBEING_BOUNDARIES_DIR"]),
        catalogue_sources(),
        "dashboard@example.org",
    )
    return site, report


def test_site_has_every_page_in_both_languages(dashboard_site):
    site, report = dashboard_site
    pages = list(site.rglob("*.html"))
    # 13 site pages, 22 authority and 1,917 small-area profiles per language, plus the root;
    # the PSB and health-board indexes and 13 PSB, 7 health-board and 408 MSOA profiles
    assert len(pages) == report["pages"] == 1 + 2 * (13 + 22 + 1917 + 2 + 13 + 7 + 408)
    en = sorted(p.relative_to(site / "en").as_posix() for p in (site / "en").rglob("*.html"))
    cy = sorted(p.relative_to(site / "cy").as_posix() for p in (site / "cy").rglob("*.html"))
    assert en == cy
    assert set(PAGE_TYPES) <= set(en)


def test_language_switch_on_every_page(dashboard_site):
    site, _ = dashboard_site
    for lang, other in (("en", "cy"), ("cy", "en")):
        for file in (site / lang).rglob("*.html"):
            rel = file.relative_to(site / lang).as_posix()
            html = file.read_text(encoding="utf-8")
            assert f'<html lang="{lang}">' in html
            switch = re.search(r'<a class="lang-switch" href="([^"]+)"', html)
            assert switch and switch.group(1) == "../" * (rel.count("/") + 1) + f"{other}/{rel}"


def _local_refs(page: Path) -> list[Path]:
    html = page.read_text(encoding="utf-8")
    refs = re.findall(r'<script src="([^"]+)"', html) + re.findall(
        r'<link rel="stylesheet" href="([^"]+)"', html
    )
    return [(page.parent / r).resolve() for r in refs]


def page_weight(page: Path) -> int:
    """Bytes a browser loads on opening the page: the HTML and its scripts and styles."""
    return page.stat().st_size + sum(p.stat().st_size for p in _local_refs(page))


def test_page_weight_budget(dashboard_site):
    site, _ = dashboard_site
    for lang in ("en", "cy"):
        overview = page_weight(site / lang / "index.html")
        assert overview <= OVERVIEW_BUDGET, f"{lang}/index.html loads {overview:,} bytes"
    heavy = {}
    for page in site.rglob("*.html"):
        if "/lsoa/" in page.as_posix() and not page.name.startswith("W01000"):
            continue  # the small-area pages share one template: check the first 100 or so
        weight = page_weight(page)
        if weight > PAGE_BUDGET:
            heavy[page.relative_to(site).as_posix()] = weight
    assert not heavy, heavy


def test_every_script_and_style_ships_with_the_site(dashboard_site):
    site, _ = dashboard_site
    for rel in PAGE_TYPES:
        for lang in ("en", "cy"):
            page = site / lang / rel
            html = page.read_text(encoding="utf-8")
            assert not re.search(
                r"<(script|link|img|iframe)\b[^>]*?\b(src|href)=\"(https?:)?//", html
            )
            for ref in _local_refs(page):
                assert ref.is_file(), (page, ref)
    assert (site / "assets" / "vendor" / "leaflet" / "LICENSE").is_file()


def test_downloads_are_publish_exports_that_excel_opens(dashboard_site, published_file, published):
    site, _ = dashboard_site
    exports = published_file.parent / "exports"
    tables = [
        r[0]
        for r in published.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where schema_name in ('marts', 'reference')"
        ).fetchall()
    ]
    cardiff_rows = published.execute(
        "select count(*) from marts.lsoa_profile where la_code = ?", [CARDIFF]
    ).fetchone()[0]
    data_page = (site / "en" / "data.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="\.\./data/([^"]+)"', data_page))
    assert len(links) == 2 * len(tables)
    for name in links:
        # the site's copy is byte for byte what publishing wrote
        assert (site / "data" / name).read_bytes() == (exports / name).read_bytes()
    raw = (site / "data" / "lsoa_profile.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 1917
    assert any(r["la_name_cy"] == "Ynys Môn" for r in rows)
    # disclosure control came from publish: a withheld count is empty and flagged, never 1-4;
    # the only other empty count is an unknown one (activities, none reporting participants)
    for r in rows:
        count = r["participant_count"]
        unknown = r["activity_count"] != "0" and r["participant_count_activities"] == "0"
        withheld = r["is_participant_count_suppressed"] == "true"
        assert (count == "") == (withheld or unknown), r["lsoa_code"]
        assert count == "" or not 1 <= int(count) <= 4, r["lsoa_code"]
    assert any(r["is_participant_count_suppressed"] == "true" for r in rows)
    # a list column is "a; b" in the CSV, exactly the published list
    goals = (site / "data" / "reference__indicator_goals.csv").read_text(encoding="utf-8-sig")
    in_csv = {
        r["indicator_code"]: r["wellbeing_goals"].split("; ")
        for r in csv.DictReader(io.StringIO(goals))
    }
    in_file = dict(
        published.execute(
            "select indicator_code, wellbeing_goals from reference.indicator_goals"
        ).fetchall()
    )
    assert in_csv == in_file and len(in_file) > 40
    assert any(len(goals) > 1 for goals in in_csv.values())
    profile = (site / "en" / "la" / f"{CARDIFF}.html").read_text(encoding="utf-8")
    extract = re.search(r'href="(\.\./\.\./data/lsoa_profile_W06000015\.csv)" download', profile)
    assert extract
    with (site / "data" / "lsoa_profile_W06000015.csv").open(encoding="utf-8-sig") as f:
        assert len(list(csv.DictReader(f))) == cardiff_rows == CARDIFF_LSOAS


def test_lsoa_tables_never_show_participant_counts_of_one_to_four(dashboard_site):
    site, _ = dashboard_site
    for page in (site / "en" / "la").glob("W06*.html"):
        html = page.read_text(encoding="utf-8")
        table = html[html.index('<table id="lsoa-table"') :]
        table = table[: table.index("</table>")]
        for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.DOTALL)[1:]:
            last = re.findall(r"<td[^>]*>(.*?)</td>", row)[-1]
            if last not in ("[c]", "No data", "Not reported"):
                assert not 1 <= int(last.replace(",", "")) <= 4, (page.name, last)


def test_rates_on_pages_come_from_the_marts(dashboard_site, published):
    site, _ = dashboard_site
    la = published.execute(
        "select activity_per_10k from marts.local_authority_profile where la_code = ?",
        [CARDIFF],
    ).fetchone()[0]
    lsoa = published.execute(
        "select activity_per_10k from marts.lsoa_profile where lsoa_code = ?", [CATHAYS_12]
    ).fetchone()[0]
    t = Translator("en")
    html = (site / "en" / "la" / f"{CARDIFF}.html").read_text(encoding="utf-8")
    assert f'data-field="activity_per_10k" data-value="{la}">{t.fmt("dec1", la)}<' in html
    html = (site / "en" / "lsoa" / f"{CATHAYS_12}.html").read_text(encoding="utf-8")
    assert f'data-field="activity_per_10k" data-value="{lsoa}">{t.fmt("dec1", lsoa)}<' in html
    assert "per 1,000" not in html


def test_example_data_is_labelled(dashboard_site, published):
    site, _ = dashboard_site
    example = published.execute(
        "select bool_or(is_example_data) from marts.local_authority_profile where la_code = ?",
        [CARDIFF],
    ).fetchone()[0]
    html = (site / "en" / "la" / f"{CARDIFF}.html").read_text(encoding="utf-8")
    assert ('class="banner"' in html) == bool(example)


# Words that mark a sentence as English; none is a Welsh word. Proper names that are only in
# English are marked lang="en" (health boards, publishers, source titles) or translate="no"
# (ward names, codes), and are skipped.
ENGLISH_WORDS = re.compile(
    r"\b(the|and|of|with|from|people|areas?|which|where|this|that|than|each|most|least|"
    r"small|shows?|choose|download|per)\b",
    re.IGNORECASE,
)


class _Text(HTMLParser):
    """Visible text of a page: outside lang="en" / translate="no" elements (``chunks``), and the
    amount marked lang="en" (``english_chars``). Scripts, styles, code and the <title> (which
    cannot mark a name; it repeats the checked <h1>) are left out."""

    VOID = frozenset({"meta", "link", "br", "img", "input", "hr", "source", "wbr"})

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []  # per open element: "", "skip" or "en"
        self.chunks: list[str] = []
        self.english_chars = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        a = dict(attrs)
        parent = self.stack[-1] if self.stack else ""
        if parent:
            mode = parent
        elif tag in ("script", "style", "code", "title") or a.get("translate") == "no":
            mode = "skip"
        elif a.get("lang") == "en":
            mode = "en"
        else:
            mode = ""
        self.stack.append(mode)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        mode = self.stack[-1] if self.stack else ""
        if mode == "en":
            self.english_chars += len(data.strip())
        elif not mode and data.strip():
            self.chunks.append(data.strip())


def test_welsh_pages_mutate_place_names_and_give_wards_their_welsh_names(dashboard_site):
    """Welsh grammar on the real site: a place after "yn" (in) takes the nasal mutation on
    every Welsh page ("yng Nghaerdydd", never "yn Caerdydd"); a small area's ward is ONS's
    Welsh name on the Welsh page (W01000057, in Gwynedd)."""
    site, _ = dashboard_site
    unmutated = re.compile(
        r"\byn (Caerdydd|Casnewydd|Conwy|Ceredigion|Caerffili|Castell-nedd|Powys|Pen-y-bont|"
        r"Torfaen|Gwynedd|Bro Morgannwg|Blaenau Gwent)\b"
    )
    pages = sorted((site / "cy").rglob("*.html"))
    found = [p.name for p in pages if unmutated.search(p.read_text(encoding="utf-8"))]
    assert found == []
    cardiff = (site / "cy" / "la" / f"{CARDIFF}.html").read_text(encoding="utf-8")
    assert "Ardaloedd bach yng Nghaerdydd" in cardiff
    lsoa = (site / "cy" / "lsoa" / "W01000057.html").read_text(encoding="utf-8")
    ward = '<span translate="no">{}</span>'
    assert ward.format("Brithdir a Llanfachreth/Y Ganllwyd/Llanelltud") in lsoa
    english = (site / "en" / "lsoa" / "W01000057.html").read_text(encoding="utf-8")
    assert ward.format("Brithdir and Llanfachreth/Ganllwyd/Llanelltyd") in english


def test_welsh_pages_have_no_english_only_text(dashboard_site, published):
    site, _ = dashboard_site
    # area names are proper names, whatever words they contain ('The Elms' is the Welsh
    # name WIMD gives one small area)
    names = {
        n
        for (n,) in published.execute(
            "select distinct unnest([lsoa_name_cy, msoa_name_cy, la_name_cy, ward_name, "
            "ward_name_cy]) "
            "from marts.lsoa_profile union select area_name_cy from reference.areas"
        ).fetchall()
        if n
    }
    by_length = sorted(names, key=len, reverse=True)

    def without_names(text: str) -> str:
        for n in by_length:
            if n in text:
                text = text.replace(n, " ")
        return text

    pages = [site / "cy" / rel for rel in PAGE_TYPES] + sorted((site / "cy" / "la").glob("W06*"))
    pages += sorted((site / "cy" / "lsoa").glob("W01*"))[::20]  # every 20th small area
    pages += sorted((site / "cy" / "psb").glob("*.html")) + sorted((site / "cy" / "hb").glob("*"))
    pages += sorted((site / "cy" / "msoa").glob("W02*"))[::20]
    english_ui = {
        v
        for v in _flatten(
            yaml.safe_load((PROJECT_ROOT / "dashboards/translations/en.yaml").read_text())
        ).values()
        if isinstance(v, str) and len(v) > 12 and "{" not in v
    }
    for page in pages:
        parser = _Text()
        parser.feed(page.read_text(encoding="utf-8"))
        english = [
            c for c in parser.chunks if ENGLISH_WORDS.search(without_names(c)) or c in english_ui
        ]
        assert not english, (page.relative_to(site).as_posix(), english[:5])
        total = parser.english_chars + sum(len(c) for c in parser.chunks)
        # marked English (proper names) stays a small part of a Welsh page; the sources page
        # lists the English titles of the publications, as it says
        limit = 0.8 if page.name == "sources.html" else 0.1
        assert parser.english_chars <= limit * total, page.name


def _rows(html: str) -> list[list[str]]:
    """Every table row of a page as its cells' text."""
    return [
        [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.DOTALL)
        ]
        for r in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.DOTALL)
    ]


def test_goals_page_shows_what_is_compared_and_the_adjusted_estimates(dashboard_site, published):
    site, _ = dashboard_site
    gdhi = published.execute(
        "select indicator_name_en, n, partial_rho, partial_p_holm, family_size "
        "from marts.collaboration_and_goals "
        "where indicator_code = 'gdhi_per_head_gbp' and action_category = 'all'"
    ).fetchone()
    name, n, partial_rho, holm, family = gdhi
    t = Translator("en")
    for lang, change, header in (
        ("en", "Change, 2020 to 2023", "Partial Spearman’s rho, adjusted for deprivation"),
        ("cy", "Newid, 2020 i 2023", "Rho Spearman rhannol, wedi'i addasu ar gyfer amddifadedd"),
    ):
        html = (site / lang / "goals.html").read_text(encoding="utf-8")
        rows = _rows(html.replace("&#39;", "'"))
        assert any(header in c for r in rows for c in r)
        assert any(f"{family} " in c and "Holm" in c for r in rows for c in r)
        if lang == "en":
            row = next(r for r in rows if r[0] == f"{name} · All activity")
            # the rho is of the 2020-2023 change, not of the 2023 level
            assert row[1] == change and row[2] == "Overlaps the activity"
            assert row[3] == str(n) == "22"
            assert row[7] == t.fmt("dec2", partial_rho) and row[10] == t.fmt("dec3", holm)
            assert row[11] == "No"
            assert "adjusted for deprivation (partial Spearman’s rho)" in html
        else:
            assert any(change in r for r in rows)
        # a missing Wales value says why in the page's language (outdoor 4G: no Wales row in
        # the source), with the reason marts.goal_indicators publishes
        note = published.execute(
            "select distinct wales_value_note"
            + ("_cy" if lang == "cy" else "")
            + " from marts.goal_indicators where indicator_code = 'outdoor_4g_coverage_pct'"
        ).fetchall()
        no_data = "No data" if lang == "en" else "Dim data"
        assert len(note) == 1 and any(c == f"{no_data}: {note[0][0]}" for r in rows for c in r)


def test_indicator_tables_explain_the_difference_and_a_missing_wales_value(dashboard_site):
    site, _ = dashboard_site
    html = (site / "en" / "la" / f"{CARDIFF}.html").read_text(encoding="utf-8")
    rows = _rows(html.replace("&#39;", "'"))
    four_g = next(r for r in rows if r[0].startswith("Geographic area with outdoor 4G"))
    assert four_g[4].startswith("No data: The ONS February 2022 workbook has no Wales row")
    directions = ("Higher is better", "Lower is better")
    diffs = [r[6] for r in rows if len(r) == 8 and r[7] in directions and r[6] != "No data"]
    assert diffs and all("difference of point estimates" in d for d in diffs)
    # map key bands share no end point: each runs to under the next, the last inclusive
    assert "to under" in html and "inclusive" in html


def test_psb_health_board_and_msoa_pages_show_the_marts(dashboard_site, published):
    site, _ = dashboard_site
    psbs = published.execute(
        "select psb_code, population, la_codes from marts.public_services_board_profile"
    ).fetchall()
    hbs = published.execute(
        "select lhb_code, population, la_codes, psb_codes from marts.health_board_profile"
    ).fetchall()
    msoa_la, msoa_population = published.execute(
        "select la_code, population from marts.msoa_profile where msoa_code = ?",
        [CATHAYS_MSOA],
    ).fetchone()
    msoa_lsoas = {
        c
        for (c,) in published.execute(
            "select lsoa_code from marts.lsoa_profile where msoa_code = ?", [CATHAYS_MSOA]
        ).fetchall()
    }
    cardiff_psb, cardiff_hb = published.execute(
        "select psb_code, lhb_code from marts.local_authority_profile where la_code = ?",
        [CARDIFF],
    ).fetchone()
    assert len(psbs) == 13 and len(hbs) == 7 and msoa_la == CARDIFF
    current_psbs = {code for code, _, _ in psbs}
    links = {
        level: re.compile(rf'href="\.\./{level}/([\w]+)\.html"') for level in ("la", "psb", "lsoa")
    }
    for lang in ("en", "cy"):
        for code, population, la_codes in psbs:
            html = (site / lang / "psb" / f"{code}.html").read_text(encoding="utf-8")
            assert f'data-field="population" data-value="{population}"' in html
            assert set(links["la"].findall(html)) - {"index"} == set(la_codes)
        for code, population, la_codes, psb_codes in hbs:
            html = (site / lang / "hb" / f"{code}.html").read_text(encoding="utf-8")
            assert f'data-field="population" data-value="{population}"' in html
            assert set(links["la"].findall(html)) - {"index"} == set(la_codes)
            assert set(links["psb"].findall(html)) - {"index"} == set(psb_codes) & current_psbs
        html = (site / lang / "msoa" / f"{CATHAYS_MSOA}.html").read_text(encoding="utf-8")
        assert f'data-field="population" data-value="{msoa_population}"' in html
        assert set(links["lsoa"].findall(html)) == msoa_lsoas
        assert f'href="../la/{CARDIFF}.html"' in html  # its parent, and beside it
        assert 'id="beside-table"' in html
        html = (site / lang / "la" / f"{CARDIFF}.html").read_text(encoding="utf-8")
        assert f'href="../psb/{cardiff_psb}.html"' in html
        assert f'href="../hb/{cardiff_hb}.html"' in html
        assert f'href="../msoa/{CATHAYS_MSOA}.html"' in html
    # each level's page offers its own extract: a PSB's authorities, an MSOA's small areas
    for rel, expected in (
        (f"en/psb/{CARDIFF_PSB}.html", {CARDIFF}),
        (f"en/msoa/{CATHAYS_MSOA}.html", msoa_lsoas),
    ):
        html = (site / rel).read_text(encoding="utf-8")
        href = re.search(
            r'<a class="button-link" href="\.\./\.\./(data/[^"]+\.csv)" download', html
        )
        raw = (site / href.group(1)).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        column = "la_code" if "psb" in rel else "lsoa_code"
        assert {r[column] for r in rows} == expected


def _series_with_interval(published, area_code: str) -> tuple[str, str, list[tuple]]:
    """The indicator and period type of the area with the most periods with 95 % CIs (else
    the most periods), and its rows (period_label, value, lower_ci, upper_ci, wales_value),
    oldest first."""
    ind, ptype = published.execute(
        "select indicator_code, period_type from marts.goal_indicators where area_code = ? "
        "and wales_value is not null group by all "
        "order by count(lower_ci) desc, count(*) desc, 1 limit 1",
        [area_code],
    ).fetchone()
    rows = published.execute(
        "select period_label, value, lower_ci, upper_ci, wales_value "
        "from marts.goal_indicators where area_code = ? and indicator_code = ? "
        "and period_type = ? order by period_start, period_end",
        [area_code, ind, ptype],
    ).fetchall()
    return ind, ptype, rows


def test_series_chart_lists_every_period_of_the_mart(dashboard_site, published):
    site, _ = dashboard_site
    for folder, code in (("la", CARDIFF), ("psb", CARDIFF_PSB), ("hb", CARDIFF_AND_VALE_HB)):
        ind, ptype, rows = _series_with_interval(published, code)
        assert len(rows) >= 3
        html = (site / "en" / folder / f"{code}.html").read_text(encoding="utf-8")
        sid = f"series-{ind}-{ptype}".replace("_", "-")
        start = html.index(f'<figure class="series" id="{sid}"')
        chart = html[start : html.index("</figure>", start)]
        assert chart.count('class="series-dot') == len(rows)
        with_ci = [r for r in rows if r[2] is not None and r[3] is not None]
        assert ('<polygon class="series-band"' in chart) == bool(with_ci)  # the 95 % interval
        assert '<polyline class="series-wales"' in chart
        table_rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td data-sort="([^"]+)"', chart)
        assert [(p, float(v)) for p, v in table_rows] == [(r[0], r[1]) for r in rows]
        latest = re.search(
            r'class="series-latest" data-value="([^"]+)" data-period="([^"]+)"', chart
        )
        assert (float(latest.group(1)), latest.group(2)) == (rows[-1][1], rows[-1][0])


def test_dashboard_asset_built_the_site(built_warehouse, pipeline_env):
    site = Path(pipeline_env["WELLBEING_DASHBOARD_DIR"])
    assert (site / "en" / "index.html").is_file()
    assert (site / "cy" / "la" / f"{CARDIFF}.html").is_file()
    assert (site / "cy" / "lsoa" / f"{CATHAYS_12}.html").is_file()


def test_build_time_is_reported(dashboard_site):
    _, report = dashboard_site  # the session's build: no second build of 4,761 pages to time
    assert 0 < report["seconds"] < 120
    assert report["pages"] == 1 + 2 * (13 + 22 + 1917 + 2 + 13 + 7 + 408)


# ---------------------------------------------------------------------------------------------
# In the browser: Debian's chromium driven by Playwright (no browser download)

CHROMIUM = Path("/usr/bin/chromium")
AXE = PROJECT_ROOT / "dashboards" / "vendor" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def site_url(dashboard_site):
    import functools
    import http.server
    import threading

    site, _ = dashboard_site

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.is_file():
        pytest.skip("Debian chromium not installed (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context()
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def _open(page, url: str) -> list[str]:
    """Open ``url``; return console errors and uncaught page errors."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    response = page.goto(url, wait_until="load")
    assert url.startswith("file:") or (response is not None and response.ok), url
    return errors


@pytest.mark.browser
def test_every_page_type_loads_without_console_errors(page, site_url):
    errors: list[str] = []
    page.on(
        "console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    for lang in ("en", "cy"):
        for rel in PAGE_TYPES:
            response = page.goto(f"{site_url}{lang}/{rel}", wait_until="load")
            assert response and response.ok
    page.goto(site_url + "index.html")
    assert errors == []


@pytest.mark.browser
def test_overview_map_draws_22_authorities_and_keeps_the_measure_in_the_url(page, site_url):
    assert _open(page, site_url + "en/index.html") == []
    paths = page.locator("#la-map path.leaflet-interactive")
    assert paths.count() == 22
    assert page.locator("#la-map .map-label").count() >= 5
    before = paths.evaluate_all("ps => ps.map(p => p.getAttribute('fill'))")
    page.locator("#la-map-measure").select_option("rate_all")
    after = paths.evaluate_all("ps => ps.map(p => p.getAttribute('fill'))")
    assert before != after
    assert page.url.endswith("#m=rate_all")
    visible = page.locator('[data-map="la-map"] .measure-info:not([hidden])')
    assert visible.count() == 1 and visible.get_attribute("data-measure") == "rate_all"
    assert "per 10,000 people" in visible.locator(".legend-title").inner_text()
    # a shared link opens on the same measure
    page.goto(site_url + "en/index.html#m=funding_per_head")
    assert page.locator("#la-map-measure").input_value() == "funding_per_head"


@pytest.mark.browser
def test_map_is_keyboard_operable_and_names_the_measure(page, site_url, published):
    rate = published.execute(
        "select activity_per_10k from marts.local_authority_profile where la_code = ?",
        [CARDIFF],
    ).fetchone()[0]
    assert _open(page, site_url + "en/index.html#m=rate_all") == []
    cardiff = page.locator('#la-map path[aria-label^="Cardiff:"]')
    cardiff.focus()
    label = cardiff.get_attribute("aria-label")
    # the tooltip the browser formats equals the figure the build formats
    expected = "Cardiff: Activities per 10,000 people: All activity (per 10,000 people; "
    assert label.startswith(expected) and label.endswith(Translator("en").fmt("dec1", rate))
    assert page.locator(".map-tooltip").inner_text() == label
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/en/la/{CARDIFF}.html")


@pytest.mark.browser
def test_zoom_a_map_and_cardiff_is_fitted_to_its_main_land(page, site_url):
    assert _open(page, site_url + f"en/la/{CARDIFF}.html") == []
    assert page.locator("#la-lsoa-map path.leaflet-interactive").count() == CARDIFF_LSOAS
    zoom = "document.getElementById('la-lsoa-map').wbMap.getZoom()"
    south = "document.getElementById('la-lsoa-map').wbMap.getBounds().getSouth()"
    before = page.evaluate(zoom)
    # Flat Holm (51.38 N) is part of Cardiff but the map is fitted to the main land
    assert page.evaluate(south) > 51.40
    labels_before = page.locator("#la-lsoa-map .map-label").count()
    page.locator("#la-lsoa-map .leaflet-control-zoom-in").click()
    page.wait_for_timeout(400)
    page.locator("#la-lsoa-map").focus()
    page.keyboard.press("+")
    page.wait_for_timeout(400)
    assert page.evaluate(zoom) >= before + 1
    assert page.locator("#la-lsoa-map .map-label").count() >= labels_before
    page.locator("#la-lsoa-map .map-reset").click()
    page.wait_for_timeout(400)
    assert page.evaluate(zoom) == pytest.approx(before)


@pytest.mark.browser
def test_search_for_a_postcode_lands_on_its_small_area(page, site_url):
    assert _open(page, site_url + "en/index.html") == []
    page.locator("#site-search").fill("cf10 1aa")
    page.locator("#site-search").press("Enter")
    page.wait_for_url(f"**/en/lsoa/{CATHAYS_12}.html")
    assert page.locator("h1").inner_text().startswith("Cathays 12")
    # a postcode whose 2011 area split in 2021 lists the candidates instead of guessing
    page.goto(site_url + "en/search.html?q=CF1%205UX")
    results = page.locator("#search-results li a")
    results.first.wait_for()
    assert sorted(results.evaluate_all("as => as.map(a => a.getAttribute('href'))")) == [
        "lsoa/W01002020.html",
        "lsoa/W01002021.html",
    ]
    # names in either language, ignoring accents
    page.goto(site_url + "cy/search.html?q=ynys%20mon")
    page.locator("#search-results li a").first.wait_for()
    assert page.locator("#search-results li a").first.inner_text() == "Ynys Môn"


@pytest.mark.browser
def test_compare_two_authorities_and_share_the_view(page, site_url):
    assert _open(page, site_url + "en/compare.html") == []
    page.get_by_label("Cardiff").check()
    page.get_by_label("Newport").check()
    header = page.locator("#compare-table thead th").all_inner_texts()
    assert header[1:] == ["Cardiff", "Newport"]
    assert "areas=W06000015,W06000022" in page.url
    rows = page.locator("#compare-table tbody tr").count()
    assert rows >= 10
    shared = page.url
    page.goto("about:blank")
    page.goto(shared)
    assert page.locator("#compare-table thead th").all_inner_texts()[1:] == ["Cardiff", "Newport"]
    # from a profile: compare a small area with its similar areas
    page.goto(site_url + f"en/lsoa/{CATHAYS_12}.html")
    page.locator("#compare-similar").click()
    page.wait_for_url("**/compare.html#level=lsoa*")
    page.locator("#compare-table thead th").nth(6).wait_for()
    assert page.locator("#compare-table thead th").count() == 7  # measure + the area + 5


@pytest.mark.browser
@pytest.mark.parametrize("rel", PAGE_TYPES)
def test_switch_language_on_every_page_type(page, site_url, rel):
    assert _open(page, f"{site_url}en/{rel}") == []
    en_title = page.title()
    page.locator("a.lang-switch").click()
    page.wait_for_url(lambda url: url.split("#")[0].endswith(f"/cy/{rel}"))
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.title() != en_title
    page.locator("a.lang-switch").click()
    page.wait_for_url(lambda url: url.split("#")[0].endswith(f"/en/{rel}"))


@pytest.mark.browser
def test_phone_width_text_stays_legible_and_tables_scroll(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    try:
        for rel in ("index.html", f"la/{CARDIFF}.html", "deprivation.html", "goals.html"):
            page.goto(f"{site_url}en/{rel}", wait_until="load")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (rel, width)
            smallest = page.evaluate(
                """() => Math.min(...[...document.querySelectorAll(
                    '.bar-chart *, .forest *, .legend li, td, th, .map-label')]
                  .filter(e => e.childNodes.length && [...e.childNodes].some(
                    n => n.nodeType === 3 && n.textContent.trim()))
                  .map(e => parseFloat(getComputedStyle(e).fontSize)))"""
            )
            assert smallest >= 12, (rel, smallest)
        page.goto(f"{site_url}en/la/{CARDIFF}.html", wait_until="load")
        page.locator("details:has(#lsoa-table) summary").click()
        wrap = page.locator("#lsoa-table").locator("xpath=..")
        assert wrap.evaluate("w => w.scrollWidth > w.clientWidth")
    finally:
        context.close()


@pytest.mark.browser
def test_overview_weight_in_the_browser(page, site_url):
    assert _open(page, site_url + "en/index.html") == []
    total = page.evaluate(
        """() => performance.getEntriesByType('navigation')[0].decodedBodySize +
            performance.getEntriesByType('resource').reduce((s, r) => s + r.decodedBodySize, 0)"""
    )
    assert 0 < total <= OVERVIEW_BUDGET


@pytest.mark.browser
def test_site_works_from_file_urls(page, dashboard_site):
    site, _ = dashboard_site
    assert _open(page, (site / "en" / "index.html").as_uri()) == []
    assert page.locator("#la-map path.leaflet-interactive").count() == 22
    page.goto((site / "en" / "search.html").as_uri() + "?q=CF10+1AA")
    page.wait_for_url(f"**/en/lsoa/{CATHAYS_12}.html")


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "cy"])
@pytest.mark.parametrize("rel", PAGE_TYPES)
def test_axe_reports_no_serious_or_critical_violations(page, site_url, rel, lang):
    assert _open(page, f"{site_url}{lang}/{rel}") == []
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values:
              ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    bad = [v for v in results if v["impact"] in ("serious", "critical")]
    assert bad == [], bad


@pytest.mark.browser
def test_axe_on_the_root_page(page, site_url):
    assert _open(page, site_url + "index.html") == []
    page.add_script_tag(path=str(AXE))
    bad = page.evaluate(
        """async () => (await axe.run(document)).violations
            .filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id)"""
    )
    assert bad == []


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "cy"])
def test_psb_health_board_and_msoa_pages_in_the_browser(page, site_url, lang):
    for rel, paths in (
        (f"psb/{CARDIFF_PSB}.html", 13),
        (f"hb/{CARDIFF_AND_VALE_HB}.html", 7),
        (f"msoa/{CATHAYS_MSOA}.html", None),
    ):
        assert _open(page, f"{site_url}{lang}/{rel}") == []
        drawn = page.locator("#group-map path.leaflet-interactive")
        drawn.first.wait_for()
        if paths:
            assert drawn.count() == paths
        else:  # the MSOAs of Cardiff, one per entry of the map's data table
            assert drawn.count() == page.locator("#map-table tbody tr").count() > 10
        assert page.locator("h1").count() == 1


@pytest.mark.browser
def test_series_chart_shows_the_latest_published_value(browser, site_url, published):
    ind, ptype, rows = _series_with_interval(published, CARDIFF)
    label, value = rows[-1][0], rows[-1][1]
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    try:
        page.goto(f"{site_url}en/la/{CARDIFF}.html", wait_until="load")
        chart = page.locator(f"#series-{ind}-{ptype}".replace("_", "-"))
        latest = chart.locator(".series-latest")
        text = latest.inner_text()
        assert label in text
        assert float(latest.get_attribute("data-value")) == value
        box = chart.locator(".series-box").bounding_box()
        assert box["width"] > 200 and box["x"] + box["width"] <= 390
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        smallest = page.evaluate(
            """() => Math.min(...[...document.querySelectorAll('.series *')]
              .filter(e => e.offsetParent && [...e.childNodes].some(
                n => n.nodeType === 3 && n.textContent.trim()))
              .map(e => parseFloat(getComputedStyle(e).fontSize)))"""
        )
        assert smallest >= 12
        # the values are a table too, for screen readers and for copying
        chart.locator("summary").click()
        cells = chart.locator("tbody tr").last.locator("th, td").all_inner_texts()
        assert cells[0] == label
        assert f"Latest: {cells[1]} " in text  # the same figure as the table shows
    finally:
        context.close()


@pytest.mark.browser
def test_search_and_compare_psbs_and_health_boards(page, site_url):
    # names in Welsh find the boards
    assert _open(page, site_url + "cy/search.html?q=Caerdydd%20a%27r%20Fro") == []
    hits = page.locator("#search-results li a")
    hits.first.wait_for()
    assert f"hb/{CARDIFF_AND_VALE_HB}.html" in hits.evaluate_all(
        "as => as.map(a => a.getAttribute('href'))"
    )
    page.goto(site_url + "en/search.html?q=Gwent%20PSB")
    page.locator("#search-results li a").first.wait_for()
    assert page.locator("#search-results li a").first.get_attribute("href") == "psb/psb_gwent.html"
    # compare two boards of the same level, from the address
    page.goto(site_url + f"en/compare.html#level=psb&areas={CARDIFF_PSB},psb_gwent")
    page.locator("#compare-table thead th").nth(2).wait_for()
    assert page.locator("#compare-table thead th").all_inner_texts()[1:] == [
        "Cardiff PSB",
        "Gwent PSB",
    ]
    page.get_by_label("Powys PSB").check()
    assert "psb_powys" in page.url
    # and two MSOAs by code (a fresh load: the address is read when the page opens)
    page.goto("about:blank")
    page.goto(site_url + f"en/compare.html#level=msoa&areas={CATHAYS_MSOA}")
    page.locator("#compare-lsoa-input").fill("W02000384")
    page.locator("#compare-lsoa-add").click()
    page.locator("#compare-table thead th").nth(2).wait_for()
    assert page.locator("#compare-table thead th").count() == 3


def test_the_site_names_categories_and_sectors_as_the_partner_contract_does(dashboard_site):
    """The names come from the contract's valueLabels (the translations held a second copy):
    the methods glossary and Cardiff's sector table, in both languages."""
    site, _ = dashboard_site
    glossary = {
        "en": ["Shared purpose", "Governance", "Financial mechanisms"],
        "cy": ["Pwrpas cyffredin", "Llywodraethu", "Mecanweithiau ariannol"],
    }
    sectors = {
        "en": {"Public sector", "Third sector", "Community", "National body", "Academic"},
        "cy": {"Sector cyhoeddus", "Trydydd sector", "Cymuned", "Corff cenedlaethol", "Academaidd"},
    }
    for lang in ("en", "cy"):
        methods = (site / lang / "methods.html").read_text(encoding="utf-8")
        assert re.findall(r"<dt>(.*?)</dt>", methods) == glossary[lang]
        page = (site / lang / "la" / f"{CARDIFF}.html").read_text(encoding="utf-8")
        table = page[
            page.index('id="sector-table"') : page.index(
                "</table>", page.index('id="sector-table"')
            )
        ]
        shown = {row[0] for row in _rows(table)[1:]}
        assert sectors[lang] <= shown, shown
        assert all(name in page for name in glossary[lang])


def test_the_welsh_sources_page_names_each_publisher_in_welsh(dashboard_site):
    """cy/sources.html gave every publisher in English (marked lang="en"): it now gives the
    catalogue's publisher_cy, a web address in it marked translate="no"."""
    from pipelines.catalogue import load_catalogue

    site, _ = dashboard_site
    html = (site / "cy" / "sources.html").read_text(encoding="utf-8")
    rows = _rows(html)
    publishers = [r[1] for r in rows[1:]]
    assert len(publishers) == len(load_catalogue())
    assert "Llywodraeth Cymru" in publishers and "Swyddfa Ystadegau Gwladol" in publishers
    assert '<td lang="en">Welsh Government</td>' not in html
    assert '<span translate="no">https://www.ofcom.org.uk/' in html
    english = (site / "en" / "sources.html").read_text(encoding="utf-8")
    assert '<td lang="en">Welsh Government</td>' in english and "Llywodraeth" not in english
