"""The dashboard site asset: ``dashboard/site``, the last step of the graph.

It reads only the published read-only DuckDB file (``published/wellbeing_duckdb``), the publish
manifest and exports beside it, and the simplified boundary GeoJSON the boundary assets write,
and writes the static bilingual site to ``WELLBEING_DASHBOARD_DIR`` (default ``data/site``),
swapping the folder in atomically. The site builder lives in ``dashboards.build``; this module
hands it the configured paths and the source catalogue (``dashboards`` never imports
``pipelines``). ``python -m pipelines.dashboard`` (``make dashboard``) runs the same build.
"""

from pathlib import Path

import dagster as dg

from dashboards.build import build_site
from pipelines.catalogue import load_catalogue
from pipelines.operations import keys
from pipelines.settings import resolve_path, setting

SITE_KEY = dg.AssetKey(["dashboard", "site"])
BOUNDARY_KEYS = [dg.AssetKey(["raw", "la_boundaries"]), dg.AssetKey(["raw", "lsoa21_boundaries"])]
PUBLISHED_FILE_NAME = "wellbeing.duckdb"


class DashboardConfig(dg.Config):
    """Paths; empty means the configured default (see ``pipelines.settings``)."""

    published_file: str = ""  # default: $WELLBEING_PUBLISH_DIR/wellbeing.duckdb
    boundaries_dir: str = ""  # default: $WELLBEING_BOUNDARIES_DIR
    site_dir: str = ""  # default: $WELLBEING_DASHBOARD_DIR
    contact: str = ""  # e-mail address or URL shown on the contact page


def catalogue_sources() -> list[dict]:
    """The source catalogue as the sources page lists it (title, publisher, licence, page)."""
    return [
        {
            "key": s.key,
            "title": s.title,
            "publisher": s.publisher,
            "publisher_cy": s.publisher_cy,
            "licence": s.licence,
            "url": s.landing_page or s.url,
        }
        for s in load_catalogue().values()
    ]


def build_from_settings(config: DashboardConfig | None = None) -> tuple[dict, Path]:
    """Build the site from the configured published file into the configured folder."""
    config = config or DashboardConfig()
    db = (
        resolve_path(config.published_file)
        if config.published_file
        else resolve_path(setting("WELLBEING_PUBLISH_DIR")) / PUBLISHED_FILE_NAME
    )
    boundaries = resolve_path(config.boundaries_dir or setting("WELLBEING_BOUNDARIES_DIR"))
    out = resolve_path(config.site_dir or setting("WELLBEING_DASHBOARD_DIR"))
    report = build_site(Path(db), Path(out), Path(boundaries), catalogue_sources(), config.contact)
    return report, Path(out)


@dg.asset(
    key=SITE_KEY,
    group_name="dashboard",
    kinds={"html"},
    deps=[keys.PUBLISHED_KEY, *BOUNDARY_KEYS],
)
def site(context: dg.AssetExecutionContext, config: DashboardConfig) -> dg.MaterializeResult:
    """The static, bilingual (English / Cymraeg), accessible dashboard site.

    Built from the published marts only: an overview map of the 22 local authorities, a map of
    the 1,917 small areas, a profile per local authority and per small area (with similar
    areas), search by postcode or name, a compare view, well-being goals, deprivation reach,
    downloads (publish's exports), methods, sources, accessibility and contact pages. No server
    or network needed to view it.
    """
    report, out = build_from_settings(config)
    context.log.info(f"built the dashboard into {out}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(out)),
            "page_count": report["pages"],
            "total_size_mb": round(report["total_bytes"] / 1e6, 2),
            "largest_page": report["largest_page"],
            "largest_page_mb": round(report["largest_page_bytes"] / 1e6, 2),
            "build_seconds": report["seconds"],
        }
    )
