"""Two-rater agreement: Cohen's kappa (with its large-sample standard error) and Scott's pi."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from scipy import stats

from qa._data import _is_missing, check_choice, check_lengths
from qa.errors import QAError, warn

KAPPA_WEIGHTS = (None, "linear", "quadratic")


@dataclass(frozen=True)
class KappaResult:
    """Cohen's kappa with its standard error and a normal-theory confidence interval."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    n: int


@dataclass(frozen=True)
class PairKappa:
    """Cohen's kappa of one annotator pair over the items both rated."""

    annotator_a: Any
    annotator_b: Any
    kappa: float
    n: int


def _paired_codes(
    y1: Any, y2: Any, labels: Sequence[Any] | None, lang: str | None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Return (codes of y1, codes of y2, number of categories), dropping incomplete pairs."""
    a = np.asarray(y1, dtype=object).ravel()
    b = np.asarray(y2, dtype=object).ravel()
    check_lengths(("y1", a), ("y2", b), lang=lang)
    complete = np.array([not (_is_missing(u) or _is_missing(v)) for u, v in zip(a, b, strict=True)])
    if complete.size and not complete.all():
        warn("missing_pairs", lang, count=int(complete.size - complete.sum()))
    a, b = a[complete], b[complete]
    if a.size == 0:
        raise QAError("empty", lang, what="the set of rating pairs")
    categories = list(labels) if labels is not None else sorted(set(a.tolist()) | set(b.tolist()))
    index = {c: i for i, c in enumerate(categories)}
    try:
        codes_a = np.array([index[v] for v in a])
        codes_b = np.array([index[v] for v in b])
    except KeyError as exc:
        raise QAError("outside_domain", lang, value=exc.args[0], domain=categories) from None
    return codes_a, codes_b, len(categories)


def _agreement_weights(weights: str | None, q: int) -> np.ndarray:
    if weights is None or q < 2:
        return np.eye(q)
    distance = np.abs(np.arange(q)[:, None] - np.arange(q)[None, :]) / (q - 1.0)
    return 1.0 - (distance if weights == "linear" else distance**2)


def cohen_kappa(
    y1: Any,
    y2: Any,
    *,
    weights: str | None = None,
    labels: Sequence[Any] | None = None,
    confidence: float = 0.95,
    lang: str | None = None,
) -> KappaResult:
    """Return Cohen's (weighted) kappa of two raters with its standard error and CI.

    Parameters
    ----------
    y1, y2 : array_like
        The two raters' labels for the same items; pairs with a missing label are left out
        (with a warning).
    weights : {None, "linear", "quadratic"}
        Agreement weights on category positions: 1 - |i - j| / (q - 1), squared for quadratic.
    labels : sequence, optional
        Categories in order (needed for weights with string labels); default: sorted labels.
    confidence : float
        Level of the normal-theory interval estimate +/- z * se.

    Returns
    -------
    KappaResult
        estimate, se (large-sample, Fleiss, Cohen and Everitt 1969), ci_low, ci_high, n.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
    Psychological Measurement 20(1), 37-46. https://doi.org/10.1177/001316446002000104
    Fleiss, J. L., Cohen, J., Everitt, B. S. (1969). Large sample standard errors of kappa and
    weighted kappa. Psychological Bulletin 72(5), 323-327. https://doi.org/10.1037/h0028106

    Examples
    --------
    >>> r = cohen_kappa(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    >>> round(r.estimate, 4), r.n
    (0.5, 4)
    """
    check_choice("weights", weights, KAPPA_WEIGHTS)
    a, b, q = _paired_codes(y1, y2, labels, lang)
    n = a.size
    p = np.bincount(a * q + b, minlength=q * q).reshape(q, q) / n
    w = _agreement_weights(weights, q)
    row, col = p.sum(axis=1), p.sum(axis=0)
    p_o = float(np.sum(w * p))
    p_e = float(row @ w @ col)
    if np.isclose(p_e, 1.0, rtol=0.0, atol=1e-15):
        warn("single_category", lang, value=labels[0] if labels else None, name="Cohen's kappa")
        nan = float("nan")
        return KappaResult(nan, nan, nan, nan, n)
    kappa = (p_o - p_e) / (1.0 - p_e)
    w_row, w_col = w @ col, row @ w
    spread = (w - (w_row[:, None] + w_col[None, :]) * (1.0 - kappa)) ** 2
    var = (np.sum(p * spread) - (kappa - p_e * (1.0 - kappa)) ** 2) / (n * (1.0 - p_e) ** 2)
    se = float(np.sqrt(max(var, 0.0)))
    z = stats.norm.isf((1.0 - confidence) / 2.0)
    return KappaResult(kappa, se, kappa - z * se, kappa + z * se, n)


def scott_pi(y1: Any, y2: Any, *, lang: str | None = None) -> float:
    """Return Scott's pi of two raters (chance from the pooled label distribution).

    References
    ----------
    Scott, W. A. (1955). Reliability of content analysis: the case of nominal scale coding.
    Public Opinion Quarterly 19(3), 321-325. https://doi.org/10.1086/266577

    Examples
    --------
    >>> round(scott_pi(["a", "a", "b", "b"], ["a", "b", "b", "b"]), 4)
    0.4667
    """
    a, b, q = _paired_codes(y1, y2, None, lang)
    p_o = float(np.mean(a == b))
    pooled = np.bincount(np.concatenate([a, b]), minlength=q) / (2.0 * a.size)
    p_e = float(pooled @ pooled)
    if np.isclose(p_e, 1.0, rtol=0.0, atol=1e-15):
        warn("single_category", lang, value=None, name="Scott's pi")
        return float("nan")
    return (p_o - p_e) / (1.0 - p_e)


def pairwise_kappa(
    items: Any,
    annotators: Any,
    labels: Any,
    *,
    weights: str | None = None,
    lang: str | None = None,
) -> list[PairKappa]:
    """Return Cohen's kappa for every annotator pair over the items both rated.

    A pair with fewer than two shared items, or whose shared ratings use one category only,
    has kappa NaN and its overlap count `n`, so a reader sees why.

    Examples
    --------
    >>> out = pairwise_kappa([1, 2, 1, 2], ["x", "x", "y", "y"], ["a", "b", "a", "b"])
    >>> [(p.annotator_a, p.annotator_b, p.kappa, p.n) for p in out]
    [('x', 'y', 1.0, 2)]
    """
    check_choice("weights", weights, KAPPA_WEIGHTS)
    items, annotators = np.asarray(items), np.asarray(annotators)
    labels = np.asarray(labels, dtype=object)
    check_lengths(("items", items), ("annotators", annotators), ("labels", labels), lang=lang)
    if items.size == 0:
        raise QAError("empty", lang, what="labels")
    item_ids, item_idx = np.unique(items, return_inverse=True)
    ann_ids, ann_idx = np.unique(annotators, return_inverse=True)
    categories = sorted(set(labels.tolist()))
    index = {c: i for i, c in enumerate(categories)}
    q = len(categories)
    wide = np.full((ann_ids.size, item_ids.size), -1, dtype=np.int64)
    wide[ann_idx, item_idx] = [index[v] for v in labels]
    w = _agreement_weights(weights, q)
    return [
        PairKappa(ann_ids[i].item(), ann_ids[j].item(), *_pair_kappa(wide[i], wide[j], w, q))
        for i, j in combinations(range(ann_ids.size), 2)
    ]


def _pair_kappa(a: np.ndarray, b: np.ndarray, w: np.ndarray, q: int) -> tuple[float, int]:
    both = (a >= 0) & (b >= 0)
    n = int(np.count_nonzero(both))
    if n < 2:
        return float("nan"), n
    p = np.bincount(a[both] * q + b[both], minlength=q * q).reshape(q, q) / n
    p_e = float(p.sum(axis=1) @ w @ p.sum(axis=0))
    if np.isclose(p_e, 1.0, rtol=0.0, atol=1e-15):
        return float("nan"), n
    return (float(np.sum(w * p)) - p_e) / (1.0 - p_e), n
