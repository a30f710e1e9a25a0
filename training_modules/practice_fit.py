"""Check practice items against their rule set: data format, controls and labels."""

from __future__ import annotations

from typing import Any

from labeling_rules import RuleSet, validate_item
from labeling_rules.model import Control
from training_modules.messages import word
from training_modules.source import FileReport

SCORED_TYPES = ("single_choice", "multiple_choice", "rating")


def check_item_fits(
    rule_set: RuleSet, report: FileReport, index: int, node: dict[str, Any]
) -> bool:
    """Report where a practice item does not fit `rule_set`; True when it fits."""
    path = ("items", index)
    key = str(node["key"])
    fits = True
    for problem in validate_item(rule_set, node["data"], lang=report.lang):
        report.add("T130", (*path, "data"), item=key, rule_set=rule_set.id, problem=problem)
        fits = False
    controls = {control.name: control for control in rule_set.controls}
    for name, value in node["gold"].items():
        control = controls.get(name)
        where = (*path, "gold", name)
        if control is None:
            report.add(
                "T131",
                where,
                at="key",
                item=key,
                control=name,
                rule_set=rule_set.id,
                allowed=", ".join(c.name for c in rule_set.controls if c.type in SCORED_TYPES),
            )
            fits = False
        elif control.type not in SCORED_TYPES:
            report.add("T136", where, at="key", item=key, control=name, kind=control.type)
            fits = False
        else:
            fits = _gold_fits(rule_set, control, report, where, key, value) and fits
    for control in rule_set.controls:
        if control.required and control.type in SCORED_TYPES and control.name not in node["gold"]:
            report.add("T133", (*path, "gold"), at="key", item=key, control=control.name)
            fits = False
    return fits


def _gold_fits(
    rule_set: RuleSet, control: Control, report: FileReport, where: tuple, key: str, value: Any
) -> bool:
    multiple = control.type == "multiple_choice"
    if multiple != isinstance(value, list) or (multiple and not value):
        expected = word("label_list" if multiple else "one_label", report.lang)
        report.add("T137", where, item=key, control=control.name, expected=expected)
        return False
    fits = True
    for position, label in enumerate(value if multiple else [value]):
        if not is_label(control, label):
            report.add(
                "T132",
                (*where, position) if multiple else where,
                item=key,
                label=label,
                control=control.name,
                rule_set=rule_set.id,
                allowed=", ".join(map(str, control.values)),
            )
            fits = False
    return fits


def is_label(control: Control, value: Any) -> bool:
    """Return True when `value` is one of the control's labels, of the same type."""
    label = (
        control.label(value)
        if isinstance(value, str | int) and not isinstance(value, bool)
        else None
    )
    return label is not None and type(label.value) is type(value)
