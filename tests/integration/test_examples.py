"""Every example query in sql/examples/ runs against the file the session's run published from the
real data, and returns the shape its header promises (``-- expect: columns a, b; rows: 22``)."""

import time

import pytest

from tests.unit.test_examples import EXAMPLES, parse_expectation


def rows_match(spec: str, n: int) -> bool:
    """``22``, ``>=1``, ``<=22`` or ``1..10``."""
    if spec.startswith(">="):
        return n >= int(spec[2:])
    if spec.startswith("<="):
        return n <= int(spec[2:])
    if ".." in spec:
        low, high = spec.split("..")
        return int(low) <= n <= int(high)
    return n == int(spec)


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_against_published_file(published, path):
    sql = path.read_text(encoding="utf-8")
    columns, rows = parse_expectation(sql)
    started = time.perf_counter()
    result = published.execute(sql)
    names = [d[0] for d in result.description]
    data = result.fetchall()
    elapsed = time.perf_counter() - started
    assert names == columns
    assert rows_match(rows, len(data)), f"{len(data)} rows, expected {rows}"
    assert elapsed < 5, f"{path.name} took {elapsed:.2f} s"
