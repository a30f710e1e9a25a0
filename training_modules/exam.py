"""The exam engine: a reproducibly shuffled paper from modules, and its grading (P2)."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from training_modules.errors import TrainingError, shown
from training_modules.model import Module, Option
from training_modules.topics import exam_area_topics

SEPARATOR = "/"


@dataclass(frozen=True)
class ExamQuestion:
    """A question as printed on one paper: id `<module>/<question>`, options in paper order."""

    id: str
    module: str
    question_id: str
    text: str
    options: tuple[Option, ...]
    correct: tuple[str, ...]
    explanation: str
    topics: tuple[str, ...]

    @property
    def multiple(self) -> bool:
        """Return True when the person must choose more than one option."""
        return len(self.correct) > 1


@dataclass(frozen=True)
class Exam:
    """One exam paper: the seed reproduces its question and option order from the modules."""

    seed: int | str
    lang: str
    questions: tuple[ExamQuestion, ...]
    pass_marks: Mapping[str, float]
    content_hashes: Mapping[str, str]

    def question(self, question_id: str) -> ExamQuestion | None:
        """Return the question with exam id (or, when unambiguous, module question id)."""
        matches = [q for q in self.questions if question_id in (q.id, q.question_id)]
        exact = [q for q in matches if q.id == question_id]
        return exact[0] if exact else (matches[0] if len(matches) == 1 else None)

    def paper(self) -> dict[str, Any]:
        """Return the paper as plain JSON-ready data, to store with the attempt (P2)."""
        return {
            "seed": self.seed,
            "lang": self.lang,
            "modules": {
                name: {"content_hash": self.content_hashes[name], "pass_mark": mark}
                for name, mark in self.pass_marks.items()
            },
            "questions": [
                {"id": q.id, "options": [o.id for o in q.options]} for q in self.questions
            ],
        }


@dataclass(frozen=True)
class QuestionOutcome:
    """How one question was answered: chosen and correct option ids, and whether it was right."""

    question_id: str
    module: str
    chosen: tuple[str, ...]
    correct_options: tuple[str, ...]
    correct: bool
    topics: tuple[str, ...]
    explanation: str

    @property
    def answered(self) -> bool:
        """Return True when at least one option was chosen."""
        return bool(self.chosen)


@dataclass(frozen=True)
class Score:
    """Correct out of total, as a share; `pass_mark` and `passed` are set for module scores."""

    correct: int
    total: int
    pass_mark: float | None = None

    @property
    def score(self) -> float:
        """Return correct / total (0 when there is nothing to score)."""
        return self.correct / self.total if self.total else 0.0

    @property
    def passed(self) -> bool | None:
        """Return True when the score reaches the pass mark; None without a pass mark."""
        if self.pass_mark is None:
            return None
        return self.total > 0 and self.correct >= self.pass_mark * self.total - 1e-9


@dataclass(frozen=True)
class ExamResult:
    """The graded exam: overall, per topic, per module (against its pass mark), per question."""

    score: float
    correct: int
    total: int
    passed: bool
    per_topic: Mapping[str, Score]
    per_module: Mapping[str, Score]
    questions: tuple[QuestionOutcome, ...]

    def per_exam_area(self) -> dict[str, Score]:
        """Return the scores of the P2 exam areas (law, rule understanding, ...) tested."""
        return {
            area: self.per_topic[topic]
            for area, topic in exam_area_topics().items()
            if topic in self.per_topic
        }


def build_exam(
    modules_or_module: Module | Iterable[Module], *, seed: int | str, pass_mark: float | None = None
) -> Exam:
    """Return the exam paper of the modules, questions and options shuffled by `seed`.

    The same modules and seed always give the same paper. Each module keeps its own pass
    mark; `pass_mark` applies to modules that set none (the rule set's training.pass_mark).
    """
    if isinstance(seed, bool) or not isinstance(seed, int | str):
        raise TrainingError("bad_seed", found=shown(seed))
    modules = (
        [modules_or_module] if isinstance(modules_or_module, Module) else list(modules_or_module)
    )
    pass_marks = _pass_marks(modules, pass_mark)
    questions = [
        ExamQuestion(
            f"{m.name}{SEPARATOR}{q.id}",
            m.name,
            q.id,
            q.text,
            q.options,
            q.correct,
            q.explanation,
            q.topics,
        )
        for m in modules
        for q in m.questions
    ]
    if not questions:
        raise TrainingError("empty_exam")
    rng = random.Random(f"labelgate-exam:{seed}")  # text seeds are hashed stably across runs
    rng.shuffle(questions)
    shuffled = []
    for question in questions:
        options = list(question.options)
        rng.shuffle(options)
        shuffled.append(_with_options(question, tuple(options)))
    return Exam(
        seed=seed,
        lang=modules[0].lang,
        questions=tuple(shuffled),
        pass_marks=pass_marks,
        content_hashes={m.name: m.content_hash for m in modules},
    )


def _pass_marks(modules: list[Module], default: float | None) -> dict[str, float]:
    """Return {module name: its pass mark, or `default`}; refuse duplicates and bad marks."""
    pass_marks: dict[str, float] = {}
    for module in modules:
        if module.name in pass_marks:
            raise TrainingError("duplicate_module", module=module.name)
        mark = module.pass_mark if module.pass_mark is not None else default
        if mark is None:
            raise TrainingError("no_pass_mark", module=module.name)
        if not 0 < mark <= 1:
            raise TrainingError("out_of_range", name="pass_mark", value=mark, rule="0 < x ≤ 1")
        pass_marks[module.name] = float(mark)
    return pass_marks


def grade(exam: Exam, answers: Mapping[str, Sequence[str] | str]) -> ExamResult:
    """Return the graded exam; an unanswered question is wrong.

    `answers` maps a question id (the exam id `<module>/<question>`, or the module's own
    question id when no other module uses it) to the chosen option ids. A question is right
    when exactly its correct options are chosen. Unknown questions or options raise
    TrainingError (a ValueError).
    """
    chosen = _chosen_by_question(exam, answers)
    outcomes = tuple(
        QuestionOutcome(
            question_id=q.id,
            module=q.module,
            chosen=chosen.get(q.id, ()),
            correct_options=q.correct,
            correct=set(chosen.get(q.id, ())) == set(q.correct),
            topics=q.topics,
            explanation=q.explanation,
        )
        for q in exam.questions
    )
    per_topic = {
        topic: _tally((o for o in outcomes if topic in o.topics), None)
        for topic in sorted({t for q in exam.questions for t in q.topics})
    }
    per_module = {
        name: _tally((o for o in outcomes if o.module == name), mark)
        for name, mark in exam.pass_marks.items()
    }
    correct = sum(o.correct for o in outcomes)
    return ExamResult(
        score=correct / len(outcomes),
        correct=correct,
        total=len(outcomes),
        passed=all(score.passed for score in per_module.values()),
        per_topic=per_topic,
        per_module=per_module,
        questions=outcomes,
    )


def _chosen_by_question(
    exam: Exam, answers: Mapping[str, Sequence[str] | str]
) -> dict[str, tuple[str, ...]]:
    chosen: dict[str, tuple[str, ...]] = {}
    for key, given in answers.items():
        question = exam.question(str(key))
        if question is None:
            raise TrainingError("unknown_question", question=key)
        if isinstance(given, str):
            given = [given]
        if not isinstance(given, list | tuple | set | frozenset):
            raise TrainingError("answer_type", question=key, found=shown(given))
        option_ids = [o.id for o in question.options]
        for option in given:
            if str(option) not in option_ids:
                raise TrainingError(
                    "unknown_option", question=key, option=option, options=", ".join(option_ids)
                )
        merged = (*chosen.get(question.id, ()), *(str(o) for o in given))
        chosen[question.id] = tuple(dict.fromkeys(merged))
    return chosen


def _tally(outcomes: Iterable[QuestionOutcome], pass_mark: float | None) -> Score:
    listed = list(outcomes)
    return Score(sum(o.correct for o in listed), len(listed), pass_mark)


def _with_options(question: ExamQuestion, options: tuple[Option, ...]) -> ExamQuestion:
    return ExamQuestion(
        question.id,
        question.module,
        question.question_id,
        question.text,
        options,
        question.correct,
        question.explanation,
        question.topics,
    )
