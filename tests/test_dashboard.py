"""The dashboard site built from the real marts: pages, languages, sizes, offline, suppression,
and (``@pytest.mark.browser``) the site in headless Chromium: console errors, maps, the language
switch, a known authority's figures, and axe-core accessibility checks.

The site is built once per session from the published file the pipeline wrote (or, if the
publishing asset is absent, the working warehouse) and served on 127.0.0.1 by ``http.server``.
"""

import csv
import re
import time
from pathlib import Path

import pytest
import yaml

from dashboards.build import build_site

MAX_PAGE_BYTES = 5_000_000
# strings that are rightly the same in English and Welsh (format names, placeholders only)
SAME_IN_BOTH = (
    "fields.csv",
    "fields.parquet",
    "decile_label",
    "fields.sector",
    "measures.indicator",
)
CARDIFF = "W06000015"


@pytest.fixture(scope="session")
def dashboard_db(built_warehouse, pipeline_env) -> Path:
    published = Path(pipeline_env["WELLBEING_PUBLISH_DIR"]) / "wellbeing.duckdb"
    return published if published.is_file() else built_warehouse


@pytest.fixture(scope="session")
def dashboard_site(dashboard_db, pipeline_env, tmp_path_factory):
    site = tmp_path_factory.mktemp("dashboard") / "site"
    report = build_site(dashboard_db, site, Path(pipeline_env["WELLBEING_BOUNDARIES_DIR"]))
    return site, report


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def test_translations_have_the_same_keys():
    folder = Path(__file__).resolve().parent.parent / "dashboards" / "translations"
    en = _flatten(yaml.safe_load((folder / "en.yaml").read_text(encoding="utf-8")))
    cy = _flatten(yaml.safe_load((folder / "cy.yaml").read_text(encoding="utf-8")))
    assert set(en) == set(cy)
    same = [k for k in en if en[k] and en[k] == cy[k] and k not in SAME_IN_BOTH]
    assert not same, f"untranslated strings: {same}"


def test_site_builds_fast_and_pages_are_small(dashboard_site):
    site, report = dashboard_site
    assert report["seconds"] < 60, report
    pages = list(site.rglob("*.html"))
    assert len(pages) == report["pages"] == 1 + 2 * (5 + 22)
    sizes = {p.relative_to(site).as_posix(): p.stat().st_size for p in pages}
    too_big = {p: s for p, s in sizes.items() if s > MAX_PAGE_BYTES}
    assert not too_big


def test_every_page_exists_in_both_languages_with_a_switch(dashboard_site):
    site, _ = dashboard_site
    en_pages = sorted(p.relative_to(site / "en").as_posix() for p in (site / "en").rglob("*.html"))
    cy_pages = sorted(p.relative_to(site / "cy").as_posix() for p in (site / "cy").rglob("*.html"))
    assert en_pages == cy_pages
    assert f"la/{CARDIFF}.html" in en_pages
    for lang, other in (("en", "cy"), ("cy", "en")):
        for rel in en_pages:
            html = (site / lang / rel).read_text(encoding="utf-8")
            assert f'<html lang="{lang}">' in html
            depth = rel.count("/") + 1
            switch = re.search(r'<a class="lang-switch" href="([^"]+)"', html)
            assert switch and switch.group(1) == "../" * depth + f"{other}/{rel}", rel
            assert (site / lang / rel).parent.joinpath(switch.group(1)).resolve().is_file()


def test_no_cdn_every_script_and_style_ships_with_the_site(dashboard_site):
    site, _ = dashboard_site
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for tag, attr in re.findall(
            r"<(script|link|img|iframe)\b[^>]*?\b(src|href)=\"(?:https?:)?//", html
        ):
            pytest.fail(f"{page}: external {tag} {attr}")
        for ref in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"#]+)"', html):
            if ref.endswith((".css", ".js")):
                assert (page.parent / ref).resolve().is_file(), (page, ref)


def test_downloads_for_every_mart_and_suppressed_participants(dashboard_site, dashboard_db):
    import duckdb

    site, _ = dashboard_site
    con = duckdb.connect(str(dashboard_db), read_only=True)
    try:
        tables = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where schema_name in ('marts', 'reference')"
        ).fetchall()
    finally:
        con.close()
    assert len(tables) >= 9
    data_page = (site / "en" / "data.html").read_text(encoding="utf-8")
    for (name,) in tables:
        for ext in ("csv", "parquet"):
            assert (site / "data" / f"{name}.{ext}").stat().st_size > 0
            assert f'href="../data/{name}.{ext}"' in data_page
    with (site / "data" / "marts.lsoa_profile.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    # Withheld at publish: empty and flagged; never 1-4; true zeros stay 0.
    for r in rows:
        c = r["participant_count"]
        assert (c == "") == (r["is_participant_count_suppressed"] == "true"), r["lsoa_code"]
        assert c == "" or not 1 <= int(c) <= 4, r["lsoa_code"]
    assert any(r["participant_count"] == "0" for r in rows)
    assert (
        "Contains public sector information licensed under the Open Government Licence v3.0"
        in data_page
    )
    assert "Contains OS data © Crown copyright and database right" in data_page


def test_lsoa_tables_never_show_participant_counts_below_five(dashboard_site):
    site, _ = dashboard_site
    for page in [site / "en" / "index.html", *(site / "en" / "la").glob("W06*.html")]:
        html = page.read_text(encoding="utf-8")
        table = html[html.index('<table id="lsoa-table"') :]
        table = table[: table.index("</table>")]
        for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.DOTALL)[1:]:
            last = re.findall(r"<td[^>]*>(.*?)</td>", row)[-1]
            if last not in ("[c]", "No data"):
                assert not 1 <= int(last.replace(",", "")) <= 4, (page.name, last)


def test_example_data_is_labelled(dashboard_site, dashboard_db):
    import duckdb

    site, _ = dashboard_site
    con = duckdb.connect(str(dashboard_db), read_only=True)
    try:
        example = con.execute(
            "select bool_or(is_example_data) from marts.local_authority_profile where la_code = ?",
            [CARDIFF],
        ).fetchone()[0]
    finally:
        con.close()
    html = (site / "en" / "la" / f"{CARDIFF}.html").read_text(encoding="utf-8")
    assert ('class="banner"' in html) == bool(example)


def test_dashboard_asset_built_the_site(built_warehouse, pipeline_env):
    site = Path(pipeline_env["WELLBEING_DASHBOARD_DIR"])
    assert (site / "en" / "index.html").is_file()
    assert (site / "cy" / "la" / f"{CARDIFF}.html").is_file()


def test_build_time_is_reported(tmp_path, dashboard_db, pipeline_env, built_warehouse):
    start = time.perf_counter()
    report = build_site(
        dashboard_db, tmp_path / "site", Path(pipeline_env["WELLBEING_BOUNDARIES_DIR"])
    )
    assert time.perf_counter() - start < 60
    assert report["largest_page_bytes"] < MAX_PAGE_BYTES


# ---------------------------------------------------------------------------------------------
# In the browser: Debian's chromium driven by Playwright (no browser download)

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parent.parent / "dashboards" / "vendor" / "axe-core" / "axe.min.js"
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
    assert response is not None and response.ok, url
    return errors


@pytest.mark.browser
def test_every_page_loads_without_console_errors(page, site_url, dashboard_site):
    site, _ = dashboard_site
    errors: list[str] = []
    page.on(
        "console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    failed = page_count = 0
    for file in sorted(site.rglob("*.html")):
        rel = file.relative_to(site).as_posix()
        response = page.goto(site_url + rel, wait_until="load")
        page_count += 1
        failed += 0 if response and response.ok else 1
    assert page_count == 55 and failed == 0
    assert errors == []


@pytest.mark.browser
def test_overview_map_draws_22_authorities_and_the_measure_switch_works(page, site_url):
    assert _open(page, site_url + "en/index.html") == []
    assert page.locator("#la-map path.area").count() == 22
    assert page.locator("#la-map a.area-link").count() == 22
    assert page.locator("#lsoa-map path.area").count() == 1917
    picker = page.locator("#la-map-measure")
    assert picker.is_visible()
    options = picker.locator("option").evaluate_all("os => os.map(o => o.value)")
    assert {
        "share20",
        "rate_all",
        "rate_shared_purpose",
        "rate_governance",
        "rate_financial_mechanism",
    } <= set(options)
    assert any(o.startswith("ind_") for o in options), "no goal indicator measure"
    before = page.locator("#la-map path.area").evaluate_all(
        "ps => ps.map(p => p.getAttribute('fill'))"
    )
    picker.select_option("rate_all")
    after = page.locator("#la-map path.area").evaluate_all(
        "ps => ps.map(p => p.getAttribute('fill'))"
    )
    assert before != after
    visible = page.locator('[data-map="la-map"] .measure-info:not([hidden])')
    assert visible.count() == 1 and visible.get_attribute("data-measure") == "rate_all"
    lsoa_picker = page.locator("#lsoa-map-measure")
    assert {"wimd_rank", "wimd_decile"} <= set(
        lsoa_picker.locator("option").evaluate_all("os => os.map(o => o.value)")
    )


@pytest.mark.browser
def test_switching_to_welsh_changes_headings_and_area_names(page, site_url):
    assert _open(page, site_url + "en/index.html") == []
    en_h1 = page.locator("h1").inner_text()
    assert "Isle of Anglesey" in page.locator("#la-table").text_content()
    page.locator("a.lang-switch").click()
    page.wait_for_url("**/cy/index.html")
    assert page.locator("html").get_attribute("lang") == "cy"
    cy_h1 = page.locator("h1").inner_text()
    assert cy_h1 != en_h1 and cy_h1 == "Map trosolwg o Gymru"
    table = page.locator("#la-table").text_content()
    assert "Ynys Môn" in table and "Isle of Anglesey" not in table
    assert (
        page.locator('#la-map a.area-link[href="la/W06000001.html"]')
        .get_attribute("aria-label")
        .startswith("Ynys Môn")
    )
    page.goto(site_url + "cy/la/W06000015.html")
    assert page.locator("h1").inner_text().startswith("Caerdydd")
    page.locator("a.lang-switch").click()
    page.wait_for_url("**/en/la/W06000015.html")
    assert page.locator("h1").inner_text().startswith("Cardiff")


@pytest.mark.browser
def test_cardiff_profile_matches_the_mart(page, site_url, dashboard_db):
    import duckdb

    from dashboards.build import KEY_FIGURES, fmt_figure
    from dashboards.i18n import Translator

    con = duckdb.connect(str(dashboard_db), read_only=True)
    try:
        row = (
            con.execute("select * from marts.local_authority_profile where la_code = ?", [CARDIFF])
            .pl()
            .to_dicts()[0]
        )
        lsoas = con.execute(
            "select count(*) from marts.lsoa_profile where la_code = ?", [CARDIFF]
        ).fetchone()[0]
    finally:
        con.close()
    assert _open(page, site_url + f"en/la/{CARDIFF}.html") == []
    assert page.locator("h1").inner_text().startswith("Cardiff")
    t = Translator("en")
    checked = 0
    for field, kind in KEY_FIGURES:
        if field not in row:
            continue
        dd = page.locator(f'#key-figures dd[data-field="{field}"]')
        assert dd.inner_text() == fmt_figure(t, kind, row[field]), field
        if row[field] is not None:
            assert float(dd.get_attribute("data-value")) == pytest.approx(float(row[field]))
        checked += 1
    assert checked >= 10
    assert (
        page.locator('#key-figures dd[data-field="population"]').inner_text()
        == f"{row['population']:,}"
    )
    assert page.locator("#la-lsoa-map path.area").count() == lsoas == row["lsoa_count"]


PAGE_TYPES = [
    "index.html",
    "en/index.html",
    "cy/index.html",
    f"en/la/{CARDIFF}.html",
    f"cy/la/{CARDIFF}.html",
    "en/la/index.html",
    "en/goals.html",
    "cy/goals.html",
    "en/deprivation.html",
    "en/data.html",
    "cy/data.html",
]


@pytest.mark.browser
@pytest.mark.parametrize("rel", PAGE_TYPES)
def test_axe_reports_no_serious_or_critical_violations(page, site_url, rel):
    assert _open(page, site_url + rel) == []
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
