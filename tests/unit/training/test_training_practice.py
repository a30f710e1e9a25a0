"""Practice scoring against gold: item accuracy, Wilson bounds, per-control confusion."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

from labeling_rules import SETS_DIR, load_rule_set, normalise_result
from training_modules import TrainingError, modules_for, practice_set, score_practice


@pytest.fixture(scope="module")
def quality():
    return load_rule_set(SETS_DIR / "response-quality.en.yaml")


@pytest.fixture(scope="module")
def safety():
    return load_rule_set(SETS_DIR / "content-safety.en.yaml")


@pytest.fixture(scope="module")
def quality_items(quality):
    return practice_set(quality, modules_for(quality))


@pytest.fixture(scope="module")
def safety_items(safety):
    return practice_set(safety, modules_for(safety))


def gold_answers(items) -> dict:
    """Return answers equal to the gold, in the normalised-result form (lists for multiple)."""
    return {
        item.key: {c: list(v) if isinstance(v, tuple) else v for c, v in item.gold.items()}
        for item in items
    }


def test_perfect_answers_pass_with_the_wilson_bound_beside_them(quality, quality_items):
    result = score_practice(quality, quality_items, gold_answers(quality_items))
    n = len(quality_items)
    assert (result.n, result.correct, result.accuracy, result.passed) == (n, n, 1.0, True)
    # Wilson score interval for x = n: low = n / (n + z^2), z = 1.959964 (Brown et al. 2001).
    z2 = 1.959963984540054**2
    assert_allclose(result.ci_low, n / (n + z2), rtol=1e-12)
    assert_allclose(result.ci_high, 1.0, rtol=1e-12)
    assert result.target == 0.95


def test_one_wrong_control_makes_the_item_wrong_and_shows_in_confusion(quality, quality_items):
    answers = gold_answers(quality_items)
    first = quality_items[0]
    answers[first.key] = {**answers[first.key], "overall": 4}  # gold is 5
    result = score_practice(quality, quality_items, answers)
    n = len(quality_items)
    assert result.correct == n - 1 and result.accuracy == (n - 1) / n
    assert result.passed == ((n - 1) / n >= 0.95)
    item = next(o for o in result.items if o.key == first.key)
    assert not item.correct and item.wrong_controls == ("overall",)
    overall = result.per_control["overall"]
    assert overall.confusion[(5, 4)] == 1
    assert overall.correct == n - 1 and result.per_control["logic"].accuracy == 1.0
    five = next(t for t in overall.labels if t.label == 5)
    assert (five.gold - five.both, five.given) == (1, five.gold - 1)


def test_missing_answers_count_as_wrong(quality, quality_items):
    answers = gold_answers(quality_items[:20])
    result = score_practice(quality, quality_items, answers)
    assert result.correct == 20 and result.n == len(quality_items)
    assert sum(not o.answered for o in result.items) == len(quality_items) - 20
    assert not result.passed


def test_multiple_choice_is_compared_as_a_set(safety, safety_items):
    answers = gold_answers(safety_items)
    two = next(i for i in safety_items if len(i.gold["risks"]) == 2)
    answers[two.key] = {"risks": list(reversed(two.gold["risks"]))}
    assert score_practice(safety, safety_items, answers).accuracy == 1.0
    answers[two.key] = {"risks": [two.gold["risks"][0]]}
    result = score_practice(safety, safety_items, answers)
    assert result.correct == len(safety_items) - 1
    assert not result.passed  # target 0.98 allows no miss with fewer than 50 items
    privacy = next(t for t in result.per_control["risks"].labels if t.label == "privacy")
    assert privacy.gold >= 1


def test_answers_from_label_studio_results_score_like_gold(safety, safety_items):
    item = next(i for i in safety_items if i.gold["risks"] == ("no_risk",))
    ls_result = [
        {"from_name": "risks", "to_name": "content", "type": "choices",
         "value": {"choices": ["no_risk"]}},
        {"from_name": "safe_response", "to_name": "content", "type": "textarea",
         "value": {"text": [""]}},
    ]  # fmt: skip
    answer = normalise_result(safety, ls_result)
    result = score_practice(safety, [item], {item.key: answer})
    assert result.correct == 1  # the free-text safe response is not scored


def test_invalid_answers_raise_a_clear_value_error(quality, quality_items):
    with pytest.raises(ValueError, match="'nope', which is not in the practice set"):
        score_practice(quality, quality_items, {"nope": {}})
    key = quality_items[0].key
    with pytest.raises(TrainingError) as error:
        score_practice(quality, quality_items, {key: {"accuracy": "mostly"}})
    assert "mostly" in str(error.value) and "accurate" in str(error.value)
    assert "规则集未定义" in error.value.message("zh_CN")
    with pytest.raises(TrainingError, match="normalised result"):
        score_practice(quality, quality_items, {key: ["accurate"]})
    with pytest.raises(TrainingError, match="empty"):
        score_practice(quality, [], {})


def test_chinese_rule_set_scores_its_own_chinese_gold():
    chinese = load_rule_set(SETS_DIR / "response-quality.zh_CN.yaml")
    items = practice_set(chinese, modules_for(chinese))
    assert len(items) >= 20 and items[0].gold["risk_flag"] in ("未发现风险", "可能有风险")
    result = score_practice(chinese, items, gold_answers(items))
    assert result.passed and result.target == 0.95
