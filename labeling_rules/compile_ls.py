"""Compile a rule set to Label Studio labeling configs: one for annotators, one for reviewers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from labeling_rules.messages import ui
from labeling_rules.model import Control, DataField, RuleSet

# Task-data key that carries the annotation under review, and the review project's own tags.
REVIEW_LABEL_KEY = "review_label"
VERDICT = "verdict"
DEFECTS = "defects"
ILLEGAL = "illegal_content"
CORRECTED_PREFIX = "corrected_"
VERDICT_VALUES = ("correct", "incorrect")
ILLEGAL_VALUE = "illegal"

_OBJECT_TAGS = {"text": "Text", "number": "Text", "html": "HyperText", "image": "Image"}


def compile_label_config(rule_set: RuleSet) -> str:
    """Return the Label Studio labeling config (XML) annotators work with."""
    view = ET.Element("View")
    _add_fields(view, rule_set.fields)
    for control in rule_set.controls:
        _add_control(view, control, name=control.name, required=control.required)
    return _serialise(view)


def compile_review_config(rule_set: RuleSet) -> str:
    """Return the Label Studio config verifiers use to judge one annotation.

    Review tasks carry the item's fields plus `review_label` (the annotation under review
    as text, see `render_review_label`). The verifier records a verdict (correct or
    incorrect), the corrected labels (controls named `corrected_<control>`), defect codes
    from the review checklist and the "illegal or harmful content" flag.
    """
    lang = rule_set.language
    view = ET.Element("View")
    _add_fields(view, rule_set.fields)
    ET.SubElement(view, "Header", value=ui("review_header", lang))
    ET.SubElement(view, "Text", name=REVIEW_LABEL_KEY, value=f"${REVIEW_LABEL_KEY}")
    ET.SubElement(view, "Header", value=ui("verdict", lang))
    verdict = _choices(view, VERDICT, REVIEW_LABEL_KEY, "single-radio", required=True)
    for value in VERDICT_VALUES:
        ET.SubElement(verdict, "Choice", value=ui(value, lang), alias=value)
    ET.SubElement(view, "Header", value=ui("corrected", lang))
    for control in rule_set.controls:
        _add_control(view, control, name=CORRECTED_PREFIX + control.name, required=False)
    ET.SubElement(view, "Header", value=ui("defects", lang))
    defects = _choices(view, DEFECTS, REVIEW_LABEL_KEY, "multiple", required=False)
    for item in rule_set.checklist:
        ET.SubElement(defects, "Choice", value=f"{item.code} {item.check}", alias=item.code)
    ET.SubElement(view, "Header", value=ui("illegal_header", lang))
    illegal = _choices(view, ILLEGAL, REVIEW_LABEL_KEY, "multiple", required=False)
    ET.SubElement(illegal, "Choice", value=ui("illegal", lang), alias=ILLEGAL_VALUE)
    return _serialise(view)


def _add_fields(view: ET.Element, fields: tuple[DataField, ...]) -> None:
    for data_field in fields:
        ET.SubElement(view, "Header", value=data_field.title)
        tag = _OBJECT_TAGS[data_field.type]
        ET.SubElement(view, tag, name=data_field.name, value=f"${data_field.name}")


def _add_control(view: ET.Element, control: Control, *, name: str, required: bool) -> None:
    ET.SubElement(view, "Header", value=control.title)
    if control.type in ("single_choice", "multiple_choice"):
        choice = "single-radio" if control.type == "single_choice" else "multiple"
        element = _choices(view, name, control.applies_to, choice, required=required)
        for label in control.labels:
            ET.SubElement(element, "Choice", value=str(label.value), hint=label.definition)
    elif control.type == "rating":
        for label in control.labels:
            ET.SubElement(view, "Header", value=f"{label.value}: {label.definition}", size="6")
        ET.SubElement(
            view,
            "Rating",
            name=name,
            toName=control.applies_to,
            maxRating=str(len(control.labels)),
            required=_bool(required),
        )
    elif control.type == "text_correction":
        ET.SubElement(
            view,
            "TextArea",
            name=name,
            toName=control.applies_to,
            editable="true",
            rows="4",
            maxSubmissions="1",
            required=_bool(required),
        )
    else:
        labels = ET.SubElement(view, "Labels", name=name, toName=control.applies_to)
        for label in control.labels:
            ET.SubElement(labels, "Label", value=str(label.value), hint=label.definition)


def _choices(view: ET.Element, name: str, to_name: str, choice: str, *, required: bool):
    return ET.SubElement(
        view, "Choices", name=name, toName=to_name, choice=choice, required=_bool(required)
    )


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _serialise(view: ET.Element) -> str:
    ET.indent(view, space="  ")
    return ET.tostring(view, encoding="unicode")
