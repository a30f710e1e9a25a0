"""Wald's sequential probability ratio test for a defect rate (item-by-item sampling)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize

from qa.errors import QAError


@dataclass(frozen=True)
class SPRT:
    """Sequential test of p <= p0 (accept) against p >= p1 (reject).

    After n items with d defects: reject when d >= h_r + s n, accept when d <= -h_a + s n,
    otherwise continue. With g1 = ln(p1 / p0), g2 = ln((1 - p0) / (1 - p1)):
    h_a = ln((1 - alpha) / beta) / (g1 + g2), h_r = ln((1 - beta) / alpha) / (g1 + g2),
    s = g2 / (g1 + g2).

    References
    ----------
    Wald, A. (1947). Sequential Analysis, ch. 5. Wiley.
    Montgomery, D. C. (2019). Introduction to Statistical Quality Control, 8th ed., sec. 15.4.

    Examples
    --------
    >>> test = SPRT(0.01, 0.06, alpha=0.05, beta=0.10)
    >>> round(test.h_accept, 2), round(test.h_reject, 2), round(test.slope, 3)
    (1.22, 1.57, 0.028)
    >>> test.decide(30, 0), test.decide(10, 3)
    ('continue', 'reject')
    """

    p0: float
    p1: float
    alpha: float = 0.05
    beta: float = 0.10
    h_accept: float = field(init=False)
    h_reject: float = field(init=False)
    slope: float = field(init=False)

    def __post_init__(self) -> None:
        if not 0.0 < self.p0 < self.p1 < 1.0:
            raise QAError("out_of_range", name="p0, p1", rule="0 < p0 < p1 < 1", value=self.p1)
        for name in ("alpha", "beta"):
            value = getattr(self, name)
            if not 0.0 < value < 0.5:
                raise QAError("out_of_range", name=name, rule="in (0, 0.5)", value=value)
        g1 = math.log(self.p1 / self.p0)
        g2 = math.log((1.0 - self.p0) / (1.0 - self.p1))
        object.__setattr__(self, "h_accept", math.log((1 - self.alpha) / self.beta) / (g1 + g2))
        object.__setattr__(self, "h_reject", math.log((1 - self.beta) / self.alpha) / (g1 + g2))
        object.__setattr__(self, "slope", g2 / (g1 + g2))

    def acceptance_line(self, n: Any) -> Any:
        """Return the largest defect count that accepts after n items: -h_a + s n."""
        return -self.h_accept + self.slope * np.asarray(n, dtype=np.float64)

    def rejection_line(self, n: Any) -> Any:
        """Return the defect count at which the lot is rejected after n items: h_r + s n."""
        return self.h_reject + self.slope * np.asarray(n, dtype=np.float64)

    def decide(self, n: int, defects: int) -> str:
        """Return "accept", "reject" or "continue" after n items with `defects` defects."""
        if defects >= self.rejection_line(n):
            return "reject"
        if defects <= self.acceptance_line(n):
            return "accept"
        return "continue"

    def _h_for(self, p: float) -> float:
        """Solve Wald's parametric OC equation for h at defect rate p (h = 0 at p = s)."""
        a, b = self.p1 / self.p0, (1.0 - self.p1) / (1.0 - self.p0)

        def gap(h: float) -> float:
            return (1.0 - b**h) / (a**h - b**h) - p if h != 0 else self.slope - p

        if math.isclose(p, self.slope):
            return 0.0
        bracket = (1e-9, 60.0) if p < self.slope else (-60.0, -1e-9)
        return optimize.brentq(gap, *bracket)

    def oc(self, p: float) -> float:
        """Return the probability of accepting at defect rate p (Wald's approximation)."""
        if p <= 0.0:
            return 1.0
        if p >= 1.0:
            return 0.0
        h = self._h_for(p)
        if h == 0.0:
            return self.h_reject / (self.h_accept + self.h_reject)
        upper, lower = (1 - self.beta) / self.alpha, self.beta / (1 - self.alpha)
        return (upper**h - 1.0) / (upper**h - lower**h)

    def expected_sample_number(self, p: float) -> float:
        """Return the average number of items inspected before a decision at defect rate p.

        ASN = [Pa ln B + (1 - Pa) ln A] / [p ln(p1/p0) + (1 - p) ln((1 - p1)/(1 - p0))],
        with A = (1 - beta) / alpha, B = beta / (1 - alpha); h_a h_r / (s (1 - s)) at p = s.
        """
        if math.isclose(p, self.slope):
            return self.h_accept * self.h_reject / (self.slope * (1.0 - self.slope))
        pa = self.oc(p)
        log_a = math.log((1 - self.beta) / self.alpha)
        log_b = math.log(self.beta / (1 - self.alpha))
        drift = p * math.log(self.p1 / self.p0) + (1 - p) * math.log((1 - self.p1) / (1 - self.p0))
        return (pa * log_b + (1.0 - pa) * log_a) / drift
