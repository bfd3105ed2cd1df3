"""Schedules: the monthly refresh of the public sources."""

import dagster as dg

from pipelines.operations.jobs import PUBLIC_REFRESH_JOB
from pipelines.settings import setting_on

MONTHLY_REFRESH_CRON = "0 6 1 * *"

monthly_public_refresh = dg.ScheduleDefinition(
    name="monthly_public_refresh",
    cron_schedule=MONTHLY_REFRESH_CRON,
    execution_timezone="Europe/London",
    job_name=PUBLIC_REFRESH_JOB,
    description="06:00 UK time on the 1st of every month: refresh the public sources (WIMD, "
    "population, geography, indicators), rebuild the marts and publish.",
    # on unless WELLBEING_AUTOMATION=off (make dev): a developer's UI starts no run by itself
    default_status=(
        dg.DefaultScheduleStatus.RUNNING
        if setting_on("WELLBEING_AUTOMATION")
        else dg.DefaultScheduleStatus.STOPPED
    ),
)
