"""The p-chart of an annotator's error rate: proportion defective per period with 3-sigma
limits for that period's sample size."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PPoint:
    """One period: sample size, defects, proportion, its control limits, and whether the
    proportion falls outside them."""

    label: str
    n: int
    defects: int
    p: float
    lcl: float
    ucl: float

    @property
    def out_of_control(self) -> bool:
        """Tell whether the period's proportion lies outside its limits."""
        return self.p > self.ucl or self.p < self.lcl


@dataclass(frozen=True)
class PChart:
    """The centre line (overall proportion defective) and the periods."""

    centre: float
    sigmas: float
    points: list[PPoint]


def p_chart(periods: Sequence[tuple[str, int, int]], *, sigmas: float = 3.0) -> PChart | None:
    """Return the p-chart of (label, n, defects) periods, or None when nothing was checked.

    Centre line p̄ = Σ defects / Σ n; limits per period p̄ ± sigmas·√(p̄(1 − p̄)/nᵢ), clipped
    to [0, 1] (variable sample size). Periods with n = 0 are left out.

    References
    ----------
    Montgomery, D. C. (2013). Introduction to Statistical Quality Control, 7th ed., §7.2.2
    (the fraction nonconforming chart with variable sample size). Wiley.

    Examples
    --------
    >>> chart = p_chart([("w1", 100, 4), ("w2", 100, 16)])
    >>> round(chart.centre, 2), [p.out_of_control for p in chart.points]
    (0.1, [False, False])
    """
    if sigmas <= 0:
        raise ValueError("sigmas must be a positive number of standard deviations")
    used = [(label, int(n), int(d)) for label, n, d in periods if n > 0]
    for label, n, d in used:
        if not 0 <= d <= n:
            raise ValueError(f"period {label}: defects ({d}) must lie between 0 and n ({n})")
    total = sum(n for _l, n, _d in used)
    if total == 0:
        return None
    centre = sum(d for _l, _n, d in used) / total
    points = []
    for label, n, d in used:
        spread = sigmas * math.sqrt(centre * (1.0 - centre) / n)
        points.append(
            PPoint(label, n, d, d / n, max(0.0, centre - spread), min(1.0, centre + spread))
        )
    return PChart(centre, sigmas, points)
