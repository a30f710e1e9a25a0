"""What a person may do through the annotator's door, and why not (P4, P5, P9, L2).

A unit of work is an item to annotate (or to correct), an annotation to review, or a
practice item. Through the door a person sees and submits only units given to them, in
work they are qualified for, security data only with a grant for its rule set, and only
while the unit is open: an annotation can be changed while its batch is being annotated
(or while its correction waits), a verdict until a decision rests on it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from workflow.batches import BatchState


class DoorAction(enum.StrEnum):
    """What a person asks of a unit."""

    OPEN = "open"
    SUBMIT = "submit"
    SKIP = "skip"
    DRAFT = "draft"


class DoorRefusal(enum.StrEnum):
    """Why the door refuses."""

    NOT_YOURS = "not_yours"
    NO_SECURITY_GRANT = "no_security_grant"
    NOT_QUALIFIED = "not_qualified"
    NOT_IN_LABEL_STUDIO = "not_in_label_studio"
    CLOSED = "closed"
    LOCKED = "locked"


@dataclass(frozen=True)
class UnitFacts:
    """What the door knows of one unit and the person asking for it."""

    kind: str  # "annotate", "review" or "practice"
    assigned: bool
    batch_state: str | None = None
    security: bool = False
    security_grant: bool = False
    qualified: bool = True
    in_label_studio: bool = True
    submitted: bool = False
    correction_open: bool = False
    settled: bool = False


# A first annotation may be made while the batch is annotated, or for an open correction
# in any state before release; an annotation already made may change only while annotated.
_FIRST_ANNOTATION = frozenset({BatchState.ANNOTATING})
_CORRECTION = frozenset(
    {BatchState.ANNOTATING, BatchState.VERIFYING, BatchState.REJECTED, BatchState.ACCEPTED}
)
_REVIEW = frozenset({BatchState.VERIFYING, BatchState.REJECTED, BatchState.ACCEPTED})


def door_refusal(unit: UnitFacts, action: DoorAction) -> DoorRefusal | None:
    """Return why `action` on `unit` is refused, or None when it is allowed."""
    if not unit.assigned:
        return DoorRefusal.NOT_YOURS
    if unit.security and not unit.security_grant:
        return DoorRefusal.NO_SECURITY_GRANT
    if not unit.qualified and unit.kind != "practice":
        return DoorRefusal.NOT_QUALIFIED
    if not unit.in_label_studio:
        return DoorRefusal.NOT_IN_LABEL_STUDIO
    if action == DoorAction.OPEN or unit.kind == "practice":
        return None
    return _closed(unit)


def _closed(unit: UnitFacts) -> DoorRefusal | None:
    state = BatchState(unit.batch_state) if unit.batch_state else None
    if unit.kind == "review":
        if unit.submitted and unit.settled:
            return DoorRefusal.LOCKED  # a decision already rests on this verdict
        return None if state in _REVIEW else DoorRefusal.CLOSED
    if unit.correction_open:
        return None if state in _CORRECTION else DoorRefusal.CLOSED
    if state not in _FIRST_ANNOTATION:
        return DoorRefusal.LOCKED if unit.submitted else DoorRefusal.CLOSED
    return None
