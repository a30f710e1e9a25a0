"""Bootstrap intervals: the fast paths equal recomputing alpha on the resampled items."""

import functools
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from qa._bootstrap import _interval_unit_sums, pattern_model
from qa._data import encode_reliability
from qa.agreement import bootstrap_ci, krippendorff_alpha, percent_agreement
from qa.errors import QAError, QAWarning


def ratings(seed, n_ann=4, n_items=60, values=4, missing=0.15):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, values, n_items)
    x = np.where(
        rng.random((n_ann, n_items)) < 0.7, truth, rng.integers(0, values, (n_ann, n_items))
    )
    x = x.astype(float)
    x[rng.random(x.shape) < missing] = np.nan
    return x


def alpha(x, level):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QAWarning)
        return krippendorff_alpha(x, level_of_measurement=level)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_pattern_weights_reproduce_alpha_of_resampled_items(level):
    x = ratings(1)
    model = pattern_model(encode_reliability(x, level, None)[0], level)
    rng = np.random.default_rng(2)
    for _ in range(5):
        counts = np.bincount(rng.integers(0, x.shape[1], x.shape[1]), minlength=x.shape[1])
        weights = np.bincount(model.inverse, weights=counts, minlength=model.sizes.size)
        direct = alpha(x[:, np.repeat(np.arange(x.shape[1]), counts)], level)
        assert_allclose(model.alpha(weights[None, :])[0], direct, atol=1e-12)


def test_interval_sums_reproduce_alpha_of_resampled_items():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 80))
    x[rng.random(x.shape) < 0.2] = np.nan
    sums = _interval_unit_sums(x)
    counts = np.bincount(rng.integers(0, 80, 80), minlength=80)
    observed, n, s1, s2 = sums @ counts
    value = 1.0 - (n - 1.0) * observed / (2.0 * (n * s2 - s1 * s1))
    assert_allclose(value, alpha(x[:, np.repeat(np.arange(80), counts)], "interval"), atol=1e-12)


def test_interval_bootstrap_on_continuous_values_uses_item_sums():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 100)) + rng.normal(size=100)
    result = bootstrap_ci(
        functools.partial(krippendorff_alpha, level_of_measurement="interval"), x, seed=5
    )
    assert result.ci_low < result.estimate < result.ci_high
    assert result.replicates.shape == (1000,)


def test_same_seed_same_interval_and_estimate_is_alpha():
    x = ratings(6)
    first = bootstrap_ci(krippendorff_alpha, x, n_resamples=200, seed=7)
    second = bootstrap_ci(krippendorff_alpha, x, n_resamples=200, seed=7)
    assert (first.ci_low, first.ci_high) == (second.ci_low, second.ci_high)
    assert first.estimate == alpha(x, "nominal")
    assert first.ci_low < first.estimate < first.ci_high


def test_fast_and_generic_paths_agree_in_distribution():
    x = ratings(8, n_items=150, missing=0.0)
    fast = bootstrap_ci(krippendorff_alpha, x, n_resamples=400, seed=9)

    def wrapped(data):
        return krippendorff_alpha(data)

    slow = bootstrap_ci(wrapped, x, n_resamples=400, seed=9)
    assert abs(fast.se - slow.se) < 0.25 * slow.se
    assert abs(fast.ci_low - slow.ci_low) < 0.05 and abs(fast.ci_high - slow.ci_high) < 0.05


def test_other_statistics_are_resampled_generically():
    x = ratings(10, missing=0.0)
    result = bootstrap_ci(percent_agreement, x, n_resamples=100, seed=1)
    assert 0.0 <= result.ci_low <= result.estimate <= result.ci_high <= 1.0


def test_nan_resamples_are_counted():
    x = np.array([[1.0, 1.0, 1.0, 2.0], [1.0, 1.0, 1.0, 2.0]])
    with pytest.warns(QAWarning, match="bootstrap resamples gave NaN"):
        bootstrap_ci(krippendorff_alpha, x, n_resamples=200, seed=0)


def test_bad_options_are_rejected():
    with pytest.raises(QAError, match="confidence"):
        bootstrap_ci(krippendorff_alpha, ratings(0), confidence=1.5)
    with pytest.raises(QAError, match="n_resamples"):
        bootstrap_ci(krippendorff_alpha, ratings(0), n_resamples=1)
