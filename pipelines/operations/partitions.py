"""Financial-year partitions (April to March, UK time) for partner activity.

Offered for ``pipelines/partnership_activity``: a partition key is the first day of the
financial year (``"2024-04-01"`` is 2024-25), so one year can be backfilled or re-run alone, and
new years appear on 1 April without a code change. The financial-year rule itself is
``pipelines.financial_year``.

Import the function, not a module-level object, in collected modules (``assets.py``...):
``definitions._collect`` iterates module-level tuples and a partitions definition is one.
"""

import dagster as dg

FIRST_FINANCIAL_YEAR = "2015-04-01"  # the Well-being of Future Generations Act came into force


def financial_year_partitions(
    start: str = FIRST_FINANCIAL_YEAR, end_offset: int = 1
) -> dg.TimeWindowPartitionsDefinition:
    """One partition per financial year, 1 April to 31 March, Europe/London.

    Args:
        start: first partition key (1 April of the first financial year).
        end_offset: 1 (default) includes the financial year in progress, so activities of the
            current year can be re-run; 0 only completed years.
    """
    return dg.TimeWindowPartitionsDefinition(
        cron_schedule="0 0 1 4 *",
        start=start,
        fmt="%Y-%m-%d",
        timezone="Europe/London",
        end_offset=end_offset,
    )
