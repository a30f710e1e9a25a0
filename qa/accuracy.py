"""Accuracy against gold labels: binomial confidence intervals and per-annotator reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from qa._data import check_choice, check_lengths
from qa.errors import QAError

__all__ = ["GoldReport", "gold_accuracy", "proportion_ci"]

METHODS = ("wilson", "clopper-pearson", "jeffreys", "agresti-coull")


def proportion_ci(
    successes: Any,
    n: Any,
    *,
    method: str = "wilson",
    confidence: float = 0.95,
    lang: str | None = None,
) -> tuple[Any, Any]:
    """Return (low, high) of a confidence interval for a binomial proportion.

    Vectorised over `successes` and `n`. Methods: "wilson" (score interval),
    "clopper-pearson" (exact, from beta quantiles; 0 and 1 at the ends), "jeffreys"
    (equal-tailed Beta(x + 1/2, n - x + 1/2) interval), "agresti-coull" (adjusted Wald,
    clipped to [0, 1]).

    References
    ----------
    Brown, L. D., Cai, T. T., DasGupta, A. (2001). Interval estimation for a binomial
    proportion. Statistical Science 16(2), 101-133. https://doi.org/10.1214/ss/1009213286
    Clopper, C. J., Pearson, E. S. (1934). Biometrika 26(4), 404-413.
    https://doi.org/10.1093/biomet/26.4.404

    Examples
    --------
    >>> low, high = proportion_ci(81, 263)
    >>> round(float(low), 4), round(float(high), 4)
    (0.2553, 0.3662)
    """
    check_choice("method", method, METHODS)
    if not 0.0 < confidence < 1.0:
        raise QAError("out_of_range", lang, name="confidence", rule="in (0, 1)", value=confidence)
    x = np.asarray(successes, dtype=np.float64)
    total = np.asarray(n, dtype=np.float64)
    if np.any(total <= 0) or np.any(x < 0) or np.any(x > total):
        raise QAError("out_of_range", lang, name="successes", rule="between 0 and n", value=x)
    alpha = 1.0 - confidence
    if method == "clopper-pearson":
        with np.errstate(invalid="ignore"):
            low = np.where(x == 0, 0.0, stats.beta.ppf(alpha / 2, x, total - x + 1))
            high = np.where(x == total, 1.0, stats.beta.isf(alpha / 2, x + 1, total - x))
        return _out(low), _out(high)
    if method == "jeffreys":
        low = stats.beta.ppf(alpha / 2, x + 0.5, total - x + 0.5)
        high = stats.beta.isf(alpha / 2, x + 0.5, total - x + 0.5)
        return _out(low), _out(high)
    z = stats.norm.isf(alpha / 2)
    if method == "wilson":
        p = x / total
        centre = (p + z * z / (2 * total)) / (1 + z * z / total)
        half = z / (1 + z * z / total) * np.sqrt(p * (1 - p) / total + z * z / (4 * total**2))
        return _out(centre - half), _out(centre + half)
    total_c = total + z * z
    p_c = (x + z * z / 2) / total_c
    half = z * np.sqrt(p_c * (1 - p_c) / total_c)
    return _out(np.clip(p_c - half, 0.0, 1.0)), _out(np.clip(p_c + half, 0.0, 1.0))


def _out(value: np.ndarray) -> Any:
    return float(value) if np.ndim(value) == 0 else value


@dataclass(frozen=True, eq=False)
class GoldReport:
    """One annotator's accuracy on gold items, with per-label precision, recall and F1."""

    annotator: Any
    n: int
    correct: int
    accuracy: float
    ci_low: float
    ci_high: float
    labels: np.ndarray  # order of the confusion matrix rows/columns
    confusion: np.ndarray  # gold label (rows) x given label (columns)
    precision: np.ndarray  # NaN where the annotator never gave the label
    recall: np.ndarray  # NaN where the label never is the gold answer
    f1: np.ndarray


def gold_accuracy(
    items: Any,
    annotators: Any,
    labels: Any,
    gold: Mapping[Any, Any],
    *,
    method: str = "wilson",
    confidence: float = 0.95,
    lang: str | None = None,
) -> list[GoldReport]:
    """Return each annotator's accuracy on the items that have a gold label.

    Ratings of items without a gold label are ignored; annotators with no gold item are not
    reported.

    References
    ----------
    Sokolova, M., Lapalme, G. (2009). A systematic analysis of performance measures for
    classification tasks. Information Processing & Management 45(4), 427-437.
    https://doi.org/10.1016/j.ipm.2009.03.002

    Examples
    --------
    >>> reports = gold_accuracy([1, 2, 1, 2], ["a", "a", "b", "b"], ["x", "y", "x", "x"],
    ...                         {1: "x", 2: "y"})
    >>> [(r.annotator, r.correct, r.n) for r in reports]
    [('a', 2, 2), ('b', 1, 2)]
    """
    items, annotators = np.asarray(items), np.asarray(annotators)
    labels = np.asarray(labels, dtype=object)
    check_lengths(("items", items), ("annotators", annotators), ("labels", labels), lang=lang)
    has_gold = np.array([item in gold for item in items.tolist()], dtype=bool)
    if not has_gold.any():
        raise QAError("empty", lang, what="the set of ratings on gold items")
    answer = np.array([gold[item] for item in items[has_gold].tolist()], dtype=object)
    given = labels[has_gold]
    classes = np.array(sorted(set(answer.tolist()) | set(given.tolist())), dtype=object)
    index = {c: i for i, c in enumerate(classes.tolist())}
    k = classes.size
    ann_ids, ann = np.unique(annotators[has_gold], return_inverse=True)
    cells = (ann * k + [index[a] for a in answer]) * k + [index[g] for g in given]
    cube = np.bincount(cells, minlength=ann_ids.size * k * k).reshape(ann_ids.size, k, k)
    return [
        _report(a.item(), m, classes, method, confidence, lang)
        for a, m in zip(ann_ids, cube, strict=True)
    ]


def _report(
    annotator: Any, m: np.ndarray, classes: np.ndarray, method: str, conf: float, lang: str | None
) -> GoldReport:
    n, correct = int(m.sum()), int(np.trace(m))
    low, high = proportion_ci(correct, n, method=method, confidence=conf, lang=lang)
    diag = np.diag(m).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = diag / m.sum(axis=0)
        recall = diag / m.sum(axis=1)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    f1 = np.where(np.isnan(precision) | np.isnan(recall), np.nan, f1)
    return GoldReport(
        annotator, n, correct, correct / n, low, high, classes, m, precision, recall, f1
    )
