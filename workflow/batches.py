"""The batch state machine: which event moves a batch from which state to which.

    imported --push--> annotating --draw_plan--> verifying --accept--> accepted --release-->
    released;  verifying --reject--> rejected --draw_plan--> verifying (resubmission);
    any state but released --void--> void (illegal content found, V1; or a plan's decision).

A push of a batch already being annotated (or verified) changes nothing; so does a second
plan drawn while verifying (a new round). Everything else is refused with a code.
"""

from __future__ import annotations

import enum


class BatchState(enum.StrEnum):
    """Where a batch stands."""

    IMPORTED = "imported"
    ANNOTATING = "annotating"
    VERIFYING = "verifying"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    VOID = "void"
    RELEASED = "released"


class BatchEvent(enum.StrEnum):
    """What happens to a batch."""

    PUSH = "push"
    DRAW_PLAN = "draw_plan"
    ACCEPT = "accept"
    REJECT = "reject"
    VOID = "void"
    RELEASE = "release"


S = BatchState
# event -> {from state: to state}; a state absent from an event's row refuses that event.
TRANSITIONS: dict[BatchEvent, dict[BatchState, BatchState]] = {
    BatchEvent.PUSH: {
        S.IMPORTED: S.ANNOTATING,
        S.ANNOTATING: S.ANNOTATING,
        S.VERIFYING: S.VERIFYING,
        S.REJECTED: S.REJECTED,
        S.ACCEPTED: S.ACCEPTED,
    },
    BatchEvent.DRAW_PLAN: {
        S.ANNOTATING: S.VERIFYING,
        S.VERIFYING: S.VERIFYING,
        S.REJECTED: S.VERIFYING,
    },
    BatchEvent.ACCEPT: {S.VERIFYING: S.ACCEPTED},
    BatchEvent.REJECT: {S.VERIFYING: S.REJECTED},
    BatchEvent.VOID: {
        S.IMPORTED: S.VOID,
        S.ANNOTATING: S.VOID,
        S.VERIFYING: S.VOID,
        S.ACCEPTED: S.VOID,
        S.REJECTED: S.VOID,
        S.VOID: S.VOID,
    },
    BatchEvent.RELEASE: {S.ACCEPTED: S.RELEASED},
}

# Annotations still change while a batch is annotated; corrections come in until release.
ANNOTATION_STATES = frozenset({S.ANNOTATING, S.VERIFYING, S.REJECTED, S.ACCEPTED})
# Verdicts keep coming while a batch is verified and while corrections are re-reviewed.
VERDICT_STATES = frozenset({S.VERIFYING, S.REJECTED, S.ACCEPTED})


class TransitionRefused(Exception):
    """An event that the batch's state does not admit; `code` names the refusal."""

    code = "batch_transition_refused"

    def __init__(self, state: BatchState, event: BatchEvent) -> None:
        super().__init__(f"a batch in state {state} cannot take event {event}")
        self.state = state
        self.event = event


def next_state(state: str, event: BatchEvent) -> BatchState:
    """Return the state `event` moves a batch in `state` to; raise TransitionRefused."""
    current = BatchState(state)
    target = TRANSITIONS[event].get(current)
    if target is None:
        raise TransitionRefused(current, event)
    return target


def admits(state: str, event: BatchEvent) -> bool:
    """Tell whether a batch in `state` may take `event`."""
    return BatchState(state) in TRANSITIONS[event]
