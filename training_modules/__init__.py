"""Labelgate's training domain: module content, safe lessons, exams, practice, suspension.

Pure Python: no Flask, SQLAlchemy or app imports. See docs/training.md for the content
format and the public API.
"""

from training_modules.catalogue import modules_for, practice_set
from training_modules.errors import ModuleError, TrainingError
from training_modules.exam import (
    Exam,
    ExamQuestion,
    ExamResult,
    QuestionOutcome,
    Score,
    build_exam,
    grade,
)
from training_modules.lint import lint_all, lint_module, lint_modules
from training_modules.loader import MODULES_DIR, load_module, module_names
from training_modules.model import Module, Option, PracticeItem, Question
from training_modules.practice import (
    ControlScore,
    ItemOutcome,
    LabelTally,
    PracticeResult,
    score_practice,
)
from training_modules.render import render_lesson
from training_modules.suspension import SuspensionDecision, suspension_check
from training_modules.topics import EXAM_AREAS, TOPIC_IDS, TOPICS, Topic, exam_area_topics, topic

__all__ = [
    "EXAM_AREAS",
    "MODULES_DIR",
    "TOPICS",
    "TOPIC_IDS",
    "ControlScore",
    "Exam",
    "ExamQuestion",
    "ExamResult",
    "ItemOutcome",
    "LabelTally",
    "Module",
    "ModuleError",
    "Option",
    "PracticeItem",
    "PracticeResult",
    "Question",
    "QuestionOutcome",
    "Score",
    "SuspensionDecision",
    "Topic",
    "TrainingError",
    "build_exam",
    "exam_area_topics",
    "grade",
    "lint_all",
    "lint_module",
    "lint_modules",
    "load_module",
    "module_names",
    "modules_for",
    "practice_set",
    "render_lesson",
    "score_practice",
    "suspension_check",
    "topic",
]
