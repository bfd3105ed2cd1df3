"""Sensors: new partner files in the inbox, and declarative automation of the marts."""

import dagster as dg

from pipelines.operations import keys
from pipelines.operations.inbox import InboxCursor, scan_inbox, seen_key
from pipelines.operations.jobs import PARTNER_INGESTION_JOB
from pipelines.settings import folder_problem, setting_number, setting_on, setting_path

PARTNER_INBOX_SENSOR = "partner_inbox"
PARTNER_OP = "partnership_activity_submissions"  # the partner loader's op (its config: files)


def _default_status() -> dg.DefaultSensorStatus:
    """Running unless ``WELLBEING_AUTOMATION=off`` (``make dev``): both sensors launch runs."""
    if setting_on("WELLBEING_AUTOMATION"):
        return dg.DefaultSensorStatus.RUNNING
    return dg.DefaultSensorStatus.STOPPED


@dg.sensor(
    name=PARTNER_INBOX_SENSOR,
    job_name=PARTNER_INGESTION_JOB,
    minimum_interval_seconds=60,
    default_status=_default_status(),
    description="Watches WELLBEING_PARTNER_INBOX (sub-folders included; what counts as a "
    "submission: pipelines/partnership_activity/submission.py, shared with the loader) and "
    "starts one partner_ingestion run per new or changed file, which loads that file. The run "
    "key is the file's SHA-256 (with its name for the same content under another name, which "
    "the loader records as a duplicate and reports to the partner), so no file is processed "
    "twice; the cursor holds the hashes and names already seen.",
)
def partner_inbox(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    inbox = setting_path("WELLBEING_PARTNER_INBOX")
    if inbox is None:
        return dg.SkipReason("WELLBEING_PARTNER_INBOX is not set")
    if problem := folder_problem("WELLBEING_PARTNER_INBOX"):  # a typo, a share not mounted
        return dg.SkipReason(problem)
    cursor = InboxCursor.parse(context.cursor)
    files = scan_inbox(
        inbox, cursor, settle_seconds=setting_number("WELLBEING_INBOX_SETTLE_SECONDS")
    )
    requests = []
    for file in files:
        key = seen_key(file.sha256, file.name)
        if key in cursor.seen:
            continue
        copy = file.sha256 in cursor.seen  # the same content came before under another name
        cursor.seen |= {file.sha256, key}
        context.log.info(
            f"{'copy of an earlier partner file' if copy else 'new partner file'} {file.name} "
            f"({file.size:,} bytes, {file.sha256})"
        )
        requests.append(
            dg.RunRequest(
                run_key=key if copy else file.sha256,
                # the run loads this file, not the whole inbox again
                run_config={"ops": {PARTNER_OP: {"config": {"files": [file.name]}}}},
                tags={
                    **keys.WRITES_WAREHOUSE,
                    "wellbeing/partner_file": file.name,
                    "wellbeing/partner_file_sha256": file.sha256,
                },
            )
        )
    if not requests:
        return dg.SensorResult(
            skip_reason=f"no new partner files in {inbox} ({len(files)} seen before)",
            cursor=cursor.dumps(),
        )
    return dg.SensorResult(run_requests=requests, cursor=cursor.dumps())


def _automation_interval_seconds() -> int:
    return int(setting_number("WELLBEING_AUTOMATION_INTERVAL_SECONDS"))


# Runs started by declarative automation (pipelines.operations.automation: eager, unless a
# blocking check of an input failed) also write the warehouse, so they carry the same tag and
# queue behind others.
wellbeing_automation = dg.AutomationConditionSensorDefinition(
    name="wellbeing_automation",
    target=dg.AssetSelection.all(),
    run_tags=keys.WRITES_WAREHOUSE,
    default_status=_default_status(),
    minimum_interval_seconds=_automation_interval_seconds(),
    description="Rebuilds the staging models, marts and published file when their inputs "
    "change, unless a blocking contract check of a direct input failed. An asset further down "
    "can still be launched when another of its inputs changed; the quality gate then refuses "
    "it (the run fails and changes nothing) until the data is fixed or accepted.",
)
