"""Sampling for verification: sample sizes, ISO 2859-1 plans and switching, designed plans.

A batch of annotations is a lot; a wrongly annotated item is a nonconforming unit. The plan
used for each batch, and why, is what an inspector asks to see (REGULATION.md V1).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

from qa._data import check_lengths
from qa._sprt import SPRT
from qa._switching import LotResult, SwitchingRules
from qa.errors import QAError
from qa.iso2859 import Plan, code_letter, iso2859_single

__all__ = [
    "SPRT",
    "LotResult",
    "Plan",
    "SwitchingRules",
    "code_letter",
    "aoq",
    "ati",
    "design_plan",
    "iso2859_single",
    "oc_curve",
    "sample_size_for_accuracy",
    "stratified_sample",
]


def sample_size_for_accuracy(
    margin: float,
    *,
    confidence: float = 0.95,
    expected: float = 0.5,
    population: int | None = None,
    lang: str | None = None,
) -> int:
    """Return the items to check so that accuracy is known within +/- `margin`.

    n0 = z^2 p (1 - p) / margin^2 (normal approximation, p = `expected` accuracy); with a
    `population` of N items the finite-population correction n = n0 / (1 + (n0 - 1) / N).

    References
    ----------
    Cochran, W. G. (1977). Sampling Techniques, 3rd ed., eqs. 4.2 and 4.3. Wiley.

    Examples
    --------
    >>> sample_size_for_accuracy(0.05), sample_size_for_accuracy(0.05, population=1000)
    (385, 278)
    """
    if not 0.0 < margin < 1.0:
        raise QAError("out_of_range", lang, name="margin", rule="in (0, 1)", value=margin)
    if not 0.0 < confidence < 1.0:
        raise QAError("out_of_range", lang, name="confidence", rule="in (0, 1)", value=confidence)
    if not 0.0 <= expected <= 1.0:
        raise QAError("out_of_range", lang, name="expected", rule="in [0, 1]", value=expected)
    z = stats.norm.isf((1.0 - confidence) / 2.0)
    n0 = z * z * expected * (1.0 - expected) / (margin * margin)
    if population is not None:
        if population < 1:
            raise QAError("out_of_range", lang, name="population", rule=">= 1", value=population)
        n0 = n0 / (1.0 + (n0 - 1.0) / population)
        return max(1, min(population, math.ceil(n0 - 1e-9)))
    return max(1, math.ceil(n0 - 1e-9))


def oc_curve(plan: Plan, p: Any, *, lot_size: int | None = None) -> Any:
    """Return the probability of accepting a lot with defect rate `p` (vectorised).

    Binomial; hypergeometric with round(p * lot_size) defects when `lot_size` is given. A lot
    is accepted with fewer than `reject` defects (MIL-STD-105E reduced plans accept in the gap).

    References
    ----------
    Montgomery, D. C. (2019). Introduction to Statistical Quality Control, 8th ed., sec. 15.2.

    Examples
    --------
    >>> round(float(oc_curve(Plan("J", 80, 2, 3), 0.01)), 4)
    0.9534
    """
    rate = np.asarray(p, dtype=np.float64)
    if lot_size is None:
        out = stats.binom.cdf(plan.reject - 1, plan.n, rate)
    else:
        defects = np.rint(rate * lot_size)
        out = stats.hypergeom.cdf(plan.reject - 1, lot_size, defects, plan.n)
    return float(out) if out.ndim == 0 else out


def aoq(plan: Plan, p: Any, *, lot_size: int) -> Any:
    """Return the average outgoing quality p * Pa * (N - n) / N under rectifying inspection.

    References
    ----------
    Montgomery (2019), sec. 15.2.5, eq. 15.3.
    """
    rate = np.asarray(p, dtype=np.float64)
    out = rate * oc_curve(plan, rate) * (lot_size - plan.n) / lot_size
    return float(out) if np.ndim(out) == 0 else out


def ati(plan: Plan, p: Any, *, lot_size: int) -> Any:
    """Return the average total inspection n + (1 - Pa) (N - n) under rectifying inspection.

    References
    ----------
    Montgomery (2019), sec. 15.2.5, eq. 15.5.
    """
    rate = np.asarray(p, dtype=np.float64)
    out = plan.n + (1.0 - oc_curve(plan, rate)) * (lot_size - plan.n)
    return float(out) if np.ndim(out) == 0 else out


def _accept_prob(c: int, n: int, p: float, lot_size: int | None, defects: int) -> float:
    if lot_size is None:
        return float(stats.binom.cdf(c, n, p))
    return float(stats.hypergeom.cdf(c, lot_size, defects, n))


def design_plan(
    aql: float,
    ltpd: float,
    *,
    alpha: float = 0.05,
    beta: float = 0.10,
    lot_size: int | None = None,
    max_n: int = 100_000,
    lang: str | None = None,
) -> Plan:
    """Return the smallest (n, c) with Pa(aql) >= 1 - alpha and Pa(ltpd) <= beta.

    Exact binomial probabilities, or hypergeometric with floor(aql * N) and ceil(ltpd * N)
    defects in a lot of `lot_size` N. For each c the smallest n with Pa(ltpd) <= beta is
    found by bisection; the first c at which that n still gives Pa(aql) >= 1 - alpha wins
    (that n grows with c, so it is the smallest n overall).

    References
    ----------
    Schilling, E. G., Neubauer, D. V. (2017). Acceptance Sampling in Quality Control, 3rd
    ed., ch. 6 (two-point plans). CRC Press. https://doi.org/10.1201/9781315120744

    Examples
    --------
    >>> design_plan(0.01, 0.06)
    Plan(code=None, n=110, accept=3, reject=4, hundred_percent=False)
    """
    for name, value in (("aql", aql), ("ltpd", ltpd), ("alpha", alpha), ("beta", beta)):
        if not 0.0 < value < 1.0:
            raise QAError("out_of_range", lang, name=name, rule="in (0, 1)", value=value)
    if ltpd <= aql:
        raise QAError("out_of_range", lang, name="ltpd", rule=f"> aql ({aql})", value=ltpd)
    limit = max_n if lot_size is None else min(max_n, lot_size)
    good = math.floor(aql * lot_size) if lot_size else 0
    bad = math.ceil(ltpd * lot_size) if lot_size else 0
    for c in range(limit):
        n = _smallest_n(c, ltpd, beta, limit, lot_size, bad)
        if n is None:
            break
        if _accept_prob(c, n, aql, lot_size, good) >= 1.0 - alpha:
            return Plan(None, n, c, c + 1, hundred_percent=lot_size is not None and n == lot_size)
    raise QAError("no_plan", lang, aql=aql, alpha=alpha, ltpd=ltpd, beta=beta, limit=limit)


def _smallest_n(
    c: int, ltpd: float, beta: float, limit: int, lot_size: int | None, bad: int
) -> int | None:
    """Return the smallest n in (c, limit] with Pa(ltpd) <= beta, or None."""
    if _accept_prob(c, limit, ltpd, lot_size, bad) > beta:
        return None
    low, high = c + 1, limit
    while low < high:
        mid = (low + high) // 2
        if _accept_prob(c, mid, ltpd, lot_size, bad) <= beta:
            high = mid
        else:
            low = mid + 1
    return low


def stratified_sample(
    ids: Any,
    strata: Any,
    n: int,
    *,
    seed: int | None = None,
    min_per_stratum: int = 1,
    lang: str | None = None,
) -> tuple[np.ndarray, dict[Any, int]]:
    """Return (chosen ids, items taken per stratum) with proportional allocation.

    Each stratum first gets min(`min_per_stratum`, its size); the rest of `n` is shared in
    proportion to stratum sizes by largest remainders (Hamilton), never beyond a stratum's
    size. Items within a stratum are drawn uniformly without replacement; the same seed gives
    the same sample.

    References
    ----------
    Cochran, W. G. (1977). Sampling Techniques, 3rd ed., sec. 5.5 (proportional allocation).

    Examples
    --------
    >>> chosen, taken = stratified_sample(range(10), ["a"] * 8 + ["b"] * 2, 5, seed=0)
    >>> taken
    {'a': 4, 'b': 1}
    """
    ids, strata = np.asarray(ids), np.asarray(strata)
    check_lengths(("ids", ids), ("strata", strata), lang=lang)
    if not 0 <= n <= ids.size:
        raise QAError("out_of_range", lang, name="n", rule=f"between 0 and {ids.size}", value=n)
    names, group = np.unique(strata, return_inverse=True)
    sizes = np.bincount(group, minlength=names.size)
    take = _allocate(sizes, n, min_per_stratum)
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(ids.size), group))
    rank = np.arange(ids.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    chosen = order[rank < np.repeat(take, sizes)]
    return ids[np.sort(chosen)], {k.item(): int(t) for k, t in zip(names, take, strict=True)}


def _allocate(sizes: np.ndarray, n: int, min_per_stratum: int) -> np.ndarray:
    """Share n over strata in proportion to size, with a floor, by largest remainders."""
    floor = np.minimum(sizes, min_per_stratum)
    if floor.sum() >= n:  # too small a sample for the floor: largest strata first
        take = np.zeros_like(sizes)
        take[np.argsort(-sizes, kind="stable")[:n]] = 1
        return take
    fixed = np.zeros(sizes.size, dtype=bool)
    while True:  # strata whose proportional share is below the floor get the floor
        pool = n - floor[fixed].sum()
        quota = np.where(fixed, 0.0, pool * sizes / sizes[~fixed].sum())
        below = ~fixed & (quota < floor)
        if not below.any():
            break
        fixed |= below
    take = np.where(fixed, floor, np.minimum(np.floor(quota).astype(np.int64), sizes))
    remainder = np.where(fixed | (take >= sizes), -1.0, quota - take)
    while take.sum() < n:
        best = int(np.argmax(remainder))
        take[best] += 1
        remainder[best] = -1.0
    return take
