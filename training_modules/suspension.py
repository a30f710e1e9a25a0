"""The ongoing-accuracy suspension rule (P3): suspend when accuracy is clearly below target."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.accuracy import proportion_ci
from training_modules.errors import TrainingError, shown
from training_modules.messages import reason_text


@dataclass(frozen=True)
class SuspensionDecision:
    """Whether to suspend, on what evidence, and why in both languages (for the audit trail)."""

    suspend: bool
    accuracy: float | None
    upper_bound: float | None
    n: int
    reason_en: str
    reason_zh: str


def suspension_check(
    outcomes: Sequence[bool],
    *,
    target: float,
    window: int = 50,
    confidence: float = 0.95,
    min_items: int = 20,
) -> SuspensionDecision:
    """Return whether to suspend an annotator from their checked outcomes (oldest first).

    Looks at the last `window` outcomes (True = the verified or gold item was right).
    Suspends when the upper bound of the two-sided Wilson interval at `confidence` lies
    below `target`: the accuracy is then below target with statistical evidence, not by
    chance. Fewer than `min_items` outcomes never suspend.
    """
    _check_settings(target, window, confidence, min_items)
    history = list(outcomes)
    recent = history[-window:]
    first = len(history) - len(recent)
    for index, outcome in enumerate(recent, start=first):
        if not isinstance(outcome, bool | np.bool_):
            raise TrainingError("outcome_type", index=index, found=shown(outcome))
    n = len(recent)
    if n < min_items:
        params = {"n": n, "min_items": min_items}
        return SuspensionDecision(
            False, None, None, n, reason_text("too_few", "en", **params),
            reason_text("too_few", "zh_CN", **params),
        )  # fmt: skip
    correct = sum(bool(o) for o in recent)
    _, upper = proportion_ci(correct, n, method="wilson", confidence=confidence)
    accuracy = correct / n
    suspend = float(upper) < target
    code = "below_target" if suspend else "consistent"
    params = {"n": n, "accuracy": accuracy, "upper": float(upper), "target": target,
              "confidence": confidence}  # fmt: skip
    return SuspensionDecision(
        suspend, accuracy, float(upper), n, reason_text(code, "en", **params),
        reason_text(code, "zh_CN", **params),
    )  # fmt: skip


def _check_settings(target: float, window: int, confidence: float, min_items: int) -> None:
    if not 0 < target <= 1:
        raise TrainingError("out_of_range", name="target", value=target, rule="0 < x ≤ 1")
    if not 0 < confidence < 1:
        raise TrainingError("out_of_range", name="confidence", value=confidence, rule="0 < x < 1")
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise TrainingError("out_of_range", name="window", value=window, rule="x ≥ 1, x ∈ ℤ")
    if (
        isinstance(min_items, bool)
        or not isinstance(min_items, int)
        or not 1 <= min_items <= window
    ):
        raise TrainingError(
            "out_of_range",
            name="min_items",
            value=min_items,
            rule=f"1 ≤ x ≤ {window} (window), x ∈ ℤ",
        )
