"""Schedules: the monthly refresh of the public sources."""

import dagster as dg

from pipelines.operations.jobs import PUBLIC_REFRESH_JOB

MONTHLY_REFRESH_CRON = "0 6 1 * *"

monthly_public_refresh = dg.ScheduleDefinition(
    name="monthly_public_refresh",
    cron_schedule=MONTHLY_REFRESH_CRON,
    execution_timezone="Europe/London",
    job_name=PUBLIC_REFRESH_JOB,
    description="06:00 UK time on the 1st of every month: refresh the public sources (WIMD, "
    "population, geography, indicators), rebuild the marts and publish.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
