"""Chance-corrected agreement from an items x categories counts table (Fleiss, Gwet, BP).

Notation of Gwet (2014): r_ik raters put item i in category k, r_i = sum_k r_ik,
r*_ik = sum_l w_kl r_il. Observed agreement averages over items with two or more ratings;
items with a single rating are left out of it (a warning counts them) but, as in Gwet (2014,
sec. 2.5), still count in the category prevalences pi_k = mean_i r_ik / r_i.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qa._data import check_choice, check_lengths, dense_codes, encode_reliability
from qa.errors import QAError, warn

WEIGHTS = ("identity", "linear", "quadratic")


def category_counts(
    reliability_data: Any,
    *,
    value_domain: Sequence[Any] | None = None,
    lang: str | None = None,
) -> tuple[np.ndarray, list[Any]]:
    """Return (items x categories counts, categories) from annotators x items ratings.

    Categories follow `value_domain`, else the sorted distinct numbers, else labels in order of
    first appearance. Items nobody rated are dropped.

    Examples
    --------
    >>> counts, cats = category_counts([[1, 2], [1, 1]])
    >>> counts.tolist(), cats
    ([[2.0, 0.0], [1.0, 1.0]], [1.0, 2.0])
    """
    x, labels = encode_reliability(reliability_data, "nominal", value_domain, lang)
    present = ~np.isnan(x)
    if labels is not None:
        categories, codes = list(labels), x[present].astype(np.int64)
    else:
        domain = np.asarray(value_domain, dtype=np.float64) if value_domain is not None else None
        domain = np.unique(x[present]) if domain is None else domain
        order = np.argsort(domain, kind="stable")
        codes = order[np.searchsorted(domain[order], x[present])]
        categories = domain.tolist()
    item = np.nonzero(present)[1]
    q = len(categories)
    counts = np.bincount(item * q + codes, minlength=x.shape[1] * q).reshape(x.shape[1], q)
    counts = counts[counts.sum(axis=1) > 0]
    return counts.astype(np.float64), categories


def rating_counts(
    items: Any, labels: Any, *, categories: Sequence[Any] | None = None, lang: str | None = None
) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Return (items x categories counts, item ids, categories) from a long table of ratings.

    One entry per rating; the annotator does not matter for Fleiss' kappa. Items and
    categories are sorted (categories follow `categories` when given).

    Examples
    --------
    >>> counts, items, cats = rating_counts([7, 7, 9], ["a", "b", "a"])
    >>> counts.tolist(), items.tolist(), cats
    ([[1.0, 1.0], [1.0, 0.0]], [7, 9], ['a', 'b'])
    """
    items, labels = np.asarray(items), np.asarray(labels)
    check_lengths(("items", items), ("labels", labels), lang=lang)
    if items.size == 0:
        raise QAError("empty", lang, what="labels")
    item_ids, item = dense_codes(items)
    if categories is None:
        known, code = dense_codes(labels)
        categories = known.tolist()
    else:
        index = {c: i for i, c in enumerate(categories)}
        try:
            code = np.array([index[v] for v in labels.tolist()], dtype=np.int64)
        except KeyError as exc:
            raise QAError(
                "outside_domain", lang, value=exc.args[0], domain=list(categories)
            ) from None
    q = len(categories)
    flat = np.bincount(item.ravel() * q + code.ravel(), minlength=item_ids.size * q)
    return flat.reshape(item_ids.size, q).astype(np.float64), item_ids, list(categories)


def weight_matrix(weights: Any, categories: Sequence[Any], lang: str | None = None) -> np.ndarray:
    """Return the q x q agreement weights: "identity", "linear", "quadratic" or a matrix.

    Linear and quadratic weights use the category values when they are numbers (as irrCAC
    does) and their positions otherwise: w_kl = 1 - |c_k - c_l| / (max - min) (squared for
    quadratic).
    """
    q = len(categories)
    if not isinstance(weights, str):
        matrix = np.asarray(weights, dtype=np.float64)
        if matrix.shape != (q, q):
            raise QAError("weights_shape", lang, k=q, shape=matrix.shape)
        return matrix
    check_choice("weights", weights, WEIGHTS)
    if weights == "identity" or q < 2:
        return np.eye(q)
    try:
        values = np.asarray(categories, dtype=np.float64)
    except (TypeError, ValueError):
        values = np.arange(q, dtype=np.float64)
    distance = np.abs(values[:, None] - values[None, :]) / (values.max() - values.min())
    return 1.0 - (distance if weights == "linear" else distance**2)


def _check_table(table: Any, lang: str | None) -> np.ndarray:
    counts = np.asarray(table, dtype=np.float64)
    if counts.ndim != 2:
        raise QAError("not_2d", lang, what="table", ndim=counts.ndim)
    if counts.size == 0:
        raise QAError("empty", lang, what="table")
    nan_rows = np.flatnonzero(np.isnan(counts).any(axis=1))
    if nan_rows.size:
        raise QAError("nan_in_table", lang, row=int(nan_rows[0]))
    bad = np.flatnonzero(((counts < 0) | (counts != np.floor(counts))).any(axis=1))
    if bad.size:
        raise QAError("bad_counts", lang, row=int(bad[0]))
    return counts


def agreement_terms(
    counts: np.ndarray, weights: np.ndarray, name: str, lang: str | None
) -> tuple[float, np.ndarray]:
    """Return (observed agreement p_a, category prevalences pi_k) of a counts table."""
    r = counts.sum(axis=1)
    rated, pairable = r >= 1, r >= 2
    left_out = int(np.count_nonzero(rated & ~pairable))
    if not pairable.any():
        raise QAError("empty", lang, what="the set of items with two or more ratings")
    if left_out:
        warn("single_rating_items", lang, count=left_out, name=name)
    kept, r2 = counts[pairable], r[pairable]
    r_star = kept @ weights.T
    p_a = float(np.mean(np.sum(kept * (r_star - 1.0), axis=1) / (r2 * (r2 - 1.0))))
    pi = np.mean(counts[rated] / r[rated, None], axis=0)
    return p_a, pi


def _kappa_like(p_a: float, p_e: float, name: str, counts: np.ndarray, lang: str | None) -> float:
    if np.isclose(p_e, 1.0, rtol=0.0, atol=1e-15):
        used = np.flatnonzero(counts.sum(axis=0))
        warn("single_category", lang, value=int(used[0]) if used.size else None, name=name)
        return float("nan")
    return float((p_a - p_e) / (1.0 - p_e))


def fleiss_kappa(table: Any, *, lang: str | None = None) -> float:
    """Return Fleiss' kappa of an items x categories counts table.

    Items may have different numbers of ratings; items with a single rating are left out of
    the observed agreement (with a warning). Chance agreement is sum_k pi_k^2 with pi_k the
    mean over rated items of r_ik / r_i (Gwet's generalisation), which is Fleiss' pooled
    proportion when every item has the same number of ratings.

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological
    Bulletin 76(5), 378-382. https://doi.org/10.1037/h0031619
    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed., sec. 2.5 (unequal numbers
    of raters). Advanced Analytics.

    Examples
    --------
    >>> round(fleiss_kappa([[2, 0], [0, 2], [1, 1]]), 4)
    0.3333
    """
    counts = _check_table(table, lang)
    p_a, pi = agreement_terms(counts, np.eye(counts.shape[1]), "Fleiss' kappa", lang)
    return _kappa_like(p_a, float(pi @ pi), "Fleiss' kappa", counts, lang)


def _counts_and_weights(
    reliability_data: Any, weights: Any, value_domain: Sequence[Any] | None, lang: str | None
) -> tuple[np.ndarray, np.ndarray]:
    counts, categories = category_counts(reliability_data, value_domain=value_domain, lang=lang)
    return counts, weight_matrix(weights, categories, lang)


def gwet_ac2(
    reliability_data: Any,
    *,
    weights: Any = "quadratic",
    value_domain: Sequence[Any] | None = None,
    lang: str | None = None,
) -> float:
    """Return Gwet's AC2 (weighted AC1) for annotators x items ratings.

    p_e = T_w / (q (q - 1)) * sum_k pi_k (1 - pi_k), with T_w the sum of the weights and q the
    number of categories (`value_domain`, else those in the data).

    References
    ----------
    Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the presence of
    high agreement. British Journal of Mathematical and Statistical Psychology 61(1), 29-48.
    https://doi.org/10.1348/000711006X126600
    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed., ch. 4-5.

    Examples
    --------
    >>> round(gwet_ac2([[1, 2, 3], [1, 2, 2]], weights="linear"), 4)
    0.6604
    """
    counts, w = _counts_and_weights(reliability_data, weights, value_domain, lang)
    q = counts.shape[1]
    p_a, pi = agreement_terms(counts, w, "Gwet's AC2", lang)
    if q < 2:
        return _kappa_like(p_a, 1.0, "Gwet's AC2", counts, lang)
    p_e = w.sum() / (q * (q - 1.0)) * float(np.sum(pi * (1.0 - pi)))
    return _kappa_like(p_a, p_e, "Gwet's AC2", counts, lang)


def gwet_ac1(
    reliability_data: Any,
    *,
    value_domain: Sequence[Any] | None = None,
    lang: str | None = None,
) -> float:
    """Return Gwet's AC1 for annotators x items nominal ratings.

    References
    ----------
    Gwet, K. L. (2008), British Journal of Mathematical and Statistical Psychology 61(1), 29-48,
    eq. 19. https://doi.org/10.1348/000711006X126600

    Examples
    --------
    >>> round(gwet_ac1([["a", "a", "b"], ["a", "b", "b"]]), 4)
    0.3333
    """
    return gwet_ac2(reliability_data, weights="identity", value_domain=value_domain, lang=lang)


def brennan_prediger(
    reliability_data: Any,
    *,
    weights: Any = "identity",
    value_domain: Sequence[Any] | None = None,
    lang: str | None = None,
) -> float:
    """Return Brennan and Prediger's coefficient (chance agreement T_w / q^2).

    References
    ----------
    Brennan, R. L., Prediger, D. J. (1981). Coefficient kappa: some uses, misuses, and
    alternatives. Educational and Psychological Measurement 41(3), 687-699.
    https://doi.org/10.1177/001316448104100307

    Examples
    --------
    >>> brennan_prediger([["a", "a", "b"], ["a", "b", "b"]])
    0.33333333333333326
    """
    counts, w = _counts_and_weights(reliability_data, weights, value_domain, lang)
    q = counts.shape[1]
    p_a, _ = agreement_terms(counts, w, "Brennan-Prediger", lang)
    return _kappa_like(p_a, w.sum() / (q * q), "Brennan-Prediger", counts, lang)


def percent_agreement(
    reliability_data: Any,
    *,
    weights: Any = "identity",
    value_domain: Sequence[Any] | None = None,
    lang: str | None = None,
) -> float:
    """Return the share of agreeing rater pairs, averaged over items with two or more ratings.

    References
    ----------
    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed., eq. 2.5.3.

    Examples
    --------
    >>> percent_agreement([["a", "a", "b"], ["a", "b", "b"]])
    0.6666666666666666
    """
    counts, w = _counts_and_weights(reliability_data, weights, value_domain, lang)
    p_a, _ = agreement_terms(counts, w, "percent agreement", lang)
    return p_a
