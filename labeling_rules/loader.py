"""Load a rule file into a RuleSet, refusing any file the linter finds an error in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labeling_rules.errors import RuleFileError
from labeling_rules.lint import analyse, analyse_file, has_errors
from labeling_rules.model import (
    Agreement,
    ChecklistItem,
    Control,
    DataField,
    Example,
    Label,
    LabelValue,
    Outcome,
    OverlapPolicy,
    QualityIndicators,
    RuleSet,
    SamplingPolicy,
    Step,
    Training,
)

SETS_DIR = Path(__file__).with_name("sets")


def load_rule_set(
    path_or_text: str | bytes | Path, *, source_name: str | None = None, lang: str | None = None
) -> RuleSet:
    """Return the RuleSet in a file (Path, or a str path) or in YAML text (str or bytes).

    A `str` holding no line break that names an existing file is read as a path; any
    other `str` or `bytes` is the YAML text itself. Raises RuleFileError with the linter's
    findings when the file has an error (warnings do not block loading).
    """
    if isinstance(path_or_text, Path) or _names_file(path_or_text):
        document, findings = analyse_file(Path(path_or_text), lang=lang)
    else:
        name = source_name or "<text>"
        document, findings = analyse(path_or_text, source_name=name, lang=lang)
    if document is None or has_errors(findings):
        raise RuleFileError(findings)
    return build_rule_set(document.data)


def shipped_rule_set_paths() -> list[Path]:
    """Return the paths of the rule sets shipped in labeling_rules/sets/."""
    return sorted(SETS_DIR.glob("*.yaml"))


def _names_file(value: str | bytes | Path) -> bool:
    if not isinstance(value, str) or "\n" in value:
        return False
    return Path(value).suffix in (".yaml", ".yml") or Path(value).is_file()


def build_rule_set(data: dict[str, Any]) -> RuleSet:
    """Return the RuleSet of a schema-valid, checked rule document."""
    controls = tuple(_control(c) for c in data["controls"])
    quality = data["quality"]
    return RuleSet(
        id=data["id"],
        title=data["title"],
        version=data["version"],
        kind=data["kind"],
        language=data["language"],
        task_type=data["task_type"],
        objective=data["objective"],
        fields=tuple(DataField(**f) for f in data["data_format"]["fields"]),
        controls=controls,
        decision_procedure=tuple(_step(s) for s in data["decision_procedure"]),
        checklist=tuple(ChecklistItem(**c) for c in data["verification"]["checklist"]),
        quality=QualityIndicators(
            target_accuracy=float(quality["target_accuracy"]),
            agreement=Agreement(**quality["agreement"]),
            sampling=SamplingPolicy(**quality["sampling"]),
            overlap=OverlapPolicy(**quality["overlap"]),
        ),
        training=Training(tuple(data["training"]["modules"]), data["training"]["pass_mark"]),
        risk_map=_risk_map(controls),
        out_of_scope={
            entry["risk"]: entry["reason"]
            for entry in (data.get("risk_scope") or {}).get("out_of_scope", [])
        },
        raw=data,
    )


def _control(data: dict[str, Any]) -> Control:
    return Control(
        name=data["name"],
        title=data["title"],
        type=data["type"],
        applies_to=data["applies_to"],
        required=data["required"],
        description=data.get("description"),
        labels=tuple(_label(label) for label in data.get("labels") or []),
    )


def _label(data: dict[str, Any]) -> Label:
    examples = data.get("examples") or {}
    risks = data.get("risks")
    return Label(
        value=data["value"],
        definition=data["definition"],
        positive=tuple(Example(**e) for e in examples.get("positive") or []),
        negative=tuple(Example(**e) for e in examples.get("negative") or []),
        risks=tuple(risks) if risks is not None else None,
    )


def _step(data: dict[str, Any]) -> Step:
    return Step(
        id=data["id"],
        control=data["control"],
        ask=data["ask"],
        outcomes=tuple(Outcome(**o) for o in data["outcomes"]),
        next=data.get("next"),
    )


def _risk_map(controls: tuple[Control, ...]) -> dict[str, tuple[tuple[str, LabelValue], ...]]:
    mapping: dict[str, list[tuple[str, LabelValue]]] = {}
    for control in controls:
        for label in control.labels:
            for code in label.risks or ():
                mapping.setdefault(code, []).append((control.name, label.value))
    return {code: tuple(pairs) for code, pairs in mapping.items()}
