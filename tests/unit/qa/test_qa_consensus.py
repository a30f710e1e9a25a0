"""Majority vote and Dawid-Skene on data whose answer is known."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from qa.consensus import dawid_skene, majority_vote
from qa.errors import QAError


def crowd(seed, n_items=300, accuracies=(0.9, 0.8, 0.75, 0.35, 0.3), k=3):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n_items)
    items = np.repeat(np.arange(n_items), len(accuracies))
    annotators = np.tile(np.arange(len(accuracies)), n_items)
    right = rng.random(items.size) < np.asarray(accuracies)[annotators]
    wrong = (truth[items] + rng.integers(1, k, items.size)) % k
    return items, annotators, np.where(right, truth[items], wrong), truth


def test_majority_vote_counts_and_ties():
    result = majority_vote([1, 1, 1, 2, 2], list("abcab"), ["x", "x", "y", "y", "z"], tie="none")
    assert result.labels.tolist() == ["x", None]
    assert result.tied.tolist() == [False, True]
    assert result.n_votes.tolist() == [3, 2]


def test_majority_vote_random_ties_are_uniform_and_reproducible():
    items = np.repeat(np.arange(2000), 2)
    labels = np.tile(["x", "y"], 2000)
    first = majority_vote(items, np.zeros(items.size), labels, seed=1)
    second = majority_vote(items, np.zeros(items.size), labels, seed=1)
    assert (first.labels == second.labels).all()
    assert 0.45 < np.mean(first.labels == "x") < 0.55


def test_dawid_skene_beats_majority_vote_with_weak_annotators():
    items, annotators, labels, truth = crowd(0)
    ds = dawid_skene(items, annotators, labels)
    mv = majority_vote(items, annotators, labels, seed=0)
    assert np.mean(ds.labels == truth) > np.mean(mv.labels == truth)
    assert ds.converged and ds.n_iter < 100
    assert_allclose(ds.posteriors.sum(axis=1), 1.0)
    assert_allclose(ds.confusion.sum(axis=2), 1.0)
    # The good annotator's diagonal is high, the weak ones' low.
    assert ds.confusion[0].diagonal().mean() > 0.8 > ds.confusion[4].diagonal().mean()


def test_dawid_skene_with_perfect_annotators_returns_the_truth():
    items, annotators, labels, truth = crowd(1, accuracies=(1.0, 1.0, 1.0))
    ds = dawid_skene(items, annotators, labels)
    assert (ds.labels == truth).all()


def test_dawid_skene_runs_exactly_n_iter_without_tolerance():
    items, annotators, labels, _ = crowd(2, n_items=50)
    assert dawid_skene(items, annotators, labels, n_iter=7, tol=None).n_iter == 7


def test_consensus_input_errors():
    with pytest.raises(QAError, match="labels"):
        majority_vote([], [], [])
    with pytest.raises(ValueError, match="items has 2"):
        dawid_skene([1, 2], ["a"], ["x"])
    with pytest.raises(ValueError, match="tie"):
        majority_vote([1], ["a"], ["x"], tie="first")
