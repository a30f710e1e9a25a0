"""The ongoing-accuracy suspension rule: suspend only on statistical evidence (P3)."""

from __future__ import annotations

import numpy as np
import pytest

from qa.accuracy import proportion_ci
from training_modules import TrainingError, suspension_check


def outcomes(correct: int, total: int) -> list[bool]:
    """Return `total` outcomes, `correct` of them True, interleaved (oldest first)."""
    spread = np.zeros(total, dtype=bool)
    spread[np.linspace(0, total - 1, correct).round().astype(int)] = True
    assert spread.sum() == correct
    return [bool(x) for x in spread]


def test_annotator_at_70_percent_with_target_90_is_suspended():
    decision = suspension_check(outcomes(35, 50), target=0.90)
    assert decision.suspend
    assert (decision.n, decision.accuracy) == (50, 0.7)
    # Wilson 95 % upper bound for 35/50 is 0.8090 (score interval, Brown et al. 2001).
    assert decision.upper_bound == pytest.approx(0.80896, abs=1e-5)
    assert "70.0%" in decision.reason_en and "suspended" in decision.reason_en
    assert "暂停" in decision.reason_zh and "70.0%" in decision.reason_zh


def test_annotator_at_92_percent_with_target_90_is_not_suspended():
    decision = suspension_check(outcomes(46, 50), target=0.90)
    assert not decision.suspend
    assert decision.accuracy == 0.92 and decision.upper_bound > 0.9
    assert "No suspension" in decision.reason_en and "不予暂停" in decision.reason_zh


def test_too_few_items_never_suspend():
    decision = suspension_check([False] * 19, target=0.95)
    assert not decision.suspend
    assert (decision.n, decision.accuracy, decision.upper_bound) == (19, None, None)
    assert "19 of 20" in decision.reason_en and "19/20" in decision.reason_zh
    assert suspension_check([], target=0.9).suspend is False


def test_the_boundary_follows_the_upper_confidence_bound():
    # Target 95 %: 44 of 50 has upper bound 0.9438 < 0.95, 45 of 50 has 0.9565.
    assert suspension_check(outcomes(44, 50), target=0.95).suspend
    assert not suspension_check(outcomes(45, 50), target=0.95).suspend
    _, upper = proportion_ci(44, 50)
    assert suspension_check(outcomes(44, 50), target=0.95).upper_bound == pytest.approx(upper)


def test_only_the_last_window_items_count():
    history = [False] * 100 + [True] * 50  # an old bad period, then 50 right answers
    decision = suspension_check(history, target=0.95)
    assert not decision.suspend and decision.n == 50 and decision.accuracy == 1.0
    recent_drop = [True] * 100 + outcomes(30, 50)
    assert suspension_check(recent_drop, target=0.95).suspend


def test_window_and_confidence_are_configurable():
    twenty = outcomes(16, 20)  # 80 %
    assert suspension_check(twenty, target=0.95, window=20).suspend  # upper 0.9193
    assert not suspension_check(twenty, target=0.95, window=20, confidence=0.999).suspend


def test_numpy_booleans_are_accepted():
    assert suspension_check(np.array(outcomes(35, 50)), target=0.9).suspend


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"target": 0}, "target"),
        ({"target": 1.5}, "target"),
        ({"target": 0.9, "window": 0}, "window"),
        ({"target": 0.9, "confidence": 1.0}, "confidence"),
        ({"target": 0.9, "min_items": 60}, "min_items"),
        ({"target": 0.9, "min_items": 0}, "min_items"),
    ],
)
def test_invalid_settings_raise_a_value_error_naming_the_setting(kwargs, name):
    with pytest.raises(ValueError, match=name):
        suspension_check([True] * 30, **kwargs)


def test_outcomes_must_be_booleans():
    with pytest.raises(TrainingError, match="must be True \\(correct\\) or\\s+False") as error:
        suspension_check([True, "yes", False], target=0.9)
    assert "outcome 1 " in str(error.value) and "'yes'" in str(error.value)
    assert "结果必须是" in error.value.message("zh_CN")
