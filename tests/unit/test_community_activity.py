"""Community activity parsing rules on literal values (the real files:
tests/integration/test_community_activity.py)."""

import datetime as dt

import pytest

from pipelines.community_activity import staging


@pytest.mark.parametrize(
    ("created", "iso", "expected"),
    [
        ("15/03/2020 15:48:33", "2020-03-15", dt.date(2020, 3, 15)),
        ("4/8/2020 12:35:47", "2020-04-08", dt.date(2020, 4, 8)),
        ("4/2/2020 14:08:35", None, dt.date(2020, 4, 2)),
        ("13/05/2020 00:12:30", None, dt.date(2020, 5, 13)),
    ],
)
def test_parse_created_date(created, iso, expected):
    assert staging.parse_created_date(created, iso) == expected
