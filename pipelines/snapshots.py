"""Published DuckLake snapshots: what each successful run published, and reading it back.

On DuckLake every commit is a snapshot, and a reader that attaches a snapshot keeps reading it,
unchanged and never blocked, while runs write. At the end of each successful run the publish
step records the snapshot it published in ``quality.published_snapshots`` (snapshot id, its
commit time, when it was published, the Dagster run id; described in
``data_contracts/warehouse_snapshots.yaml``) and tags the recording commit with a commit
message. "The data as published on 2026-11-01" is then the last snapshot published on or
before that day::

    -- in any DuckDB client with the ducklake and postgres extensions loaded
    attach 'ducklake:postgres:dbname=wellbeing host=db.internal' as lake (read_only);
    select snapshot_id, published_at, run_id
    from lake.quality.published_snapshots
    where published_at < date '2026-11-01' + interval 1 day
    order by published_at desc limit 1;                       -- say 42
    select * from lake.marts.local_authority_profile at (version => 42);
    -- or the whole schema as it was: attach ... as published (read_only, snapshot_version 42)

``python -m pipelines.snapshots`` lists the published snapshots; ``--as-of 2026-11-01`` prints
the one in force that day and the statements that open it. The published DuckDB file
(``data/published/wellbeing.duckdb``) stays the offline deliverable on both back-ends; its
``manifest.json`` names the snapshot it was copied from.
"""

import argparse
import json
import re
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import duckdb

from pipelines.warehouse import (
    LAKE_ALIAS,
    DuckLakeBackend,
    Snapshot,
    Warehouse,
    WarehouseError,
    table_exists,
    transaction,
)

PUBLISHED_SNAPSHOTS_TABLE = "quality.published_snapshots"
COMMIT_AUTHOR = "wellbeing-pipeline"


@dataclass(frozen=True)
class PublishedSnapshot:
    """One row of ``quality.published_snapshots``."""

    snapshot_id: int
    snapshot_time: datetime
    published_at: datetime
    run_id: str


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""
        create table if not exists {PUBLISHED_SNAPSHOTS_TABLE} (
            snapshot_id bigint not null,
            snapshot_time timestamp with time zone not null,
            published_at timestamp with time zone not null,
            run_id varchar not null
        )
        """
    )


def record_published(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, published_at: datetime, run_id: str
) -> None:
    """Append the published ``snapshot`` to ``quality.published_snapshots`` in one commit whose
    message says which snapshot it records (``lake.snapshots()`` shows it)."""
    from pipelines.contracts import apply_comments

    ensure_table(con)
    apply_comments(con, PUBLISHED_SNAPSHOTS_TABLE)
    with transaction(con):
        con.execute(
            f"insert into {PUBLISHED_SNAPSHOTS_TABLE} values (?, ?, ?, ?)",
            [snapshot.snapshot_id, snapshot.snapshot_time, published_at, run_id],
        )
        con.execute(
            f"call {LAKE_ALIAS}.set_commit_message(?, ?, extra_info => ?)",
            [
                COMMIT_AUTHOR,
                f"published snapshot {snapshot.snapshot_id}",
                json.dumps({"run_id": run_id, "published_snapshot_id": snapshot.snapshot_id}),
            ],
        )


def published_snapshots(con: duckdb.DuckDBPyConnection) -> list[PublishedSnapshot]:
    """Every recorded publish, oldest first (empty before the first successful run)."""
    if not table_exists(con, PUBLISHED_SNAPSHOTS_TABLE):
        return []
    rows = con.execute(
        f"select snapshot_id, snapshot_time, published_at, run_id from {PUBLISHED_SNAPSHOTS_TABLE} "
        "order by published_at, snapshot_id"
    ).fetchall()
    return [PublishedSnapshot(*row) for row in rows]


def _end_of(when: date | datetime) -> datetime:
    if isinstance(when, datetime):
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return datetime.combine(when + timedelta(days=1), time(), tzinfo=UTC) - timedelta(
        microseconds=1
    )


def published_as_of(con: duckdb.DuckDBPyConnection, when: date | datetime) -> PublishedSnapshot:
    """The snapshot in force at ``when``: the last published at or before it (a date means the
    end of that day, UTC).

    Raises:
        LookupError: nothing had been published by then.
    """
    limit = _end_of(when)
    found = [s for s in published_snapshots(con) if s.published_at <= limit]
    if not found:
        raise LookupError(f"no snapshot had been published by {limit:%Y-%m-%d %H:%M} UTC")
    return found[-1]


def _lake(warehouse: Warehouse) -> DuckLakeBackend:
    backend = warehouse.backend()
    if not isinstance(backend, DuckLakeBackend):
        raise WarehouseError(
            f"the warehouse is the DuckDB file {backend.describe()}: snapshots exist on DuckLake "
            "only (WELLBEING_WAREHOUSE=ducklake:...); open data/published/wellbeing.duckdb instead"
        )
    return backend


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.snapshots",
        description="List the DuckLake snapshots the pipeline published, or the one in force on "
        "a date, with the SQL that opens it.",
    )
    parser.add_argument("--as-of", help="a date (2026-11-01) or time (2026-11-01T09:00+00:00)")
    ns = parser.parse_args(argv)
    warehouse = Warehouse()
    backend = _lake(warehouse)
    with warehouse.connect(read_only=True) as con:
        if ns.as_of:
            text = ns.as_of
            when = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
            rows = [published_as_of(con, when)]
        else:
            rows = published_snapshots(con)
    for row in rows:
        print(
            f"snapshot {row.snapshot_id}\tpublished {row.published_at:%Y-%m-%d %H:%M:%S %Z}"
            f"\trun {row.run_id}"
        )
    if ns.as_of:
        n = rows[0].snapshot_id
        print("\n-- open it in DuckDB (load the ducklake and postgres extensions first):")
        print(re.sub(r"password=\S+", "password=...", backend.attach_sql("published", n)) + ";")
        print(f"select * from published.marts.local_authority_profile;  -- snapshot {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
