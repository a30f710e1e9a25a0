"""Map Label Studio annotation results to a rule set's own labels, and read review verdicts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from labeling_rules.compile_ls import (
    CORRECTED_PREFIX,
    DEFECTS,
    ILLEGAL,
    VERDICT,
    VERDICT_VALUES,
)
from labeling_rules.errors import ResultError
from labeling_rules.messages import UI_TEXT
from labeling_rules.model import Control, LabelValue, RuleSet


@dataclass(frozen=True)
class Span:
    """One labelled span of text: character offsets, the text itself and its label."""

    start: int
    end: int
    text: str
    label: str


@dataclass(frozen=True)
class ReviewVerdict:
    """What a verifier decided about one annotation (V4, V6)."""

    correct: bool
    corrected: dict[str, Any]
    defect_codes: tuple[str, ...]
    illegal_content: bool


def normalise_result(rule_set: RuleSet, ls_result: list[dict[str, Any]]) -> dict[str, Any]:
    """Return {control name: label value, list of values/spans, or text} for a result.

    Single choice and rating give one value, multiple choice a list of values, text
    correction a string, span labels a list of Span. Raises ResultError on a control or
    label the rule set does not define, and when a required control has no answer.
    """
    controls = {control.name: control for control in rule_set.controls}
    answers = _collect(rule_set, ls_result, controls)
    for control in rule_set.controls:
        if control.required and control.name not in answers:
            raise ResultError("result_missing_required", control=control.name)
    return answers


def parse_review_result(rule_set: RuleSet, ls_result: list[dict[str, Any]]) -> ReviewVerdict:
    """Return the verdict, corrections, defect codes and illegal-content flag of a review."""
    controls = {CORRECTED_PREFIX + c.name: c for c in rule_set.controls}
    review_regions, corrections = [], []
    for region in _regions(ls_result):
        if region.get("from_name") in (VERDICT, DEFECTS, ILLEGAL):
            review_regions.append(region)
        else:
            corrections.append(region)
    corrected = {
        name.removeprefix(CORRECTED_PREFIX): value
        for name, value in _collect(rule_set, corrections, controls).items()
    }
    verdict, defects, illegal = None, [], False
    display_to_code = {f"{i.code} {i.check}": i.code for i in rule_set.checklist}
    for region in review_regions:
        name = region["from_name"]
        values = _choices(region, name)
        if name == VERDICT:
            verdict = _verdict(values)
        elif name == DEFECTS:
            for value in values:
                code = display_to_code.get(value, value)
                if code not in rule_set.defect_codes:
                    raise ResultError(
                        "result_unknown_label",
                        control=DEFECTS,
                        label=value,
                        allowed=", ".join(rule_set.defect_codes),
                    )
                defects.append(code)
        else:
            illegal = bool(values)
    if verdict is None:
        raise ResultError("review_no_verdict")
    return ReviewVerdict(verdict, corrected, tuple(defects), illegal)


def render_review_label(rule_set: RuleSet, answers: dict[str, Any]) -> str:
    """Return the `review_label` text of a review task from a normalised result."""
    lines = []
    for control in rule_set.controls:
        if control.name not in answers:
            continue
        value = answers[control.name]
        if control.type == "span_labels":
            value = "; ".join(f"[{s.start}-{s.end}] {s.text} → {s.label}" for s in value)
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        lines.append(f"{control.title}: {value}")
    return "\n".join(lines)


def _regions(ls_result: Any) -> list[dict[str, Any]]:
    if not isinstance(ls_result, list) or not all(isinstance(r, dict) for r in ls_result):
        raise ResultError("result_not_list")
    return ls_result


def _collect(rule_set: RuleSet, ls_result: Any, controls: dict[str, Control]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for region in _regions(ls_result):
        name = region.get("from_name")
        control = controls.get(name) if isinstance(name, str) else None
        if control is None:
            raise ResultError("result_unknown_control", control=name, rule_set=rule_set.id)
        value = region.get("value")
        if not isinstance(value, dict):
            raise ResultError("result_malformed", control=name, key="value")
        _merge(answers, name, control, value)
    return answers


def _merge(answers: dict[str, Any], name: str, control: Control, value: dict[str, Any]) -> None:
    if control.type == "single_choice":
        chosen = _choices({"value": value}, name)
        if len(chosen) != 1:
            raise ResultError("result_too_many", control=name, count=len(chosen))
        answers[name] = _known(control, name, chosen[0])
    elif control.type == "multiple_choice":
        known = [_known(control, name, v) for v in _choices({"value": value}, name)]
        answers[name] = [*answers.get(name, []), *known]
    elif control.type == "rating":
        rating = value.get("rating")
        if isinstance(rating, bool) or not isinstance(rating, int):
            raise ResultError("result_malformed", control=name, key="rating")
        answers[name] = _known(control, name, rating)
    elif control.type == "text_correction":
        text = value.get("text")
        if not isinstance(text, list) or not all(isinstance(t, str) for t in text):
            raise ResultError("result_malformed", control=name, key="text")
        answers[name] = "\n".join(text)
    else:
        answers.setdefault(name, []).extend(_spans(control, name, value))


def _spans(control: Control, name: str, value: dict[str, Any]) -> list[Span]:
    start, end, text = value.get("start"), value.get("end"), value.get("text", "")
    labels = value.get("labels")
    if not isinstance(start, int) or not isinstance(end, int) or not isinstance(labels, list):
        raise ResultError("result_malformed", control=name, key="start/end/labels")
    return [Span(start, end, str(text), str(_known(control, name, label))) for label in labels]


def _choices(region: dict[str, Any], name: str) -> list[str]:
    choices = region.get("value", {}).get("choices")
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        raise ResultError("result_malformed", control=name, key="choices")
    return choices


def _known(control: Control, name: str, value: Any) -> LabelValue:
    label = control.label(value)
    if label is None or type(label.value) is not type(value):
        allowed = ", ".join(map(str, control.values))
        raise ResultError("result_unknown_label", control=name, label=value, allowed=allowed)
    return label.value


def _verdict(values: list[str]) -> bool | None:
    """Return True/False for the verdict's alias, or its display text in either language."""
    for value in values:
        for alias in VERDICT_VALUES:
            if value == alias or value in UI_TEXT[alias].values():
                return alias == "correct"
    if values:
        raise ResultError(
            "result_unknown_label",
            control=VERDICT,
            label=values[0],
            allowed=", ".join(VERDICT_VALUES),
        )
    return None
