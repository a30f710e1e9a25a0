"""The rule set as frozen dataclasses: what the rest of Labelgate reads from a rule file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LabelValue = str | int


@dataclass(frozen=True)
class Example:
    """An input item that fits (positive) or does not fit (negative) a label, and why."""

    item: dict[str, Any]
    note: str
    span: str | None = None


@dataclass(frozen=True)
class Label:
    """One label of a control: its value, definition, examples and (security) risks covered."""

    value: LabelValue
    definition: str
    positive: tuple[Example, ...]
    negative: tuple[Example, ...]
    risks: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Control:
    """A Label Studio control: single or multiple choice, rating, text correction or spans."""

    name: str
    title: str
    type: str
    applies_to: str
    required: bool
    labels: tuple[Label, ...]
    description: str | None = None

    @property
    def values(self) -> tuple[LabelValue, ...]:
        """Return the label values in declared order."""
        return tuple(label.value for label in self.labels)

    def label(self, value: LabelValue) -> Label | None:
        """Return the label whose value is `value` (compared as text), or None."""
        for label in self.labels:
            if str(label.value) == str(value):
                return label
        return None


@dataclass(frozen=True)
class DataField:
    """An input field of the data format; it becomes the Label Studio variable `$name`."""

    name: str
    title: str
    type: str
    required: bool
    max_length: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class Outcome:
    """One branch of a decision step: when it applies, the label chosen, the step that follows."""

    when: str
    label: LabelValue | None = None
    then: str | None = None


@dataclass(frozen=True)
class Step:
    """One ordered step of the decision procedure, deciding a label of one control."""

    id: str
    control: str
    ask: str
    outcomes: tuple[Outcome, ...]
    next: str | None = None


@dataclass(frozen=True)
class Agreement:
    """Minimum inter-annotator agreement (coefficient, threshold) and how overlapped items
    that agree well enough get their consensus label (majority vote or Dawid–Skene)."""

    coefficient: str
    threshold: float
    consensus: str = "majority_vote"


@dataclass(frozen=True)
class SamplingPolicy:
    """How a batch is verified: kind aql, exact, precision, sprt or full_review, and its terms."""

    kind: str
    aql: float | None = None
    level: str | None = None
    inspection: str | None = None
    ltpd: float | None = None
    alpha: float | None = None
    beta: float | None = None
    margin: float | None = None
    confidence: float | None = None
    p0: float | None = None
    p1: float | None = None


@dataclass(frozen=True)
class OverlapPolicy:
    """The fraction of items given to k annotators each (to measure agreement)."""

    fraction: float
    k: int


@dataclass(frozen=True)
class QualityIndicators:
    """The quality indicators of R1: accuracy target, agreement, sampling and overlap."""

    target_accuracy: float
    agreement: Agreement
    sampling: SamplingPolicy
    overlap: OverlapPolicy


@dataclass(frozen=True)
class Training:
    """The training modules an annotator must pass, and the pass mark (0-1)."""

    modules: tuple[str, ...]
    pass_mark: float


@dataclass(frozen=True)
class ChecklistItem:
    """One item of the review checklist, with the defect code a verifier records (V4)."""

    code: str
    check: str
    severity: str


@dataclass(frozen=True)
class RuleSet:
    """A validated rule set. `raw` is the parsed document; treat it as read-only."""

    id: str
    title: str
    version: str
    kind: str
    language: str
    task_type: str
    objective: str
    fields: tuple[DataField, ...]
    controls: tuple[Control, ...]
    decision_procedure: tuple[Step, ...]
    checklist: tuple[ChecklistItem, ...]
    quality: QualityIndicators
    training: Training
    risk_map: dict[str, tuple[tuple[str, LabelValue], ...]]
    out_of_scope: dict[str, str]
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def labels(self) -> tuple[tuple[str, Label], ...]:
        """Return every (control name, label) pair in declared order."""
        return tuple((control.name, label) for control in self.controls for label in control.labels)

    @property
    def variables(self) -> list[str]:
        """Return the Label Studio task-data variables, e.g. ['$instruction', '$response']."""
        return [f"${data_field.name}" for data_field in self.fields]

    @property
    def defect_codes(self) -> tuple[str, ...]:
        """Return the defect codes of the review checklist."""
        return tuple(item.code for item in self.checklist)

    @property
    def target_accuracy(self) -> float:
        """Return the target annotation accuracy (0-1)."""
        return self.quality.target_accuracy

    @property
    def agreement(self) -> Agreement:
        """Return the minimum agreement (coefficient and threshold)."""
        return self.quality.agreement

    @property
    def sampling(self) -> SamplingPolicy:
        """Return the sampling policy for batch verification."""
        return self.quality.sampling

    @property
    def overlap(self) -> OverlapPolicy:
        """Return the overlap policy (fraction of items given k annotators)."""
        return self.quality.overlap

    @property
    def semver(self) -> tuple[int, int, int]:
        """Return the version as a (major, minor, patch) tuple for ordering."""
        major, minor, patch = (int(part) for part in self.version.split("."))
        return (major, minor, patch)

    def control(self, name: str) -> Control:
        """Return the control called `name`; raise KeyError naming the known controls."""
        for control in self.controls:
            if control.name == name:
                return control
        known = ", ".join(c.name for c in self.controls)
        raise KeyError(f"rule set {self.id} has no control {name!r}; it has: {known}")
