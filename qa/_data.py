"""Turn ratings as people give them (labels, None, NaN) into float arrays the statistics use."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qa.errors import QAError

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def check_choice(name: str, value: Any, choices: Sequence[Any]) -> None:
    """Raise QAError unless `value` is one of `choices`."""
    if value not in choices:
        raise QAError("bad_option", name=name, value=value, choices=", ".join(map(str, choices)))


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _numeric(arr: np.ndarray) -> np.ndarray | None:
    """Return `arr` as float64 (None and NaN -> NaN), or None if it holds non-numbers."""
    if arr.dtype.kind in "biuf":
        return arr.astype(np.float64, copy=False)
    if arr.dtype.kind != "O":
        return None
    flat = arr.ravel()
    ok = all(
        _is_missing(v) or (isinstance(v, int | float | np.number) and not isinstance(v, bool))
        for v in flat
    )
    if not ok:
        return None
    return np.array([np.nan if _is_missing(v) else float(v) for v in flat]).reshape(arr.shape)


def _check_domain_numeric(values: np.ndarray, domain: np.ndarray, lang: str | None) -> None:
    present = values[~np.isnan(values)]
    bad = ~np.isin(present, domain)
    if bad.any():
        raise QAError("outside_domain", lang, value=present[bad][0].item(), domain=list(domain))


def encode_reliability(
    reliability_data: Any,
    level: str,
    value_domain: Sequence[Any] | None,
    lang: str | None = None,
) -> tuple[np.ndarray, list[Any] | None]:
    """Return (annotators x items float64 ratings with NaN for missing, labels or None).

    Numeric labels keep their values. Other labels become positions in `value_domain` (ordinal,
    interval and ratio levels need it to know the order; for nominal, order does not matter).
    Ordinal ratings with a `value_domain` become positions in it, so the domain's order rules.
    The labels list (None for numeric data) maps codes back to what people wrote.
    """
    check_choice("level_of_measurement", level, LEVELS)
    arr = np.asarray(reliability_data)
    if arr.dtype.kind in "US":
        arr = arr.astype(object)
    if arr.ndim != 2:
        raise QAError("not_2d", lang, what="reliability_data", ndim=arr.ndim)
    if arr.size == 0:
        raise QAError("empty", lang, what="reliability_data")
    values = _numeric(arr)
    if values is not None:
        if value_domain is None:
            return values, None
        domain = np.asarray(value_domain, dtype=np.float64)
        _check_domain_numeric(values, domain, lang)
        if level == "ordinal":
            return _positions(values, domain), list(value_domain)
        return values, None
    return _encode_labels(arr, level, value_domain, lang)


def _positions(values: np.ndarray, domain: np.ndarray) -> np.ndarray:
    """Replace each value by its position in `domain` (NaN stays NaN)."""
    order = np.argsort(domain, kind="stable")
    sorted_domain = domain[order]
    out = np.full(values.shape, np.nan)
    present = ~np.isnan(values)
    out[present] = order[np.searchsorted(sorted_domain, values[present])]
    return out


def _encode_labels(
    arr: np.ndarray, level: str, value_domain: Sequence[Any] | None, lang: str | None
) -> tuple[np.ndarray, list[Any]]:
    flat = arr.ravel()
    missing = np.fromiter((_is_missing(v) for v in flat), dtype=bool, count=flat.size)
    present = flat[~missing]
    if value_domain is None:
        if level != "nominal":
            sample = list(dict.fromkeys(present.tolist()))[:3]
            raise QAError("needs_domain", lang, sample=sample, level=level)
        value_domain = list(dict.fromkeys(present.tolist()))
    index = {label: i for i, label in enumerate(value_domain)}
    codes = np.full(flat.size, np.nan)
    try:
        codes[~missing] = [index[v] for v in present]
    except KeyError as exc:
        raise QAError(
            "outside_domain", lang, value=exc.args[0], domain=list(value_domain)
        ) from None
    if level in ("interval", "ratio"):
        codes += 1.0  # positions 1..V, so that ratio distances stay defined
    return codes.reshape(arr.shape), list(value_domain)


def dense_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (sorted distinct values, code of each value), like np.unique(return_inverse).

    Integers in a compact range are coded with a presence table in O(n) instead of a sort.
    """
    values = np.asarray(values).ravel()
    if values.dtype.kind in "iu" and values.size:
        low, high = int(values.min()), int(values.max())
        if high - low <= 4 * values.size + 1024:
            shifted = values - low
            present = np.bincount(shifted, minlength=high - low + 1) > 0
            code_of = np.cumsum(present) - 1
            return np.flatnonzero(present) + low, code_of[shifted]
    distinct, codes = np.unique(values, return_inverse=True)
    return distinct, codes.ravel()


def long_to_wide(
    items: Any, annotators: Any, labels: Any, lang: str | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (annotators x items object matrix with None for missing, item ids, annotator ids)."""
    items = np.asarray(items)
    annotators = np.asarray(annotators)
    labels = np.asarray(labels, dtype=object)
    check_lengths(("items", items), ("annotators", annotators), ("labels", labels), lang=lang)
    if items.size == 0:
        raise QAError("empty", lang, what="labels")
    item_ids, item_idx = np.unique(items, return_inverse=True)
    ann_ids, ann_idx = np.unique(annotators, return_inverse=True)
    wide = np.full((ann_ids.size, item_ids.size), None, dtype=object)
    wide[ann_idx, item_idx] = labels
    return wide, item_ids, ann_ids


def check_lengths(*named: tuple[str, np.ndarray], lang: str | None = None) -> None:
    """Raise QAError unless all named arrays have the same length."""
    first_name, first = named[0]
    for name, arr in named[1:]:
        if len(arr) != len(first):
            raise QAError(
                "length_mismatch", lang, first=first_name, n1=len(first), second=name, n2=len(arr)
            )
