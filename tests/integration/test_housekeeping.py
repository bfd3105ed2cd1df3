"""Housekeeping from issue 10: quality reports out of the policy-team folder, pruned, readable
offline; site and published folders world-readable; column schemas known before any run; a
contract and a check for every staging model."""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

from pipelines.settings import PROJECT_ROOT


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_quality_reports_are_kept_out_of_the_published_folder(built_warehouse, pipeline_env):
    published = Path(pipeline_env["WELLBEING_PUBLISH_DIR"])
    quality = Path(pipeline_env["WELLBEING_QUALITY_DIR"])
    assert not (published / "quality").exists()
    assert (quality / "data_docs" / "index.html").exists()
    report = (quality / "report.html").read_text(encoding="utf-8")
    # Offline: no script and nothing loaded from elsewhere (GX Data Docs pull 16 CDN files).
    assert "<script" not in report
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", report)
    for table in (
        "raw.wimd_2025_ranks",
        "marts.lsoa_profile",
        "staging.stg_partnership_activity__activities",
    ):
        assert f"<code>{table}</code>" in report
    assert "0 failed" in report


def test_site_and_published_folders_are_world_readable(built_warehouse, pipeline_env):
    site = Path(pipeline_env["WELLBEING_DASHBOARD_DIR"])
    published = Path(pipeline_env["WELLBEING_PUBLISH_DIR"])
    assert _mode(site) & 0o755 == 0o755, oct(_mode(site))  # was 0700 (mkdtemp)
    assert _mode(published) & 0o755 == 0o755
    assert _mode(published / "wellbeing.duckdb") & 0o644 == 0o644


PUBLISH_UNDER_UMASK = r"""
import os, sys
os.umask(0o077)
from pipelines.operations.publish import publish
publish(sys.argv[1], sys.argv[2])
"""


def test_published_files_are_readable_whatever_the_umask(built_warehouse, tmp_path):
    out = tmp_path / "published"
    subprocess.run(
        [sys.executable, "-c", PUBLISH_UNDER_UMASK, str(built_warehouse), str(out)],
        check=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
    )
    assert _mode(out) == 0o755 and _mode(out / "exports") == 0o755
    files = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert len(files) > 10
    assert {p.name: _mode(p) for p in files if _mode(p) != 0o644} == {}


def test_partner_staging_contract_passes_on_the_real_build(warehouse):
    rows = warehouse.execute(
        "select rule_name, success from quality.check_results "
        "where table_name = 'staging.stg_partnership_activity__activities'"
    ).fetchall()
    rules = {name for name, _ in rows}
    assert {
        "one_row_per_activity",
        "every_current_row_kept",
        "sectors_allowed",
        "wellbeing_goals_known",
        "lsoa_code_in_geography",
        "financial_year_of_start_date",
    } <= rules
    assert all(ok for _, ok in rows), [name for name, ok in rows if not ok]
