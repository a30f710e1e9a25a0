"""Score a practice set against its gold labels, with a Wilson interval (qualification)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from labeling_rules import RuleSet
from labeling_rules.model import Control, LabelValue
from qa.accuracy import proportion_ci
from training_modules.errors import TrainingError, shown
from training_modules.model import GoldValue, PracticeItem
from training_modules.practice_fit import SCORED_TYPES, is_label


@dataclass(frozen=True)
class LabelTally:
    """How often a label was the gold answer, was given, and both (recall = both / gold)."""

    label: LabelValue
    gold: int
    given: int
    both: int


@dataclass(frozen=True)
class ControlScore:
    """Accuracy on one control, its confusion counts {(gold, given): n} and per-label tallies.

    For multiple choice, gold and given in `confusion` are tuples of labels in declared order.
    """

    control: str
    n: int
    correct: int
    confusion: Mapping[tuple[GoldValue, GoldValue | None], int]
    labels: tuple[LabelTally, ...]

    @property
    def accuracy(self) -> float:
        """Return correct / n."""
        return self.correct / self.n if self.n else 0.0


@dataclass(frozen=True)
class ItemOutcome:
    """One practice item: right when every gold control was answered exactly as the gold."""

    key: str
    correct: bool
    answered: bool
    wrong_controls: tuple[str, ...]
    explanation: str


@dataclass(frozen=True)
class PracticeResult:
    """Practice accuracy (items right / items), its Wilson interval and the target to reach."""

    n: int
    correct: int
    accuracy: float
    ci_low: float
    ci_high: float
    confidence: float
    target: float
    passed: bool
    per_control: Mapping[str, ControlScore]
    items: tuple[ItemOutcome, ...]


def score_practice(
    rule_set: RuleSet,
    practice_items: Iterable[PracticeItem],
    answers: Mapping[str, Mapping[str, Any]],
    *,
    confidence: float = 0.95,
) -> PracticeResult:
    """Return the practice score of `answers` ({item key: normalised result}) against gold.

    An item counts as correct when every control with a gold label got exactly that label
    (as a set for multiple choice); an item without an answer counts as wrong. Passed when
    accuracy reaches the rule set's target accuracy; the Wilson interval is shown beside it.
    Answers naming an unknown item or a label the rule set does not define raise
    TrainingError (a ValueError).
    """
    items = list(practice_items)
    if not items:
        raise TrainingError("empty_practice")
    keys = {item.key for item in items}
    for key in answers:
        if key not in keys:
            raise TrainingError("unknown_item", item=key)
    controls = {c.name: c for c in rule_set.controls if c.type in SCORED_TYPES}
    given = {item.key: _given(item.key, answers.get(item.key), controls) for item in items}
    outcomes = tuple(_outcome(item, given[item.key], item.key in answers) for item in items)
    correct = sum(o.correct for o in outcomes)
    low, high = proportion_ci(correct, len(items), method="wilson", confidence=confidence)
    accuracy = correct / len(items)
    return PracticeResult(
        n=len(items),
        correct=correct,
        accuracy=accuracy,
        ci_low=float(low),
        ci_high=float(high),
        confidence=confidence,
        target=rule_set.target_accuracy,
        passed=accuracy >= rule_set.target_accuracy - 1e-12,
        per_control={
            name: _control_score(control, items, given)
            for name, control in controls.items()
            if any(name in item.gold for item in items)
        },
        items=outcomes,
    )


def _given(key: str, answer: Any, controls: dict[str, Control]) -> dict[str, GoldValue]:
    """Return the answer's scored controls in gold form (tuples for multiple choice)."""
    if answer is None:
        return {}
    if not isinstance(answer, Mapping):
        raise TrainingError("answer_not_mapping", item=key, found=shown(answer))
    result: dict[str, GoldValue] = {}
    for name, value in answer.items():
        control = controls.get(name)
        if control is None:
            continue  # free-text controls (improved response) are not scored
        values = list(value) if isinstance(value, list | tuple) else [value]
        for label in values:
            if not is_label(control, label):
                raise TrainingError(
                    "answer_label",
                    item=key,
                    label=label,
                    control=name,
                    allowed=", ".join(map(str, control.values)),
                )
        if control.type == "multiple_choice":
            order = {str(v): i for i, v in enumerate(control.values)}
            result[name] = tuple(sorted(set(values), key=lambda v: order[str(v)]))
        else:
            result[name] = values[0] if len(values) == 1 else tuple(values)
    return result


def _same(gold: GoldValue, given: GoldValue | None) -> bool:
    if isinstance(gold, tuple):
        return isinstance(given, tuple) and set(map(str, gold)) == set(map(str, given))
    return given is not None and not isinstance(given, tuple) and str(gold) == str(given)


def _outcome(item: PracticeItem, given: dict[str, GoldValue], answered: bool) -> ItemOutcome:
    wrong = tuple(name for name, gold in item.gold.items() if not _same(gold, given.get(name)))
    return ItemOutcome(item.key, answered and not wrong, answered, wrong, item.explanation)


def _control_score(
    control: Control, items: list[PracticeItem], given: dict[str, dict[str, GoldValue]]
) -> ControlScore:
    confusion: Counter = Counter()
    gold_count: Counter = Counter()
    given_count: Counter = Counter()
    both: Counter = Counter()
    n = correct = 0
    for item in items:
        if control.name not in item.gold:
            continue
        gold = item.gold[control.name]
        answer = given[item.key].get(control.name)
        n += 1
        correct += _same(gold, answer)
        confusion[(gold, answer)] += 1
        gold_set = {str(v) for v in (gold if isinstance(gold, tuple) else (gold,))}
        given_set = {str(v) for v in (answer if isinstance(answer, tuple) else (answer,))}
        given_set.discard("None")
        gold_count.update(gold_set)
        given_count.update(given_set)
        both.update(gold_set & given_set)
    tallies = tuple(
        LabelTally(v, gold_count[str(v)], given_count[str(v)], both[str(v)]) for v in control.values
    )
    return ControlScore(control.name, n, correct, dict(confusion), tallies)
