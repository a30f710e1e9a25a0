"""Random data cross-checked against reference implementations to 1e-9, and invariants."""

import warnings

import krippendorff
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa
from statsmodels.stats.proportion import proportion_confint

from qa.accuracy import proportion_ci
from qa.agreement import cohen_kappa, fleiss_kappa, gwet_ac1, krippendorff_alpha
from qa.errors import QAWarning

LEVELS = ("nominal", "ordinal", "interval", "ratio")
SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def reliability(draw, max_values=6, continuous=False):
    """Annotators x items ratings with some missing cells and at least two paired items."""
    n_ann = draw(st.integers(2, 6))
    n_items = draw(st.integers(2, 25))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if continuous:
        x = rng.gamma(2.0, 3.0, (n_ann, n_items))
    else:
        x = rng.integers(0, draw(st.integers(2, max_values)), (n_ann, n_items)).astype(float)
    x[rng.random(x.shape) < draw(st.floats(0.0, 0.4))] = np.nan
    x[:2, :2] = [[1.0, 2.0], [1.0, 3.0]]  # two paired items with spread: alpha is defined
    return x


def ours(x, level):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QAWarning)
        return krippendorff_alpha(x, level_of_measurement=level)


@SETTINGS
@given(reliability(), st.sampled_from(LEVELS))
def test_alpha_equals_krippendorff_package(x, level):
    assert_allclose(ours(x, level), krippendorff.alpha(x, level_of_measurement=level), atol=1e-9)


@SETTINGS
@given(reliability(continuous=True), st.sampled_from(("interval", "ratio")))
def test_alpha_equals_package_on_continuous_values(x, level):
    assert_allclose(ours(x, level), krippendorff.alpha(x, level_of_measurement=level), atol=1e-9)


@SETTINGS
@given(reliability(), st.sampled_from(LEVELS), st.randoms(use_true_random=False))
def test_alpha_ignores_order_of_annotators_and_items(x, level, random):
    rows = random.sample(range(x.shape[0]), x.shape[0])
    cols = random.sample(range(x.shape[1]), x.shape[1])
    assert_allclose(ours(x[rows][:, cols], level), ours(x, level), atol=1e-12)


@SETTINGS
@given(st.integers(2, 6), st.integers(2, 30), st.integers(0, 2**32 - 1))
def test_perfect_agreement_gives_one(n_ann, n_items, seed):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, n_items).astype(float)
    truth[:2] = [0.0, 1.0]
    x = np.tile(truth, (n_ann, 1))
    for level in LEVELS:
        assert_allclose(ours(x, level), 1.0)
    counts, _ = aggregate_raters(x.T.astype(int))
    assert_allclose(fleiss_kappa(counts), 1.0)
    assert_allclose(gwet_ac1(x), 1.0)
    assert_allclose(cohen_kappa(x[0], x[1]).estimate, 1.0)


@SETTINGS
@given(st.integers(2, 30), st.integers(2, 8), st.integers(2, 5), st.integers(0, 2**32 - 1))
def test_fleiss_equals_statsmodels(n_items, n_raters, n_cat, seed):
    rng = np.random.default_rng(seed)
    wide = rng.integers(0, n_cat, (n_items, n_raters))
    wide[0, :2] = [0, 1]
    table, _ = aggregate_raters(wide, n_cat=n_cat)
    assert_allclose(fleiss_kappa(table), sm_fleiss_kappa(table), atol=1e-9)


@SETTINGS
@given(
    st.integers(5, 60),
    st.integers(2, 5),
    st.sampled_from((None, "linear", "quadratic")),
    st.integers(0, 2**32 - 1),
)
def test_cohen_kappa_equals_sklearn_and_statsmodels(n, q, weights, seed):
    rng = np.random.default_rng(seed)
    y1, y2 = rng.integers(0, q, n), rng.integers(0, q, n)
    y1[:2], y2[:2] = [0, 1], [1, 0]  # both raters use two categories: kappa defined
    result = cohen_kappa(y1, y2, weights=weights)
    labels = np.unique(np.concatenate([y1, y2]))
    assert_allclose(
        result.estimate, cohen_kappa_score(y1, y2, weights=weights, labels=labels), atol=1e-9
    )
    k = labels.size
    codes1, codes2 = np.searchsorted(labels, y1), np.searchsorted(labels, y2)
    table = np.bincount(codes1 * k + codes2, minlength=k * k).reshape(k, k)
    with warnings.catch_warnings():  # statsmodels warns on sqrt of a negative variance
        warnings.simplefilter("ignore", RuntimeWarning)
        reference = cohens_kappa(table, wt=weights) if weights else cohens_kappa(table)
    assert_allclose(result.estimate, reference.kappa, atol=1e-9)
    if np.isfinite(reference.std_kappa) and reference.std_kappa > 1e-6:
        assert_allclose(result.se, reference.std_kappa, atol=1e-9)
        assert_allclose(
            [result.ci_low, result.ci_high], [reference.kappa_low, reference.kappa_upp], atol=1e-9
        )


@SETTINGS
@given(
    st.integers(1, 500),
    st.floats(0.0, 1.0),
    st.floats(0.5, 0.999),
    st.sampled_from(
        [
            ("wilson", "wilson"),
            ("clopper-pearson", "beta"),
            ("jeffreys", "jeffreys"),
            ("agresti-coull", "agresti_coull"),
        ]
    ),
)
def test_proportion_ci_equals_statsmodels(n, share, confidence, methods):
    x = int(round(share * n))
    ours_ci = proportion_ci(x, n, method=methods[0], confidence=confidence)
    reference = proportion_confint(x, n, alpha=1 - confidence, method=methods[1])
    assert_allclose(ours_ci, reference, atol=1e-9)
