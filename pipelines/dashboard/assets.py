"""The dashboard site asset: ``dashboard/site``, the last step of the graph.

It reads only the published read-only DuckDB file (``published/wellbeing_duckdb``) and the
simplified boundary GeoJSON the boundary assets write, and writes the static bilingual site to
``WELLBEING_DASHBOARD_DIR`` (default ``data/site``), swapping the folder in atomically. The build
itself lives in ``dashboards.build`` (also run by ``make dashboard``).
"""

from pathlib import Path

import dagster as dg

from dashboards.build import build_site
from pipelines.settings import resolve_path, setting

SITE_KEY = dg.AssetKey(["dashboard", "site"])
PUBLISHED_KEY = dg.AssetKey(["published", "wellbeing_duckdb"])
BOUNDARY_KEYS = [dg.AssetKey(["raw", "la_boundaries"]), dg.AssetKey(["raw", "lsoa21_boundaries"])]
PUBLISHED_FILE_NAME = "wellbeing.duckdb"


class DashboardConfig(dg.Config):
    """Paths; empty means the configured default (see ``pipelines.settings``)."""

    published_file: str = ""  # default: $WELLBEING_PUBLISH_DIR/wellbeing.duckdb
    boundaries_dir: str = ""  # default: $WELLBEING_BOUNDARIES_DIR
    site_dir: str = ""  # default: $WELLBEING_DASHBOARD_DIR


@dg.asset(
    key=SITE_KEY,
    group_name="dashboard",
    kinds={"html"},
    deps=[PUBLISHED_KEY, *BOUNDARY_KEYS],
)
def site(context: dg.AssetExecutionContext, config: DashboardConfig) -> dg.MaterializeResult:
    """The static, bilingual (English / Cymraeg), accessible dashboard site.

    Built from the published marts only: an overview map (local authorities and 2021 LSOAs),
    a profile per local authority, well-being goals, deprivation reach and a data page with
    CSV / Parquet downloads and the data dictionary. No server or network needed to view it.
    """
    db = (
        resolve_path(config.published_file)
        if config.published_file
        else resolve_path(setting("WELLBEING_PUBLISH_DIR")) / PUBLISHED_FILE_NAME
    )
    boundaries = resolve_path(config.boundaries_dir or setting("WELLBEING_BOUNDARIES_DIR"))
    out = resolve_path(config.site_dir or setting("WELLBEING_DASHBOARD_DIR"))
    context.log.info(f"building the dashboard from {db} into {out}")
    report = build_site(Path(db), Path(out), Path(boundaries))
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
