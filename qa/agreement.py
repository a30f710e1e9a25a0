"""Inter-annotator agreement: Krippendorff's alpha, the kappa family, Gwet's AC1/AC2.

Ratings come as an annotators x items table (`reliability_data`) with NaN (or None in object
arrays) for a missing rating, as a counts table (items x categories), or as two label vectors.
Items with fewer than two ratings carry no information about agreement: they are left out and
a :class:`qa.errors.QAWarning` reports how many. A statistic whose chance agreement is 1 (a
single category in the data) is NaN with a warning saying why, never a made-up number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qa._alpha import alpha_parts
from qa._bootstrap import BootstrapResult, bootstrap_ci
from qa._chance import (
    brennan_prediger,
    category_counts,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac2,
    percent_agreement,
    rating_counts,
)
from qa._data import encode_reliability, long_to_wide
from qa._kappa import KappaResult, PairKappa, cohen_kappa, pairwise_kappa, scott_pi
from qa.errors import QAError, warn

__all__ = [
    "BootstrapResult",
    "KappaResult",
    "PairKappa",
    "bootstrap_ci",
    "brennan_prediger",
    "category_counts",
    "cohen_kappa",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac2",
    "krippendorff_alpha",
    "pairwise_kappa",
    "per_category_alpha",
    "percent_agreement",
    "rating_counts",
    "reliability_matrix",
    "scott_pi",
]


def krippendorff_alpha(
    reliability_data: Any,
    *,
    level_of_measurement: str = "nominal",
    value_domain: Sequence[Any] | None = None,
    lang: str | None = None,
) -> float:
    """Return Krippendorff's alpha for annotators x items ratings.

    Parameters
    ----------
    reliability_data : array_like, shape (annotators, items)
        Ratings; NaN (or None in an object array) marks a missing rating. Labels may be numbers
        or strings.
    level_of_measurement : {"nominal", "ordinal", "interval", "ratio"}
        The metric of disagreement. Ratio ratings must be >= 0.
    value_domain : sequence, optional
        The possible labels. Every rating must be in it (else ``ValueError`` naming the value).
        For string labels at the ordinal, interval and ratio levels it gives their order (interval
        and ratio then use the positions 1..V as values).
    lang : {"en", "zh_CN"}, optional
        Language of error and warning texts (default from ``LANG``).

    Returns
    -------
    float
        alpha = 1 - D_o / D_e; NaN (with a :class:`QAWarning`) when all pairable ratings are one
        value, since the expected disagreement is then zero.

    Notes
    -----
    Computed from per-item sums in blocks of items: memory O(items + V), no V x V matrix per
    item. Interval alpha uses sum_{i != j} (x_i - x_j)^2 = 2 m sum (x_i - mean)^2; ordinal alpha
    is interval alpha on mid-ranks, since Krippendorff's ordinal distance between values c <= k is
    t_k - t_c with t_c = (pairable values <= c) - n_c / 2.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School for
    Communication, University of Pennsylvania. https://repository.upenn.edu/asc_papers/43
    Krippendorff, K. (2019). Content Analysis: An Introduction to Its Methodology, 4th ed.,
    ch. 12. SAGE. https://doi.org/10.4135/9781071878781

    Examples
    --------
    >>> krippendorff_alpha([[1, 2, 3, 3], [1, 2, 3, 4]], level_of_measurement="interval")
    0.8888888888888888
    """
    x, labels = encode_reliability(reliability_data, level_of_measurement, value_domain, lang)
    parts = alpha_parts(x, level_of_measurement, lang)
    if parts.n == 0:
        raise QAError("empty", lang, what="the set of items with two or more ratings")
    if parts.left_out:
        warn("single_rating_items", lang, count=parts.left_out, name="Krippendorff's alpha")
    if parts.expected == 0.0:
        value = _decode(parts.first_value, labels, level_of_measurement)
        warn("single_category", lang, value=value, name="Krippendorff's alpha")
    return parts.alpha


def _decode(code: float, labels: list[Any] | None, level: str) -> Any:
    """Return the label a float code stands for (numbers stand for themselves)."""
    if labels is None:
        return code
    offset = 1 if level in ("interval", "ratio") else 0
    return labels[int(code) - offset]


def per_category_alpha(
    reliability_data: Any,
    *,
    value_domain: Sequence[Any] | None = None,
    lang: str | None = None,
) -> dict[Any, float]:
    """Return nominal alpha of each label against all other labels (one-vs-rest).

    A label nobody (or everybody) chose has alpha NaN: nothing to agree on.

    References
    ----------
    Krippendorff, K. (2019). Content Analysis, 4th ed., sec. 12.4 (alpha for single values).

    Examples
    --------
    >>> per_category_alpha([["a", "b", "a"], ["a", "b", "b"]])
    {'a': 0.4444444444444444, 'b': 0.4444444444444444}
    """
    x, labels = encode_reliability(reliability_data, "nominal", value_domain, lang)
    present = ~np.isnan(x)
    codes = np.unique(x[present]) if labels is None else np.arange(len(labels), dtype=float)
    result: dict[Any, float] = {}
    for code in codes:
        binary = np.where(present, (x == code).astype(np.float64), np.nan)
        parts = alpha_parts(binary, "nominal", lang)
        label = _decode(float(code), labels, "nominal")
        result[label.item() if isinstance(label, np.generic) else label] = parts.alpha
    return result


def reliability_matrix(
    items: Any, annotators: Any, labels: Any, *, lang: str | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn a long (item, annotator, label) table into annotators x items reliability data.

    Returns (matrix with None for missing, item ids, annotator ids); rows follow the sorted
    annotator ids and columns the sorted item ids.

    Examples
    --------
    >>> m, items, anns = reliability_matrix([1, 1, 2], ["x", "y", "x"], ["a", "b", "a"])
    >>> m.tolist()
    [['a', 'a'], ['b', None]]
    """
    return long_to_wide(items, annotators, labels, lang)
