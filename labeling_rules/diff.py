"""Semantic diff of two rule set versions, classified major / minor / patch.

Classification (see README.md, "Versions and diff"):
- major: a label removed, renamed or redefined, or its risk map changed; a data-format
  field or a control added, removed or changed; kind or task type changed. Qualifications
  tied to the old major version need retraining (P3).
- minor: a label added; quality thresholds, sampling, overlap, decision-procedure
  structure, review checklist, risk scope or training requirements changed.
- patch: wording only: examples, titles, descriptions, objective, procedure wording,
  definitions changed only in spacing or letter case, other sections' text.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from labeling_rules.diff_text import describe_change, render_header
from labeling_rules.model import Control, Label, LabelValue, RuleSet

LEVELS = ("none", "patch", "minor", "major")
_WORDING_SECTIONS = (
    "title",
    "objective",
    "risky_content",
    "safe_response_guidance",
    "error_spotting",
    "incident_response",
)


@dataclass(frozen=True)
class Change:
    """One semantic change; `kind` names it (e.g. 'label_removed'), `level` classifies it."""

    kind: str
    level: str
    control: str | None = None
    label: str | None = None
    old: Any = None
    new: Any = None

    def describe(self, lang: str | None = None) -> str:
        """Return the change as one sentence in `lang`."""
        return describe_change(self, lang)


@dataclass(frozen=True)
class RuleDiff:
    """The changes from `old` to `new` and what they imply."""

    rule_set_id: str
    old_version: str
    new_version: str
    changes: tuple[Change, ...]
    changed_labels: frozenset[tuple[str, LabelValue]]
    changed_controls: frozenset[str]

    @property
    def level(self) -> str:
        """Return the highest level among the changes, or 'none'."""
        return max((c.level for c in self.changes), key=LEVELS.index, default="none")

    @property
    def needs_retraining(self) -> bool:
        """Return True when qualifications on the old major version must be retrained (P3)."""
        return self.level == "major"

    @property
    def version_bump_ok(self) -> bool:
        """Return True when the new version number rises enough for the level of change."""
        old = tuple(int(p) for p in self.old_version.split("."))
        new = tuple(int(p) for p in self.new_version.split("."))
        if self.level == "none":
            return True
        if self.level == "major":
            return new[0] > old[0]
        if self.level == "minor":
            return new[:2] > old[:2]
        return new > old

    def render(self, lang: str | None = None) -> str:
        """Return the diff as text: a header line, then one line per change."""
        lines = [render_header(self, lang)]
        lines += [f"- [{c.level}] {c.describe(lang)}" for c in self.changes]
        return "\n".join(lines)

    def uses_changed_label(self, answers: dict[str, Any]) -> bool:
        """Return True when a normalised annotation used a label or control that changed."""
        for control, value in answers.items():
            if control in self.changed_controls:
                return True
            values = value if isinstance(value, list) else [value]
            for item in values:
                label = getattr(item, "label", item)
                if (control, label) in self.changed_labels:
                    return True
        return False

    def impact_by_batch(
        self, annotations: Iterable[tuple[Hashable, dict[str, Any]]]
    ) -> dict[Hashable, int]:
        """Count, per batch, the annotations (batch, normalised answers) using a changed label."""
        counts: dict[Hashable, int] = {}
        for batch, answers in annotations:
            counts.setdefault(batch, 0)
            if self.uses_changed_label(answers):
                counts[batch] += 1
        return counts


def diff_rule_sets(old: RuleSet, new: RuleSet) -> RuleDiff:
    """Return the semantic diff from rule set version `old` to `new`."""
    changes = [*_header_changes(old, new), *_field_changes(old, new)]
    changes += _control_changes(old, new)
    changes += _policy_changes(old, new)
    renames = {(c.control, str(c.old)): str(c.new) for c in changes if c.kind == "label_renamed"}
    changes += _procedure_changes(old, new, renames)
    changes += _wording_changes(old, new)
    old_controls = {c.name: c for c in old.controls}
    changed_labels = frozenset(
        (c.control, _old_value(old_controls[c.control], c))
        for c in changes
        if c.kind.startswith("label_") and c.level == "major" and c.control is not None
    )
    changed_controls = frozenset(
        c.control for c in changes if c.kind in ("control_removed", "control_changed")
    )
    return RuleDiff(
        new.id, old.version, new.version, tuple(changes), changed_labels, changed_controls
    )


def _control_changes(old: RuleSet, new: RuleSet) -> list[Change]:
    changes: list[Change] = []
    new_controls = {c.name: c for c in new.controls}
    for control in old.controls:
        other = new_controls.get(control.name)
        if other is None:
            changes.append(Change("control_removed", "major", control=control.name))
        elif _shape(control) != _shape(other):
            changes.append(
                Change(
                    "control_changed",
                    "major",
                    control=control.name,
                    old=_shape(control),
                    new=_shape(other),
                )
            )
        else:
            changes += _label_changes(control, other)
            if (control.title, control.description) != (other.title, other.description):
                changes.append(Change("control_wording", "patch", control=control.name))
    old_names = {c.name for c in old.controls}
    changes += [
        Change("control_added", "major", control=c.name)
        for c in new.controls
        if c.name not in old_names
    ]
    return changes


def _shape(control: Control) -> str:
    required = "required" if control.required else "optional"
    return f"{control.type} → {control.applies_to}, {required}"


def _old_value(control: Control, change: Change) -> LabelValue:
    label = control.label(change.label)
    return label.value if label is not None else change.label


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _header_changes(old: RuleSet, new: RuleSet) -> list[Change]:
    return [
        Change(f"{key}_changed", "major", old=getattr(old, key), new=getattr(new, key))
        for key in ("kind", "task_type", "language")
        if getattr(old, key) != getattr(new, key)
    ]


def _field_changes(old: RuleSet, new: RuleSet) -> list[Change]:
    changes = []
    before = {f.name: f for f in old.fields}
    after = {f.name: f for f in new.fields}
    for name in before.keys() - after.keys():
        changes.append(Change("field_removed", "major", label=name))
    for name in after.keys() - before.keys():
        changes.append(Change("field_added", "major", label=name))
    for name in before.keys() & after.keys():
        a, b = before[name], after[name]
        if (a.type, a.required, a.max_length) != (b.type, b.required, b.max_length):
            changes.append(
                Change(
                    "field_changed",
                    "major",
                    label=name,
                    old=f"{a.type}, required={a.required}, max={a.max_length}",
                    new=f"{b.type}, required={b.required}, max={b.max_length}",
                )
            )
        elif (a.title, a.description) != (b.title, b.description):
            changes.append(Change("field_wording", "patch", label=name))
    return sorted(changes, key=lambda c: (c.kind, c.label or ""))


def _label_changes(old: Control, new: Control) -> list[Change]:
    changes: list[Change] = []
    before = {str(label.value): label for label in old.labels}
    after = {str(label.value): label for label in new.labels}
    removed = [before[v] for v in before if v not in after]
    added = [after[v] for v in after if v not in before]
    for label in list(removed):
        twin = next((a for a in added if _same_meaning(label, a)), None)
        if twin is not None:
            changes.append(
                Change(
                    "label_renamed",
                    "major",
                    control=old.name,
                    label=str(label.value),
                    old=label.value,
                    new=twin.value,
                )
            )
            removed.remove(label)
            added.remove(twin)
    changes += [
        Change("label_removed", "major", control=old.name, label=str(label.value))
        for label in removed
    ]
    changes += [
        Change("label_added", "minor", control=old.name, label=str(label.value)) for label in added
    ]
    for value in before.keys() & after.keys():
        changes += _one_label(old.name, before[value], after[value])
    return changes


def _same_meaning(a: Label, b: Label) -> bool:
    return _norm(a.definition) == _norm(b.definition) or (
        a.positive == b.positive and a.negative == b.negative
    )


def _one_label(control: str, a: Label, b: Label) -> list[Change]:
    changes = []
    value = str(a.value)
    if a.definition != b.definition:
        level = "major" if _norm(a.definition) != _norm(b.definition) else "patch"
        changes.append(
            Change(
                "label_redefined" if level == "major" else "definition_wording",
                level,
                control=control,
                label=value,
                old=a.definition,
                new=b.definition,
            )
        )
    if (a.risks or ()) != (b.risks or ()):
        changes.append(
            Change(
                "label_risks_changed",
                "major",
                control=control,
                label=value,
                old=", ".join(a.risks or ()),
                new=", ".join(b.risks or ()),
            )
        )
    if (a.positive, a.negative) != (b.positive, b.negative):
        changes.append(Change("examples_changed", "patch", control=control, label=value))
    return changes


def _policy_changes(old: RuleSet, new: RuleSet) -> list[Change]:
    changes = []
    if old.target_accuracy != new.target_accuracy:
        changes.append(
            Change(
                "target_accuracy_changed", "minor", old=old.target_accuracy, new=new.target_accuracy
            )
        )
    pairs = (
        ("agreement_changed", old.agreement, new.agreement),
        ("sampling_changed", old.sampling, new.sampling),
        ("overlap_changed", old.overlap, new.overlap),
        ("training_changed", old.training, new.training),
        ("risk_scope_changed", old.out_of_scope, new.out_of_scope),
    )
    for kind, a, b in pairs:
        if a != b:
            changes.append(Change(kind, "minor", old=_brief(a), new=_brief(b)))
    if [(c.code, c.severity) for c in old.checklist] != [
        (c.code, c.severity) for c in new.checklist
    ]:
        changes.append(
            Change(
                "checklist_changed",
                "minor",
                old=", ".join(old.defect_codes),
                new=", ".join(new.defect_codes),
            )
        )
    elif [c.check for c in old.checklist] != [c.check for c in new.checklist] or (
        old.raw["verification"]["method"] != new.raw["verification"]["method"]
    ):
        changes.append(Change("section_wording", "patch", label="verification"))
    return changes


def _brief(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in sorted(value.items())) or "-"
    fields = getattr(value, "__dataclass_fields__", {})
    return ", ".join(f"{k}={getattr(value, k)}" for k in fields if getattr(value, k) is not None)


_Renames = dict[tuple[str | None, str], str]


def _structure(rule_set: RuleSet, renamed: _Renames) -> list[Any]:
    """Return what the procedure decides: steps, controls, chosen labels and order."""
    return [
        (
            step.id,
            step.control,
            step.next,
            [
                (renamed.get((step.control, str(o.label)), str(o.label)), o.then)
                for o in step.outcomes
            ],
        )
        for step in rule_set.decision_procedure
    ]


def _wording(rule_set: RuleSet) -> list[Any]:
    """Return the words of the procedure: each step's question and outcomes."""
    return [(s.ask, [o.when for o in s.outcomes]) for s in rule_set.decision_procedure]


def _procedure_changes(old: RuleSet, new: RuleSet, renames: _Renames) -> list[Change]:
    """Compare steps; a renamed label is already a change of its own, not of the procedure."""
    if _structure(old, renames) != _structure(new, {}):
        return [Change("procedure_changed", "minor")]
    if _wording(old) != _wording(new):
        return [Change("section_wording", "patch", label="decision_procedure")]
    return []


def _wording_changes(old: RuleSet, new: RuleSet) -> list[Change]:
    return [
        Change("section_wording", "patch", label=key)
        for key in _WORDING_SECTIONS
        if old.raw.get(key) != new.raw.get(key)
    ]
