"""Bootstrap confidence intervals by resampling items, fast for Krippendorff's alpha.

Resampling N items with replacement gives each distinct rating pattern (the counts of each value
in an item) a Multinomial(N, share of items with that pattern) weight, so alpha's coincidence
matrix for a resample is a weighted sum of per-pattern coincidence matrices: one matrix product
for all resamples instead of recomputing alpha 1,000 times. Continuous interval data (many
patterns) uses per-item linear sums instead; any other statistic is recomputed per resample.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qa._alpha import ratio_d2
from qa._data import encode_reliability
from qa.errors import QAError, QAWarning, warn

MAX_PATTERN_VALUES = 64  # up to this many distinct values, alpha resamples via patterns
MAX_PATTERN_CELLS = 1 << 24  # patterns x V^2 cells held at once


@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """Percentile bootstrap interval of a statistic, with its resampled values."""

    estimate: float
    ci_low: float
    ci_high: float
    se: float
    confidence: float
    n_resamples: int
    replicates: np.ndarray


@dataclass(frozen=True, eq=False)
class PatternModel:
    """Items grouped by rating pattern, with each pattern's coincidence matrix."""

    inverse: np.ndarray  # pattern index of each item
    sizes: np.ndarray  # items per pattern
    coincidences: np.ndarray  # patterns x V x V
    values: np.ndarray  # the V distinct values (codes for labels)
    level: str

    def alpha(self, weights: np.ndarray) -> np.ndarray:
        """Return alpha for each row of pattern weights (resamples x patterns)."""
        p, v = self.coincidences.shape[0], self.values.size
        o = (weights @ self.coincidences.reshape(p, v * v)).reshape(-1, v, v)
        return alpha_from_coincidences(o, self.values, self.level)


def alpha_from_coincidences(o: np.ndarray, values: np.ndarray, level: str) -> np.ndarray:
    """Return alpha for a stack of coincidence matrices (resamples x V x V)."""
    n_c = o.sum(axis=2)
    n = n_c.sum(axis=1)
    if level == "ordinal":
        t = np.cumsum(n_c, axis=1) - n_c / 2.0
        d2 = (t[:, :, None] - t[:, None, :]) ** 2
        observed = np.einsum("bck,bck->b", o, d2)
        expected = np.einsum("bc,bck,bk->b", n_c, d2, n_c)
    else:
        if level == "nominal":
            d2 = 1.0 - np.eye(values.size)
        elif level == "interval":
            d2 = (values[:, None] - values[None, :]) ** 2
        else:
            d2 = ratio_d2(values[:, None], values[None, :])
        observed = np.einsum("bck,ck->b", o, d2)
        expected = np.einsum("bc,ck,bk->b", n_c, d2, n_c)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(expected > 0, 1.0 - (n - 1.0) * observed / expected, np.nan)


def pattern_model(x: np.ndarray, level: str) -> PatternModel | None:
    """Group items by rating pattern; None when there are too many values or patterns."""
    present = ~np.isnan(x)
    values = np.unique(x[present])
    v = values.size
    if v > MAX_PATTERN_VALUES:
        return None
    n_items = x.shape[1]
    item = np.nonzero(present)[1]
    codes = np.searchsorted(values, x[present])
    counts = np.bincount(item * v + codes, minlength=n_items * v).reshape(n_items, v)
    base = int(counts.sum(axis=1).max()) + 1
    if v * np.log2(base) < 62:
        key = counts @ (base ** np.arange(v, dtype=np.int64))
        _, first, inverse, sizes = np.unique(
            key, return_index=True, return_inverse=True, return_counts=True
        )
    else:
        _, first, inverse, sizes = np.unique(
            counts, axis=0, return_index=True, return_inverse=True, return_counts=True
        )
    if first.size * v * v > MAX_PATTERN_CELLS:
        return None
    n_p = counts[first].astype(np.float64)
    m = n_p.sum(axis=1)
    pairs = n_p[:, :, None] * n_p[:, None, :] - n_p[:, :, None] * np.eye(v)
    scale = np.where(m >= 2, 1.0 / np.maximum(m - 1.0, 1.0), 0.0)
    return PatternModel(inverse.ravel(), sizes, pairs * scale[:, None, None], values, level)


def _interval_unit_sums(x: np.ndarray) -> np.ndarray:
    """Return per-item (observed part, m, sum, sum of squares) rows; zeros if m < 2."""
    present = ~np.isnan(x)
    m = present.sum(axis=0).astype(np.float64)
    shifted = np.where(present, x - np.nanmean(x), 0.0)
    s1 = shifted.sum(axis=0)
    s2 = (shifted**2).sum(axis=0)
    within = s2 - s1 * s1 / np.maximum(m, 1.0)
    observed = 2.0 * m * within / np.maximum(m - 1.0, 1.0)
    keep = m >= 2
    return np.vstack([observed, m, s1, s2]) * keep


def _interval_replicates(x: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    sums = _interval_unit_sums(x)
    n_items = x.shape[1]
    out = np.empty(n_resamples)
    for b in range(n_resamples):
        w = np.bincount(rng.integers(0, n_items, n_items), minlength=n_items)
        observed, n, s1, s2 = sums @ w
        expected = 2.0 * (n * s2 - s1 * s1)
        out[b] = 1.0 - (n - 1.0) * observed / expected if expected > 0 else np.nan
    return out


def _alpha_options(statistic: Callable[..., float]) -> dict[str, Any] | None:
    """Return alpha's keyword options if `statistic` is krippendorff_alpha (or a partial)."""
    from qa.agreement import krippendorff_alpha

    if statistic is krippendorff_alpha:
        return {}
    if (
        isinstance(statistic, functools.partial)
        and statistic.func is krippendorff_alpha
        and not statistic.args
    ):
        return dict(statistic.keywords)
    return None


def _alpha_replicates(
    data: Any, options: dict[str, Any], n_resamples: int, rng: np.random.Generator
) -> np.ndarray | None:
    level = options.get("level_of_measurement", "nominal")
    x, _ = encode_reliability(data, level, options.get("value_domain"), options.get("lang"))
    model = pattern_model(x, level)
    if model is not None:
        weights = rng.multinomial(x.shape[1], model.sizes / x.shape[1], size=n_resamples)
        return model.alpha(weights.astype(np.float64))
    if level == "interval":
        return _interval_replicates(x, n_resamples, rng)
    return None


def _generic_replicates(
    statistic: Callable[..., float], data: Any, n_resamples: int, rng: np.random.Generator
) -> np.ndarray:
    arr = np.asarray(data)
    n_items = arr.shape[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QAWarning)
        return np.array(
            [statistic(arr[:, rng.integers(0, n_items, n_items)]) for _ in range(n_resamples)]
        )


def bootstrap_ci(
    statistic: Callable[..., float],
    reliability_data: Any,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int | Sequence[int] | None = None,
    lang: str | None = None,
) -> BootstrapResult:
    """Return a percentile bootstrap CI for `statistic`, resampling items (columns).

    Parameters
    ----------
    statistic : callable
        Takes annotators x items ratings, returns a float: e.g. ``krippendorff_alpha`` or
        ``functools.partial(krippendorff_alpha, level_of_measurement="interval")`` (these take a
        fast path), or any other function of the table (recomputed per resample).
    reliability_data : array_like, shape (annotators, items)
    n_resamples : int
    confidence : float
        Central probability of the percentile interval.
    seed : int, optional
        Makes the resamples reproducible.

    Returns
    -------
    BootstrapResult
        estimate (the statistic on all data), ci_low, ci_high, se (standard deviation of the
        resampled values), and the resampled values. Resamples whose statistic is NaN are left
        out of the interval, with a warning that counts them.

    References
    ----------
    Efron, B., Tibshirani, R. J. (1993). An Introduction to the Bootstrap, ch. 13 (percentile
    intervals). Chapman & Hall. https://doi.org/10.1201/9780429246593
    Hayes, A. F., Krippendorff, K. (2007). Answering the call for a standard reliability measure
    for coding data. Communication Methods and Measures 1(1), 77-89.
    https://doi.org/10.1080/19312450709336664

    Examples
    --------
    >>> from qa.agreement import krippendorff_alpha
    >>> data = [[1, 2, 3, 1, 2, 3, 1, 2], [1, 2, 3, 1, 2, 3, 2, 2]]
    >>> r = bootstrap_ci(krippendorff_alpha, data, seed=1)
    >>> r.ci_low <= r.estimate <= r.ci_high
    True
    """
    if not isinstance(n_resamples, int | np.integer) or n_resamples < 2:
        raise QAError("out_of_range", lang, name="n_resamples", rule=">= 2", value=n_resamples)
    if not 0.0 < confidence < 1.0:
        raise QAError("out_of_range", lang, name="confidence", rule="in (0, 1)", value=confidence)
    estimate = float(statistic(reliability_data))
    rng = np.random.default_rng(seed)
    options = _alpha_options(statistic)
    replicates = None
    if options is not None:
        replicates = _alpha_replicates(reliability_data, options, n_resamples, rng)
    if replicates is None:
        replicates = _generic_replicates(statistic, reliability_data, n_resamples, rng)
    valid = replicates[~np.isnan(replicates)]
    if valid.size < replicates.size:
        warn("bootstrap_nan", lang, count=replicates.size - valid.size, total=replicates.size)
    if valid.size < 2:
        nan = float("nan")
        return BootstrapResult(estimate, nan, nan, nan, confidence, n_resamples, replicates)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(valid, [tail, 1.0 - tail])
    se = float(np.std(valid, ddof=1))
    return BootstrapResult(
        estimate, float(low), float(high), se, confidence, n_resamples, replicates
    )
