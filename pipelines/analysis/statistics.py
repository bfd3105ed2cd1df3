"""Rank correlations across areas, adjusted for deprivation and for many comparisons.

Plain numpy/scipy functions (no Dagster, no DuckDB) used by ``marts.collaboration_and_goals``;
``tests/unit/test_statistics.py`` checks them against ``scipy.stats`` and ``statsmodels``.

Methods (stated in the mart's contract and the README):

* **Raw association**: Spearman's rank correlation ``rho`` (average ranks for ties, i.e. the
  Pearson correlation of the ranks).
* **Adjusted for deprivation**: the partial Spearman correlation, the Pearson correlation of the
  residuals of rank(x) and rank(y) after a least-squares fit on the ranks of the control
  variable(s) (here: the share of people living in the most deprived fifth of LSOAs, WIMD 2025).
* **Intervals and p-values, one method**: the Fisher z-transformation, standard error
  ``sqrt(1.06 / (n - 3 - k))`` (Fieller, Hartley and Pearson 1957, for Spearman's rho; ``k``
  controls for a partial correlation): the 95 % interval is ``tanh(z ± 1.96 se)`` and the
  two-sided p-value is that of the normal test of ``z / se``. The p-value is below 0.05 exactly
  when the interval excludes 0. (A t-test p-value, as ``scipy.stats.spearmanr`` gives, beside a
  Fisher-z interval disagreed with it on 5 of 172 rows of the mart: the t-test ignores the 1.06
  factor and uses another approximation.) With 22 areas the intervals are wide.
* **Many comparisons**: Holm's (1979) step-down adjustment of the partial p-values over the
  family of every test in the table. It controls the chance of any false positive in the family
  whatever the dependence between the tests, which matters here: the row for action category
  'all' is the sum of the other three, and many indicators move together.
"""

from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
SPEARMAN_VARIANCE_FACTOR = 1.06  # Fieller, Hartley and Pearson (1957)
MIN_AREAS = 5  # fewer areas than this give no estimate (the interval needs n - 3 - k > 0)


@dataclass(frozen=True)
class Correlation:
    """One rank correlation.

    Attributes:
        n: areas with every value present.
        rho: Spearman's rho (raw) or the partial Spearman correlation, -1 to 1.
        ci_lower, ci_upper: the interval at ``CONFIDENCE`` (Fisher z).
        p_value: two-sided p-value for rho = 0.
    """

    n: int
    rho: float
    ci_lower: float
    ci_upper: float
    p_value: float


def _complete(*columns: np.ndarray) -> list[np.ndarray]:
    arrays = [np.asarray(c, dtype=float) for c in columns]
    keep = np.ones(len(arrays[0]), dtype=bool)
    for a in arrays:
        keep &= np.isfinite(a) if a.ndim == 1 else np.isfinite(a).all(axis=1)
    return [a[keep] for a in arrays]


def fisher_interval(
    r: float,
    n: int,
    controls: int = 0,
    confidence: float = CONFIDENCE,
    variance_factor: float = SPEARMAN_VARIANCE_FACTOR,
) -> tuple[float, float]:
    """Interval for a (partial) correlation by the Fisher z-transformation.

    Args:
        r: the correlation.
        n: number of areas.
        controls: number of variables partialled out.
        confidence: e.g. 0.95.
        variance_factor: 1.06 for Spearman's rho (Fieller, Hartley and Pearson 1957); 1.0 gives
            the usual interval for Pearson's r.

    Returns:
        (lower, upper), or NaNs when ``n - 3 - controls`` < 1 or r is not finite.
    """
    dof = n - 3 - controls
    if dof < 1 or not np.isfinite(r):
        return float("nan"), float("nan")
    z = np.arctanh(np.clip(r, -0.999999, 0.999999))
    half = stats.norm.ppf(0.5 + confidence / 2) * np.sqrt(variance_factor / dof)
    return float(np.tanh(z - half)), float(np.tanh(z + half))


def _none(n: int) -> Correlation:
    return Correlation(n, float("nan"), float("nan"), float("nan"), float("nan"))


def fisher_p_value(
    r: float, n: int, controls: int = 0, variance_factor: float = SPEARMAN_VARIANCE_FACTOR
) -> float:
    """Two-sided p-value of a (partial) correlation against 0 by the Fisher z-transformation.

    The test that matches ``fisher_interval``: ``atanh(r) / sqrt(variance_factor / (n - 3 -
    controls))`` against the standard normal, so p < 1 - confidence exactly when the interval
    at that confidence excludes 0.

    Returns:
        The p-value, or NaN when ``n - 3 - controls`` < 1 or r is not finite.
    """
    dof = n - 3 - controls
    if dof < 1 or not np.isfinite(r):
        return float("nan")
    z = np.arctanh(np.clip(r, -0.999999, 0.999999))
    return float(2 * stats.norm.sf(abs(z) / np.sqrt(variance_factor / dof)))


def spearman(x, y) -> Correlation:
    """Spearman's rank correlation of ``x`` and ``y`` over the pairs where both are present.

    Args:
        x, y: sequences of equal length (NaN or None = missing).

    Returns:
        n, rho, 95 % interval and two-sided p-value (both Fisher z); NaN estimates (n set) with fewer than
        ``MIN_AREAS`` pairs or when either variable is constant.
    """
    x, y = _complete(x, y)
    n = len(x)
    if n < MIN_AREAS or np.ptp(x) == 0 or np.ptp(y) == 0:
        return _none(n)
    r = float(np.corrcoef(stats.rankdata(x), stats.rankdata(y))[0, 1])
    lower, upper = fisher_interval(r, n)
    return Correlation(n, r, lower, upper, fisher_p_value(r, n))


def partial_spearman(x, y, controls) -> Correlation:
    """Partial Spearman correlation of ``x`` and ``y`` controlling for ``controls``.

    The ranks of x and y are each regressed (least squares, with an intercept) on the ranks of
    the control variables; the result is the Pearson correlation of the two residuals.

    Args:
        x, y: sequences of length n.
        controls: sequence of length n (one control) or an (n, k) array.

    Returns:
        n, partial rho, 95 % interval and two-sided p-value (both Fisher z, ``n - 3 - k``); NaN estimates (n set) when too few areas
        or a residual is constant.
    """
    z = np.asarray(controls, dtype=float)
    z = z.reshape(-1, 1) if z.ndim == 1 else z
    x, y, z = _complete(x, y, z)
    n, k = len(x), z.shape[1]
    if n < MIN_AREAS + k:
        return _none(n)
    design = np.column_stack([np.ones(n), *(stats.rankdata(z[:, j]) for j in range(k))])

    def residual(v: np.ndarray) -> np.ndarray:
        ranks = stats.rankdata(v)
        coef, *_ = np.linalg.lstsq(design, ranks, rcond=None)
        return ranks - design @ coef

    rx, ry = residual(x), residual(y)
    if np.allclose(rx, 0) or np.allclose(ry, 0):
        return _none(n)
    r = float(np.corrcoef(rx, ry)[0, 1])
    lower, upper = fisher_interval(r, n, controls=k)
    return Correlation(n, r, lower, upper, fisher_p_value(r, n, controls=k))


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error), NaNs left out of the family.

    Args:
        p_values: the family's unadjusted p-values (NaN = no test).

    Returns:
        Adjusted p-values in the input order: the k-th smallest of m is multiplied by
        ``m - k + 1``, made non-decreasing in that order and capped at 1.
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    tested = np.flatnonzero(np.isfinite(p))
    m = len(tested)
    if m == 0:
        return out
    order = tested[np.argsort(p[tested], kind="stable")]
    scaled = p[order] * (m - np.arange(m))
    out[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return out


# ---------------------------------------------------------------------------------------------
# Time order of an outcome against the activity period


def time_order(
    outcome_start: date, outcome_end: date, activity_start: date, activity_end: date
) -> str:
    """Where an outcome's period lies against the activity period.

    Returns:
        ``'precedes'`` (the outcome period ended before the activity began: it cannot be an
        effect of it), ``'follows'`` (it began after the activity period ended) or
        ``'overlaps'``.
    """
    if outcome_end < activity_start:
        return "precedes"
    if outcome_start > activity_end:
        return "follows"
    return "overlaps"
