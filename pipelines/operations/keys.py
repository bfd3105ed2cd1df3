"""Asset keys and run tags used across modules, each defined here once (the partner assets,
jobs, sensors and publish import them)."""

import dagster as dg

PUBLISHED_KEY = dg.AssetKey(["published", "wellbeing_duckdb"])
PARTNER_KEY = dg.AssetKey(["raw", "partnership_activity"])
PARTNER_GROUP = "partnership_activity"
# The financial-year partitioned re-run of partner activity, and the staging model it feeds.
PARTNER_YEAR_RERUNS_KEY = dg.AssetKey(["quality", "partnership_activity_year_reruns"])
PARTNER_STAGING_KEY = dg.AssetKey(["staging", "stg_partnership_activity__activities"])
REFERENCE_KEYS = [
    dg.AssetKey(["reference", "wellbeing_goals"]),
    dg.AssetKey(["reference", "indicator_goals"]),
    dg.AssetKey(["reference", "national_indicators"]),
]
WRITES_WAREHOUSE = {"wellbeing/writes": "warehouse"}
# The partner submission template: built into the cache folder (``staged_template()``), and
# published with the rest of data/published/ only by a successful publish.
TEMPLATE_KEY = dg.AssetKey(["partnership_activity", "submission_template"])
TEMPLATE_FILE = "partners/partner_submission_template.xlsx"
