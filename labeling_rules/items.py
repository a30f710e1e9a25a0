"""Check input items against a rule set's data format (used by batch import)."""

from __future__ import annotations

from typing import Any

from labeling_rules.checks.structure import value_fits
from labeling_rules.messages import TYPE_WORDS, problem_text, resolve_lang
from labeling_rules.model import RuleSet
from labeling_rules.source import type_name


def validate_item(rule_set: RuleSet, item: Any, *, lang: str | None = None) -> list[str]:
    """Return the problems of one input item against the data format (empty when it fits).

    Keys the data format does not declare are allowed: Label Studio ignores them, and
    import may carry its own bookkeeping keys.
    """
    language = resolve_lang(lang)
    if not isinstance(item, dict):
        return [problem_text("item_not_mapping", language, found=_word(item, language))]
    problems = []
    for data_field in rule_set.fields:
        value = item.get(data_field.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if data_field.required:
                problems.append(problem_text("item_missing", language, field=data_field.name))
            continue
        if not value_fits(data_field.type, value):
            expected = TYPE_WORDS["number" if data_field.type == "number" else "text"][language]
            problems.append(
                problem_text(
                    "item_type",
                    language,
                    field=data_field.name,
                    expected=expected,
                    found=_word(value, language),
                )
            )
        elif data_field.max_length is not None and len(str(value)) > data_field.max_length:
            problems.append(
                problem_text(
                    "item_too_long",
                    language,
                    field=data_field.name,
                    length=len(str(value)),
                    maximum=data_field.max_length,
                )
            )
    return problems


def task_data(rule_set: RuleSet, item: dict[str, Any]) -> dict[str, Any]:
    """Return Label Studio task data for a valid item: every declared field present.

    Label Studio shows an error for a `$variable` missing from task data, so absent
    optional fields become empty strings; other keys of the item are kept.
    """
    data = dict(item)
    for data_field in rule_set.fields:
        if data.get(data_field.name) is None:
            data[data_field.name] = ""
    return data


def label_config_variables(rule_set: RuleSet) -> list[str]:
    """Return the `$variables` the labeling config reads from task data."""
    return rule_set.variables


def _word(value: Any, lang: str) -> str:
    name = type_name(value)
    return TYPE_WORDS.get(name, {}).get(lang, name)
