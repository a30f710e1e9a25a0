"""The modules a rule set requires, checked against it before anyone takes them."""

from __future__ import annotations

from pathlib import Path

from labeling_rules import RuleSet
from training_modules.errors import ModuleError
from training_modules.lint import lint_modules
from training_modules.loader import load_module
from training_modules.model import Module, PracticeItem


def modules_for(
    rule_set: RuleSet, *, lang: str | None = None, modules_dir: Path | None = None
) -> list[Module]:
    """Return the modules `rule_set` requires, in its order and `lang` (default: its language).

    The module set is linted against the rule set first (topics, quizzes, translations,
    practice gold); any error raises ModuleError carrying the findings, so no one is
    trained or examined on broken content. Modules without a pass mark of their own get
    the rule set's training.pass_mark.
    """
    errors = [f for f in lint_modules(rule_set, lang=lang, modules_dir=modules_dir) if f.is_error]
    if errors:
        raise ModuleError(rule_set.id, errors)
    return [
        load_module(
            name, lang=lang or rule_set.language, rule_set=rule_set, modules_dir=modules_dir
        )
        for name in rule_set.training.modules
    ]


def practice_set(rule_set: RuleSet, modules: list[Module]) -> tuple[PracticeItem, ...]:
    """Return the gold items the modules hold for `rule_set`, in module order."""
    return tuple(item for module in modules for item in module.practice_for(rule_set.id))
