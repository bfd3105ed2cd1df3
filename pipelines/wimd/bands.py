"""WIMD deciles, quintiles and quartiles from ranks: the Welsh Government's rule, once.

Band ``b`` of ``n`` bands holds ranks ``(b - 1) * total / n + 1`` to ``b * total / n``: decile 1
is the most deprived 10 % of small areas (rank 1 = most deprived). ``WIMD_BAND_MACRO`` is the
DuckDB macro ``wimd_band(rank, total, bands)`` created on every warehouse connection and used by
``sql/staging/stg_wimd__wimd_2025.sql``; it reproduces the deciles and quintiles the Welsh
Government published with WIMD 2019 (tested in ``tests/integration/test_marts.py``).
"""

WIMD_BAND_MACRO = (
    "create or replace temp macro wimd_band(rank, total, bands) as "
    "cast(floor((rank - 1) * bands / total) + 1 as integer)"
)
