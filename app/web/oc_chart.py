"""The operating-characteristic curve of a plan, as coordinates for an inline SVG."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.models import VerificationPlan
from qa.sampling import SPRT, Plan, oc_curve

WIDTH, HEIGHT, PAD = 420, 220, 36


@dataclass(frozen=True)
class OCChart:
    """A polyline, its axis ticks and markers at the plan's two quality levels."""

    points: str
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    markers: list[tuple[float, float, str]]
    width: int = WIDTH
    height: int = HEIGHT
    pad: int = PAD


def _curve(plan: VerificationPlan):
    if plan.kind == "sprt":
        p = plan.parameters
        test = SPRT(p["p0"], p["p1"], alpha=p["alpha"], beta=p["beta"])
        return lambda rates: np.array([test.oc(float(r)) for r in rates])
    if plan.accept_number is None:
        return None
    model = Plan(plan.code_letter, plan.sample_size, plan.accept_number, plan.reject_number)
    return lambda rates: np.asarray(oc_curve(model, rates), dtype=float)


def oc_chart(plan: VerificationPlan) -> OCChart | None:
    """Return the chart of the plan's probability of acceptance, or None without one."""
    curve = _curve(plan)
    if curve is None:
        return None
    top = min(1.0, max(0.05, 2.0 * (plan.ltpd or plan.aql or 5.0) / 100))
    rates = np.linspace(0.0, top, 60)
    accept = curve(rates)

    def x(rate: float) -> float:
        return PAD + (WIDTH - 2 * PAD) * rate / top

    def y(prob: float) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * prob

    points = " ".join(f"{x(r):.1f},{y(a):.1f}" for r, a in zip(rates, accept, strict=True))
    x_ticks = [(x(r), f"{r * 100:.3g} %") for r in np.linspace(0.0, top, 5)]
    y_ticks = [(y(p), f"{p:.2g}") for p in (0.0, 0.25, 0.5, 0.75, 1.0)]
    markers = []
    for level, name in ((plan.aql, "AQL"), (plan.ltpd, "LQ")):
        if level is not None and level / 100 <= top:
            markers.append((x(level / 100), y(float(curve([level / 100])[0])), name))
    return OCChart(points, x_ticks, y_ticks, markers)
