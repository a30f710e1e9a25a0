"""Cross-checks against reference packages that need their own virtualenv (.venv-ref).

irrCAC pins scipy==1.12 (so numpy < 2) and cannot live in the main environment; crowd-kit
comes along. test_qa_reference.py runs this file with .venv-ref/bin/python; it is named
ref_*.py so that the main pytest run does not collect it.
"""

import warnings

import numpy as np
import pandas as pd
from crowdkit.aggregation import DawidSkene
from hypothesis import given, settings
from hypothesis import strategies as st
from irrCAC.raw import CAC
from numpy.testing import assert_allclose

from qa.agreement import (
    brennan_prediger,
    category_counts,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac2,
    krippendorff_alpha,
    percent_agreement,
)
from qa.consensus import dawid_skene
from qa.errors import QAWarning

SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def ratings(draw):
    """Annotators x items ratings; every item has at least one rating, two items have two."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_ann, n_items = draw(st.integers(2, 6)), draw(st.integers(3, 30))
    q = draw(st.integers(2, 5))
    x = rng.integers(1, q + 1, (n_ann, n_items)).astype(float)
    x[rng.random(x.shape) < draw(st.floats(0.0, 0.5))] = np.nan
    x[0, :] = np.where(np.isnan(x).all(axis=0), 1.0, x[0, :])
    x[:2, :2] = [[1.0, 2.0], [1.0, 2.0]]
    return x


def irr(x, method, weights="identity"):
    cac = CAC(pd.DataFrame(x.T), weights=weights, digits=15)
    return getattr(cac, method)()["est"]


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QAWarning)
        return fn(*args, **kwargs)


@SETTINGS
@given(ratings())
def test_gwet_fleiss_bp_equal_irrcac(x):
    assert_allclose(quiet(gwet_ac1, x), irr(x, "gwet")["coefficient_value"], atol=1e-9)
    counts, _ = category_counts(x)
    assert_allclose(quiet(fleiss_kappa, counts), irr(x, "fleiss")["coefficient_value"], atol=1e-9)
    assert_allclose(quiet(brennan_prediger, x), irr(x, "bp")["coefficient_value"], atol=1e-9)
    assert_allclose(quiet(percent_agreement, x), irr(x, "gwet")["pa"], atol=1e-9)


@SETTINGS
@given(ratings(), st.sampled_from(["linear", "quadratic"]))
def test_gwet_ac2_equals_irrcac(x, weights):
    expected = irr(x, "gwet", weights=weights)["coefficient_value"]
    assert_allclose(quiet(gwet_ac2, x, weights=weights), expected, atol=1e-9)


@SETTINGS
@given(ratings())
def test_alpha_equals_irrcac_where_no_item_has_a_single_rating(x):
    x = x[:, (~np.isnan(x)).sum(axis=0) >= 2]
    expected = irr(x, "krippendorff")["coefficient_value"]
    assert_allclose(quiet(krippendorff_alpha, x), expected, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 6), st.integers(2, 5), st.integers(1, 30))
def test_dawid_skene_posteriors_equal_crowdkit(seed, n_ann, k, n_iter):
    rng = np.random.default_rng(seed)
    n_items = 200
    truth = rng.integers(0, k, n_items)
    items = np.repeat(np.arange(n_items), n_ann)
    annotators = np.tile(np.arange(n_ann), n_items)
    keep = rng.random(items.size) > 0.2
    items, annotators = items[keep], annotators[keep]
    skill = rng.uniform(0.3, 0.95, n_ann)[annotators]
    labels = np.where(rng.random(items.size) < skill, truth[items], rng.integers(0, k, items.size))
    frame = pd.DataFrame({"task": items, "worker": annotators, "label": labels})
    reference = DawidSkene(n_iter=n_iter, tol=-np.inf).fit(frame)
    ours = dawid_skene(items, annotators, labels, n_iter=n_iter, tol=None)
    expected = reference.probas_.loc[ours.items, ours.classes].to_numpy()
    assert_allclose(ours.posteriors, expected, atol=1e-6)
    assert_allclose(ours.priors, reference.priors_.loc[ours.classes].to_numpy(), atol=1e-6)
