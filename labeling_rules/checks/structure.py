"""Checks on fields, controls, labels and examples."""

from __future__ import annotations

from typing import Any

from labeling_rules.compile_ls import (
    CORRECTED_PREFIX,
    DEFECTS,
    ILLEGAL,
    REVIEW_LABEL_KEY,
    VERDICT,
)
from labeling_rules.messages import TYPE_WORDS
from labeling_rules.report import Reporter
from labeling_rules.source import DocPath, type_name

# The review config's own tags; a field or control of the same name would clash with them.
RESERVED_NAMES = frozenset({REVIEW_LABEL_KEY, VERDICT, DEFECTS, ILLEGAL})
LABELLED_TYPES = frozenset({"single_choice", "multiple_choice", "rating", "span_labels"})
# Which field types a control may point at, when the control type restricts it.
ALLOWED_FIELD_TYPES = {"span_labels": {"text"}, "text_correction": {"text", "html"}}


def is_reserved(name: str) -> bool:
    """Return True when `name` is taken by the review project's own tags."""
    return name in RESERVED_NAMES or name.startswith(CORRECTED_PREFIX)


def value_fits(field_type: str, value: Any) -> bool:
    """Return True when `value` fits a data-format field of type `field_type`."""
    if field_type == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


def check_structure(data: dict[str, Any], report: Reporter) -> None:
    """Check fields, controls, labels and examples for duplicates, gaps and mismatches."""
    fields = _check_fields(data, report)
    _check_controls(data, report, fields)
    for index, control in enumerate(data["controls"]):
        _check_labels(control, ("controls", index), report)
    _check_definitions(data, report)
    for path, example, control in _examples(data):
        _check_example(path, example, control, fields, report)


def _check_fields(data: dict[str, Any], report: Reporter) -> dict[str, dict[str, Any]]:
    fields: dict[str, dict[str, Any]] = {}
    first: dict[str, DocPath] = {}
    for index, field in enumerate(data["data_format"]["fields"]):
        path = ("data_format", "fields", index, "name")
        name = field["name"]
        if name in first:
            report.add("E216", path, field=name, first_line=report.line_of(first[name]))
            continue
        first[name] = path
        fields[name] = field
        if is_reserved(name):
            report.add("E228", path, name=name)
    return fields


def _check_controls(
    data: dict[str, Any], report: Reporter, fields: dict[str, dict[str, Any]]
) -> None:
    first: dict[str, DocPath] = {}
    for index, control in enumerate(data["controls"]):
        path = ("controls", index)
        name, kind, target = control["name"], control["type"], control["applies_to"]
        if name in first:
            report.add(
                "E215", (*path, "name"), control=name, first_line=report.line_of(first[name])
            )
        else:
            first[name] = (*path, "name")
        if is_reserved(name) or name in fields:
            report.add("E228", (*path, "name"), name=name)
        if target not in fields:
            report.add(
                "E214", (*path, "applies_to"), control=name, field=target, allowed=", ".join(fields)
            )
        elif (
            kind in ALLOWED_FIELD_TYPES and fields[target]["type"] not in ALLOWED_FIELD_TYPES[kind]
        ):
            report.add(
                "E226",
                (*path, "applies_to"),
                control=name,
                type=kind,
                field=target,
                field_type=fields[target]["type"],
            )
        if kind in LABELLED_TYPES and not control.get("labels"):
            report.add("E220", (*path, "name"), control=name, type=kind)
        if kind == "text_correction" and "labels" in control:
            report.add("E242", (*path, "labels"), at="key", control=name)


def _check_labels(control: dict[str, Any], path: DocPath, report: Reporter) -> None:
    name = control["name"]
    labels = control.get("labels") or []
    first: dict[str, DocPath] = {}
    for index, label in enumerate(labels):
        label_path = (*path, "labels", index)
        value = label["value"]
        if str(value) in first:
            report.add(
                "E203",
                (*label_path, "value"),
                control=name,
                label=value,
                first_line=report.line_of(first[str(value)]),
            )
        else:
            first[str(value)] = (*label_path, "value")
        if control["type"] != "rating" and isinstance(value, int):
            report.add("E219", (*label_path, "value"), control=name, label=value)
        examples = label.get("examples") or {}
        if not examples.get("positive"):
            report.add("E201", (*label_path, "value"), at="key", control=name, label=value)
        if not examples.get("negative"):
            report.add("E202", (*label_path, "value"), at="key", control=name, label=value)
    values = [label["value"] for label in labels]
    if control["type"] == "rating" and labels and values != list(range(1, len(values) + 1)):
        report.add(
            "E218",
            (*path, "labels"),
            at="key",
            control=name,
            count=len(values),
            found=", ".join(map(str, values)),
        )


def _check_definitions(data: dict[str, Any], report: Reporter) -> None:
    seen: dict[str, tuple[str, str]] = {}
    for c_index, control in enumerate(data["controls"]):
        for l_index, label in enumerate(control.get("labels") or []):
            key = " ".join(label["definition"].split()).casefold()
            if key in seen:
                other, other_control = seen[key]
                path = ("controls", c_index, "labels", l_index, "definition")
                report.add(
                    "E204", path, label=label["value"], other=other, other_control=other_control
                )
            else:
                seen[key] = (str(label["value"]), control["name"])


def _examples(data: dict[str, Any]):
    """Yield (path, example, control or None) for every example of the rule set."""
    for c_index, control in enumerate(data["controls"]):
        for l_index, label in enumerate(control.get("labels") or []):
            for polarity in ("positive", "negative"):
                examples = (label.get("examples") or {}).get(polarity) or []
                for e_index, example in enumerate(examples):
                    path = ("controls", c_index, "labels", l_index, "examples", polarity, e_index)
                    yield path, example, control
    for e_index, example in enumerate((data.get("risky_content") or {}).get("examples") or []):
        yield ("risky_content", "examples", e_index), example, None


def _check_example(
    path: DocPath,
    example: dict[str, Any],
    control: dict[str, Any] | None,
    fields: dict[str, dict[str, Any]],
    report: Reporter,
) -> None:
    item = example["item"]
    lang = report.lang
    for key, value in item.items():
        field = fields.get(key)
        if field is None:
            report.add("E211", (*path, "item", key), at="key", field=key, allowed=", ".join(fields))
        elif not value_fits(field["type"], value):
            expected = TYPE_WORDS["number" if field["type"] == "number" else "text"][lang]
            found = TYPE_WORDS.get(type_name(value), {}).get(lang, type_name(value))
            report.add(
                "E213",
                (*path, "item", key),
                field=key,
                expected=expected,
                field_type=field["type"],
                found=found,
            )
    for name, field in fields.items():
        if field["required"] and name not in item:
            report.add("E212", (*path, "item"), at="key", field=name)
    span = example.get("span")
    if span is not None and control is not None:
        text = item.get(control["applies_to"])
        if isinstance(text, str) and span not in text:
            report.add("E217", (*path, "span"), span=span, field=control["applies_to"])
