"""Consensus labels from several annotators: majority vote and Dawid-Skene.

Both take the long table people produce: one row per (item, annotator, label).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from qa._data import check_choice, check_lengths, dense_codes
from qa.errors import QAError

__all__ = ["DawidSkeneResult", "MajorityVote", "dawid_skene", "majority_vote"]

_EPS = 1e-10  # floor of an estimated probability, as crowd-kit uses, so logs stay finite
TIES = ("random", "none")


@dataclass(frozen=True, eq=False)
class _Coded:
    items: np.ndarray  # distinct item ids, sorted
    annotators: np.ndarray  # distinct annotator ids, sorted
    classes: np.ndarray  # distinct labels, sorted
    item: np.ndarray  # per row: index into items
    annotator: np.ndarray  # per row: index into annotators
    label: np.ndarray  # per row: index into classes


def _code(items: Any, annotators: Any, labels: Any, lang: str | None) -> _Coded:
    items, annotators, labels = np.asarray(items), np.asarray(annotators), np.asarray(labels)
    check_lengths(("items", items), ("annotators", annotators), ("labels", labels), lang=lang)
    if items.size == 0:
        raise QAError("empty", lang, what="labels")
    item_ids, item = dense_codes(items)
    ann_ids, ann = dense_codes(annotators)
    classes, label = dense_codes(labels)
    return _Coded(item_ids, ann_ids, classes, item, ann, label)


@dataclass(frozen=True, eq=False)
class MajorityVote:
    """Winning label per item with its vote share; tied items are flagged."""

    items: np.ndarray
    labels: np.ndarray  # object array; None for a tie when tie="none"
    support: np.ndarray  # share of the item's votes that went to the winning label
    n_votes: np.ndarray
    tied: np.ndarray  # True where two or more labels shared the most votes


def majority_vote(
    items: Any,
    annotators: Any,
    labels: Any,
    *,
    tie: str = "random",
    seed: int | None = None,
    lang: str | None = None,
) -> MajorityVote:
    """Return the most frequent label of each item.

    Parameters
    ----------
    items, annotators, labels : array_like
        One entry per rating (the annotator ids are only checked for length).
    tie : {"random", "none"}
        "random" picks uniformly among the tied labels (reproducible with `seed`); "none"
        gives None for tied items. Either way `tied` marks them.

    Examples
    --------
    >>> mv = majority_vote([1, 1, 1, 2, 2], list("abcab"), ["x", "x", "y", "y", "z"], tie="none")
    >>> mv.labels.tolist(), mv.support.tolist(), mv.tied.tolist()
    (['x', None], [0.6666666666666666, 0.5], [False, True])
    """
    check_choice("tie", tie, TIES)
    coded = _code(items, annotators, labels, lang)
    n_items, k = coded.items.size, coded.classes.size
    counts = np.bincount(coded.item * k + coded.label, minlength=n_items * k).reshape(n_items, k)
    top = counts.max(axis=1)
    at_top = counts == top[:, None]
    tied = at_top.sum(axis=1) > 1
    if tie == "random":
        jitter = np.random.default_rng(seed).random(counts.shape) * at_top
        winner = np.argmax(counts + jitter, axis=1)
    else:
        winner = np.argmax(counts, axis=1)
    chosen = coded.classes[winner].astype(object)
    if tie == "none":
        chosen[tied] = None
    n_votes = counts.sum(axis=1)
    return MajorityVote(coded.items, chosen, top / n_votes, n_votes, tied)


@dataclass(frozen=True, eq=False)
class DawidSkeneResult:
    """Posterior class probabilities per item and each annotator's confusion matrix."""

    items: np.ndarray
    classes: np.ndarray
    posteriors: np.ndarray  # items x classes
    labels: np.ndarray  # most probable class per item
    annotators: np.ndarray
    confusion: np.ndarray  # annotators x true class x given label: P(given | true)
    priors: np.ndarray  # class prevalences
    n_iter: int  # EM iterations run
    converged: bool
    log_likelihood: float  # observed-data log-likelihood per rating at the end


def _m_step(by_cell: sparse.csr_matrix, seen: np.ndarray, post: np.ndarray, n_ann: int):
    """Return confusion[a, true, given] from posteriors (crowd-kit's floor on seen cells)."""
    k = post.shape[1]
    counts = np.asarray(by_cell @ post)  # (annotator * k + given) x true
    counts[seen] = np.maximum(counts[seen], _EPS)
    cube = counts.reshape(n_ann, k, k)  # annotator, given, true
    cube = cube / cube.sum(axis=1, keepdims=True)
    return np.transpose(cube, (0, 2, 1))


def _e_step(by_item: sparse.csr_matrix, confusion: np.ndarray, priors: np.ndarray):
    """Return (posteriors, log-likelihood of each item) given confusions and priors."""
    k = priors.size
    with np.errstate(divide="ignore"):
        log_conf = np.log(np.transpose(confusion, (0, 2, 1)).reshape(-1, k))
    log_conf[~np.isfinite(log_conf)] = 0.0  # cells no rating uses; never multiplied in
    log_joint = np.log(np.maximum(priors, _EPS)) + np.asarray(by_item @ log_conf)
    top = log_joint.max(axis=1, keepdims=True)
    scaled = np.exp(log_joint - top)
    total = scaled.sum(axis=1, keepdims=True)
    return scaled / total, (np.log(total) + top).ravel()


def dawid_skene(
    items: Any,
    annotators: Any,
    labels: Any,
    *,
    n_iter: int = 100,
    tol: float | None = 1e-5,
    lang: str | None = None,
) -> DawidSkeneResult:
    """Estimate true labels and annotator confusion matrices by EM (Dawid and Skene, 1979).

    Starts from majority-vote shares, then alternates the M-step (confusion matrices and
    priors from posteriors) and the E-step (posteriors). Stops after `n_iter` iterations or
    when the observed-data log-likelihood per rating improves by less than `tol`
    (``tol=None`` always runs `n_iter`). Probabilities of labels an annotator used are floored
    at 1e-10, as crowd-kit does, so its posteriors agree with crowd-kit's `DawidSkene` run
    for the same number of iterations.

    Returns
    -------
    DawidSkeneResult

    References
    ----------
    Dawid, A. P., Skene, A. M. (1979). Maximum likelihood estimation of observer error-rates
    using the EM algorithm. Journal of the Royal Statistical Society C 28(1), 20-28.
    https://doi.org/10.2307/2346806

    Examples
    --------
    >>> r = dawid_skene([1, 1, 1, 2, 2, 2], list("abcabc"), ["x", "x", "y", "y", "y", "y"])
    >>> r.labels.tolist()
    ['x', 'y']
    """
    if not isinstance(n_iter, int | np.integer) or n_iter < 1:
        raise QAError("out_of_range", lang, name="n_iter", rule=">= 1", value=n_iter)
    coded = _code(items, annotators, labels, lang)
    n_items, n_ann, k = coded.items.size, coded.annotators.size, coded.classes.size
    cell = coded.annotator * k + coded.label
    ones = np.ones(cell.size)
    by_item = sparse.csr_matrix((ones, (coded.item, cell)), shape=(n_items, n_ann * k))
    by_cell = by_item.T.tocsr()
    seen = np.asarray(by_cell.sum(axis=1)).ravel() > 0
    votes = np.asarray(
        sparse.csr_matrix((ones, (coded.item, coded.label)), shape=(n_items, k)).todense()
    )
    post = votes / votes.sum(axis=1, keepdims=True)
    priors = post.mean(axis=0)
    confusion = _m_step(by_cell, seen, post, n_ann)
    previous, converged, done = -np.inf, False, 0
    while done < n_iter and not converged:
        post, item_ll = _e_step(by_item, confusion, priors)
        priors = post.mean(axis=0)
        confusion = _m_step(by_cell, seen, post, n_ann)
        done += 1
        current = float(item_ll.sum() / cell.size)
        converged = tol is not None and current - previous < tol
        previous = current
    return DawidSkeneResult(
        coded.items,
        coded.classes,
        post,
        coded.classes[np.argmax(post, axis=1)],
        coded.annotators,
        confusion,
        priors,
        done,
        converged,
        float(item_ll.sum() / cell.size),
    )
