"""Binomial intervals pinned to published tables; per-annotator gold reports."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from qa.accuracy import gold_accuracy, proportion_ci
from qa.errors import QAError


@pytest.mark.parametrize(
    ("x", "n", "wilson", "exact"),
    # Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion.
    # Statistics in Medicine 17, 857-872, Table II: methods 3 (score) and 5 (exact).
    [
        (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),
        (15, 148, (0.0624, 0.1605), (0.0578, 0.1617)),
        (0, 20, (0.0000, 0.1611), (0.0000, 0.1684)),
        (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),
    ],
)
def test_intervals_match_newcombe_1998(x, n, wilson, exact):
    assert_allclose(proportion_ci(x, n), wilson, atol=5e-5)
    assert_allclose(proportion_ci(x, n, method="clopper-pearson"), exact, atol=5e-5)


def test_intervals_are_vectorised_and_inside_unit_interval():
    low, high = proportion_ci(np.array([0, 3, 10]), np.array([10, 10, 10]), method="agresti-coull")
    assert low.shape == (3,) and (low >= 0).all() and (high <= 1).all()
    assert low[0] == 0.0 and high[2] == 1.0


def test_bad_proportion_inputs():
    with pytest.raises(QAError, match="successes"):
        proportion_ci(5, 3)
    with pytest.raises(QAError, match="method"):
        proportion_ci(1, 3, method="wald")


def test_gold_report_counts_confusion_and_f1():
    gold = {1: "cat", 2: "dog", 3: "dog", 4: "cat"}
    items = [1, 2, 3, 4, 1, 2, 3, 4, 5]
    annotators = ["a"] * 4 + ["b"] * 4 + ["a"]
    labels = ["cat", "dog", "cat", "cat", "dog", "dog", "dog", "dog", "cat"]
    reports = {r.annotator: r for r in gold_accuracy(items, annotators, labels, gold)}
    a = reports["a"]
    assert (a.n, a.correct, a.accuracy) == (4, 3, 0.75)
    assert a.labels.tolist() == ["cat", "dog"]
    assert a.confusion.tolist() == [[2, 0], [1, 1]]
    assert_allclose(a.precision, [2 / 3, 1.0])
    assert_allclose(a.recall, [1.0, 0.5])
    assert_allclose(a.f1, [0.8, 2 / 3])
    assert_allclose((a.ci_low, a.ci_high), proportion_ci(3, 4))
    b = reports["b"]
    assert np.isnan(b.precision[0]) and b.recall[0] == 0.0


def test_gold_without_overlap_is_an_error():
    with pytest.raises(QAError, match="gold"):
        gold_accuracy([1], ["a"], ["x"], {2: "x"})
