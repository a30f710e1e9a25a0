"""Krippendorff's alpha from per-unit sums, in blocks of items, without a V x V tensor per unit.

alpha = 1 - (n - 1) * sum_ck o_ck d2_ck / sum_ck n_c n_k d2_ck, where the observed part
sum_ck o_ck d2_ck equals the sum over units of (1 / (m_u - 1)) * sum_{i != j} d2(x_ui, x_uj).

- interval: sum_{i != j} (x_i - x_j)^2 = 2 m sum (x_i - mean)^2 per unit, and the expected part
  is 2 n sum (x - mean)^2 over all pairable values: O(items), any number of distinct values.
- ordinal: Krippendorff's ordinal d_ck = t_k - t_c with the mid-rank t_c = N_{<=c} - n_c / 2,
  so ordinal alpha is interval alpha on mid-ranks.
- nominal: only the number of equal pairs per unit is needed (run lengths of sorted rows).
- ratio: pairs of columns of the unit-packed block; expected part from the value counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from qa.errors import QAError

BLOCK_ITEMS = 1 << 15  # items per block: bounds the working memory, O(block * annotators)
_SMALL_INT = 1 << 16  # values that are integers below this are counted with bincount


@dataclass(frozen=True)
class AlphaParts:
    """The sums alpha is made of, and what was left out."""

    observed: float  # sum_ck o_ck d2_ck
    expected: float  # sum_ck n_c n_k d2_ck
    n: float  # pairable values
    left_out: int  # items with fewer than two ratings
    distinct: int  # distinct pairable values
    first_value: float  # one pairable value (for the single-category message)

    @property
    def alpha(self) -> float:
        """Return alpha, or NaN when the expected disagreement is zero."""
        if self.expected == 0.0:
            return float("nan")
        return float(1.0 - (self.n - 1.0) * self.observed / self.expected)


def packed_blocks(x: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
    """Yield (items x m_max sorted ratings, ratings per item, items left out) per block.

    Only items with two or more ratings are yielded; NaN sorts last, so each row holds its m
    ratings first and equal ratings are adjacent.
    """
    for block, m, left_out in item_blocks(x):
        rows = np.sort(block.T, axis=1)
        width = int(m.max()) if m.size else 0
        yield np.ascontiguousarray(rows[:, :width]), m, left_out


def item_blocks(x: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
    """Yield (annotators x items block, ratings per item, items left out) per block of items.

    Only items (columns) with two or more ratings are yielded.
    """
    n_items = x.shape[1]
    for start in range(0, n_items, BLOCK_ITEMS):
        block = x[:, start : start + BLOCK_ITEMS]
        m = np.count_nonzero(~np.isnan(block), axis=0)
        keep = m >= 2
        left_out = int(keep.size - np.count_nonzero(keep))
        yield (block[:, keep] if left_out else block), m[keep], left_out


def value_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (sorted distinct values, counts) of a 1-D float array without NaN."""
    if values.size == 0:
        return np.empty(0), np.empty(0)
    as_int = values.astype(np.int64)
    if values.min() >= 0 and values.max() < _SMALL_INT and np.array_equal(as_int, values):
        counts = np.bincount(as_int)
        distinct = np.flatnonzero(counts)
        return distinct.astype(np.float64), counts[distinct].astype(np.float64)
    distinct, counts = np.unique(values, return_counts=True)
    return distinct, counts.astype(np.float64)


def merge_counts(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Merge per-block value counts into one (sorted values, counts)."""
    if not parts:
        return np.empty(0), np.empty(0)
    values = np.concatenate([p[0] for p in parts])
    counts = np.concatenate([p[1] for p in parts])
    distinct, inverse = np.unique(values, return_inverse=True)
    return distinct, np.bincount(inverse, weights=counts, minlength=distinct.size)


def _interval_sums(block: np.ndarray, m: np.ndarray, shift: float) -> tuple[float, float, float]:
    """Return (observed part, sum of x - shift, sum of (x - shift)^2) for one block."""
    missing = np.isnan(block)
    filled = np.where(missing, 0.0, block - shift)
    unit_mean = filled.sum(axis=0) / m
    dev = np.where(missing, 0.0, filled - unit_mean)
    within = np.einsum("ij,ij->j", dev, dev)
    observed = float(np.sum(2.0 * m * within / (m - 1.0)))
    return observed, float(filled.sum()), float(np.einsum("ij,ij->", filled, filled))


def interval_parts(x: np.ndarray, transform: tuple[np.ndarray, np.ndarray] | None) -> AlphaParts:
    """Sum the interval-metric parts; `transform` maps values to mid-ranks for ordinal data."""
    observed = total = total_sq = n = 0.0
    left_out = 0
    shift: float | None = None
    first_value = float("nan")
    parts = []
    for block, m, dropped in item_blocks(x):
        left_out += dropped
        if not m.size:
            continue
        if transform is not None:
            block = _to_midranks(block, *transform)
        if shift is None:
            shift = float(np.nanmean(block))
            first_value = float(block[~np.isnan(block)][0])
        obs, s1, s2 = _interval_sums(block, m, shift)
        observed, total, total_sq, n = observed + obs, total + s1, total_sq + s2, n + m.sum()
        parts.append(value_counts(block[~np.isnan(block)]) if transform is None else None)
    expected = 2.0 * (n * total_sq - total * total) if n else 0.0
    distinct = _distinct_count(parts, transform)
    if distinct == 1:
        expected = 0.0  # exact zero: the sums above can leave rounding dust
    return AlphaParts(observed, max(expected, 0.0), n, left_out, distinct, first_value)


def _distinct_count(parts: list, transform: tuple[np.ndarray, np.ndarray] | None) -> int:
    if transform is not None:
        return int(np.count_nonzero(transform[1]))
    return int(merge_counts([p for p in parts if p is not None])[0].size)


def _to_midranks(block: np.ndarray, domain: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Replace each value by its mid-rank among all pairable values (NaN stays NaN)."""
    midrank = np.cumsum(counts) - counts / 2.0
    present = ~np.isnan(block)
    if domain.size and domain[0] >= 0 and domain[-1] < _SMALL_INT and _all_int(domain):
        lookup = np.full(int(domain[-1]) + 2, np.nan)  # the last slot stands for missing
        lookup[domain.astype(np.int64)] = midrank
        index = np.where(present, block, domain[-1] + 1).astype(np.int64)
        return lookup[index]
    out = np.full(block.shape, np.nan)
    out[present] = midrank[np.searchsorted(domain, block[present])]
    return out


def _all_int(values: np.ndarray) -> bool:
    return bool(np.array_equal(values, np.floor(values)))


def pairable_counts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Return (sorted distinct values, counts, items left out) over items with >= 2 ratings."""
    parts, left_out = [], 0
    for block, _, dropped in item_blocks(x):
        left_out += dropped
        parts.append(value_counts(block[~np.isnan(block)]))
    domain, counts = merge_counts(parts)
    return domain, counts, left_out


def ordinal_parts(x: np.ndarray) -> AlphaParts:
    """Sum the ordinal parts: interval parts on mid-ranks of the pairable values."""
    domain, counts, _ = pairable_counts(x)
    parts = interval_parts(x, (domain, counts))
    first = float(domain[0]) if domain.size else float("nan")
    return AlphaParts(parts.observed, parts.expected, parts.n, parts.left_out, domain.size, first)


def _equal_pairs(block: np.ndarray) -> np.ndarray:
    """Return, per row of a sorted block, the number of ordered pairs of equal ratings."""
    rows, width = block.shape
    flat = block.ravel()
    new_run = np.ones(flat.size, dtype=bool)
    new_run[1:] = flat[1:] != flat[:-1]  # NaN != NaN: every missing cell is its own run
    new_run[::width] = True
    starts = np.flatnonzero(new_run)
    lengths = np.diff(np.append(starts, flat.size)).astype(np.float64)
    lengths[np.isnan(flat[starts])] = 0.0
    return np.bincount(starts // width, weights=lengths * (lengths - 1.0), minlength=rows)


def nominal_parts(x: np.ndarray) -> AlphaParts:
    """Sum the nominal parts: unequal pairs per unit and the category counts."""
    observed, left_out, parts = 0.0, 0, []
    for block, m, dropped in packed_blocks(x):
        left_out += dropped
        if not m.size:
            continue
        equal = _equal_pairs(block)
        observed += float(np.sum((m * (m - 1.0) - equal) / (m - 1.0)))
        parts.append(value_counts(block[~np.isnan(block)]))
    domain, counts = merge_counts(parts)
    n = float(counts.sum())
    expected = n * n - float(np.dot(counts, counts))
    first = float(domain[0]) if domain.size else float("nan")
    return AlphaParts(observed, expected, n, left_out, domain.size, first)


def ratio_d2(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return Krippendorff's ratio metric ((a - b) / (a + b))^2, 0 where a == b."""
    total = a + b
    with np.errstate(invalid="ignore", divide="ignore"):
        d2 = ((a - b) / total) ** 2
    return np.where(a == b, 0.0, d2)


def ratio_parts(x: np.ndarray, lang: str | None) -> AlphaParts:
    """Sum the ratio parts: column pairs per packed block, expected part from value counts."""
    present = x[~np.isnan(x)]
    if present.size and present.min() < 0:
        raise QAError(
            "out_of_range", lang, name="ratio-level ratings", rule=">= 0", value=present.min()
        )
    observed, left_out, parts = 0.0, 0, []
    for block, m, dropped in packed_blocks(x):
        left_out += dropped
        if not m.size:
            continue
        weight = 2.0 / (m - 1.0)
        for a in range(block.shape[1]):
            for b in range(a + 1, block.shape[1]):
                d2 = ratio_d2(block[:, a], block[:, b])
                observed += float(np.nansum(d2 * weight))
        parts.append(value_counts(block[~np.isnan(block)]))
    domain, counts = merge_counts(parts)
    expected = _expected_by_rows(domain, counts)
    first = float(domain[0]) if domain.size else float("nan")
    return AlphaParts(observed, expected, float(counts.sum()), left_out, domain.size, first)


def _expected_by_rows(domain: np.ndarray, counts: np.ndarray) -> float:
    """Return sum_ck n_c n_k d2_ck (ratio metric) in row chunks: memory O(chunk * V)."""
    total = 0.0
    chunk = max(1, (1 << 22) // max(domain.size, 1))
    for start in range(0, domain.size, chunk):
        rows = slice(start, start + chunk)
        d2 = ratio_d2(domain[rows, None], domain[None, :])
        total += float(counts[rows] @ d2 @ counts)
    return total


def alpha_parts(x: np.ndarray, level: str, lang: str | None = None) -> AlphaParts:
    """Return the parts of alpha for annotators x items float ratings (NaN = missing)."""
    if level == "nominal":
        return nominal_parts(x)
    if level == "ordinal":
        return ordinal_parts(x)
    if level == "interval":
        return interval_parts(x, None)
    return ratio_parts(x, lang)
