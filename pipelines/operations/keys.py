"""Asset keys and run tags shared by the operations modules.

Kept out of the collected modules (assets/jobs/schedules/sensors): ``definitions._collect`` walks
module-level tuples, and an ``AssetKey`` is one.
"""

import dagster as dg

PUBLISHED_KEY = dg.AssetKey(["published", "wellbeing_duckdb"])
PARTNER_KEY = dg.AssetKey(["raw", "partnership_activity"])
PARTNER_GROUP = "partnership_activity"
REFERENCE_KEYS = [
    dg.AssetKey(["reference", "wellbeing_goals"]),
    dg.AssetKey(["reference", "indicator_goals"]),
]
WRITES_WAREHOUSE = {"wellbeing/writes": "warehouse"}
