"""The rules of the work, each decided in one place (pure Python: no Flask, no SQLAlchemy).

- `workflow.batches`: the batch state machine (states, events, the transition table).
- `workflow.qualifications`: whether a qualification is in force at a moment.
- `workflow.records`: which Label Studio records count, and why one is quarantined.
- `workflow.door`: what a person may open and submit through the annotator's door.

Every refusal and quarantine is a *code* (a `StrEnum`) plus parameters, rendered into
zh_CN or English where a person reads it, never stored as prose.
"""

from workflow.batches import BatchEvent, BatchState, TransitionRefused, next_state
from workflow.door import DoorAction, DoorRefusal, UnitFacts, door_refusal
from workflow.qualifications import QualificationStatus, in_force
from workflow.records import (
    FUTURE_SKEW,
    Authorship,
    Quarantine,
    clean_text,
    from_the_future,
    quarantine,
    supersedes,
)

__all__ = [
    "FUTURE_SKEW",
    "Authorship",
    "BatchEvent",
    "BatchState",
    "DoorAction",
    "DoorRefusal",
    "Quarantine",
    "QualificationStatus",
    "TransitionRefused",
    "UnitFacts",
    "clean_text",
    "door_refusal",
    "from_the_future",
    "in_force",
    "next_state",
    "quarantine",
    "supersedes",
]
