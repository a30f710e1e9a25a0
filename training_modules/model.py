"""A training module as frozen dataclasses: lesson, quiz and practice items."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labeling_rules.model import LabelValue

GoldValue = LabelValue | tuple[LabelValue, ...]


@dataclass(frozen=True)
class Option:
    """One answer option of a quiz question."""

    id: str
    text: str


@dataclass(frozen=True)
class Question:
    """A quiz question: its options, the correct option ids, why, and the topics it tests."""

    id: str
    text: str
    options: tuple[Option, ...]
    correct: tuple[str, ...]
    explanation: str
    topics: tuple[str, ...]

    @property
    def multiple(self) -> bool:
        """Return True when more than one option is correct (the person chooses several)."""
        return len(self.correct) > 1

    def option(self, option_id: str) -> Option | None:
        """Return the option called `option_id`, or None."""
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class PracticeItem:
    """A gold item: input data in the rule set's data format and the gold label per control.

    Multiple-choice gold is a tuple of label values; single choice and rating one value.
    """

    key: str
    data: Mapping[str, Any]
    gold: Mapping[str, GoldValue]
    explanation: str


@dataclass(frozen=True)
class Module:
    """A training module in one language.

    `pass_mark` is the module's own quiz pass mark, or None when the rule set's
    training.pass_mark applies (`modules_for` fills it in). `practice` maps a rule-set id
    to its gold items. `content_hash` identifies the exact files an attempt was taken on.
    """

    name: str
    lang: str
    title: str
    topics: tuple[str, ...]
    lesson_markdown: str
    questions: tuple[Question, ...]
    pass_mark: float | None
    practice: Mapping[str, tuple[PracticeItem, ...]]
    content_hash: str
    path: Path = field(compare=False)

    def question(self, question_id: str) -> Question | None:
        """Return the question called `question_id`, or None."""
        return next((q for q in self.questions if q.id == question_id), None)

    def practice_for(self, rule_set_id: str) -> tuple[PracticeItem, ...]:
        """Return the gold items this module holds for rule set `rule_set_id` (may be empty)."""
        return self.practice.get(rule_set_id, ())
