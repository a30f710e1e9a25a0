"""The workflow core decides batch states, qualifications, quarantine and the door alone."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from workflow import (
    Authorship,
    BatchEvent,
    BatchState,
    DoorAction,
    DoorRefusal,
    Quarantine,
    TransitionRefused,
    UnitFacts,
    clean_text,
    door_refusal,
    from_the_future,
    in_force,
    next_state,
    quarantine,
    supersedes,
)
from workflow.records import active_at

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_workflow_imports_no_flask_sqlalchemy_or_app():
    code = (
        "import sys, workflow\n"
        "roots = ('flask', 'sqlalchemy', 'app')\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in roots)))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == ""


@pytest.mark.parametrize(("state", "event", "expected"), [
    ("imported", BatchEvent.PUSH, BatchState.ANNOTATING),
    ("annotating", BatchEvent.PUSH, BatchState.ANNOTATING),
    ("annotating", BatchEvent.DRAW_PLAN, BatchState.VERIFYING),
    ("rejected", BatchEvent.DRAW_PLAN, BatchState.VERIFYING),
    ("verifying", BatchEvent.ACCEPT, BatchState.ACCEPTED),
    ("verifying", BatchEvent.REJECT, BatchState.REJECTED),
    ("accepted", BatchEvent.VOID, BatchState.VOID),
    ("accepted", BatchEvent.RELEASE, BatchState.RELEASED),
])
def test_transitions_the_table_admits(state, event, expected):
    assert next_state(state, event) == expected


@pytest.mark.parametrize(("state", "event"), [
    ("imported", BatchEvent.DRAW_PLAN),
    ("annotating", BatchEvent.ACCEPT),
    ("accepted", BatchEvent.DRAW_PLAN),
    ("released", BatchEvent.VOID),
    ("void", BatchEvent.RELEASE),
    ("rejected", BatchEvent.RELEASE),
])
def test_transitions_the_table_refuses(state, event):
    with pytest.raises(TransitionRefused) as refused:
        next_state(state, event)
    assert refused.value.code == "batch_transition_refused"
    assert (refused.value.state, refused.value.event) == (state, event)


def _q(status="valid", granted=0, until=10, ended=None):
    return {"status": status, "granted_at": T0 + timedelta(days=granted),
            "valid_until": T0 + timedelta(days=until),
            "ended_at": None if ended is None else T0 + timedelta(days=ended)}


@pytest.mark.parametrize(("facts", "day", "expected"), [
    (_q(), 5, True),
    (_q(), -1, False),               # before it was granted
    (_q(), 10, False),               # expires at valid_until
    (_q(status="suspended", ended=4), 3, True),   # counted until its end
    (_q(status="suspended", ended=4), 4, False),
    (_q(status="suspended"), 5, False),           # ended without a time: ended now
    (_q(status="lapsed", ended=12), 11, False),   # expired first
])
def test_in_force(facts, day, expected):
    assert in_force(**facts, at=T0 + timedelta(days=day)) is expected


@pytest.mark.parametrize(("author", "error", "expected"), [
    (Authorship(known=False, active=False, assigned=False), None, Quarantine.UNKNOWN_USER),
    (Authorship(known=True, active=False, assigned=False), None, Quarantine.DEACTIVATED),
    (Authorship(known=True, assigned=False, qualified=False), None, Quarantine.NOT_ASSIGNED),
    (Authorship(known=True, worked_on_batch=True, qualified=False), None,
     Quarantine.WORKED_ON_BATCH),
    (Authorship(known=True, qualified=False), "bad", Quarantine.NOT_QUALIFIED),
    (Authorship(known=True), "bad", Quarantine.RESULT_INVALID),
    (Authorship(known=True), None, None),
])
def test_quarantine_names_the_first_failed_test(author, error, expected):
    assert quarantine(author, error) == expected


def test_deactivation_counts_from_its_moment():
    assert active_at(active_now=True, deactivated_at=None, at=T0)
    assert active_at(active_now=False, deactivated_at=T0, at=T0 - timedelta(seconds=1))
    assert not active_at(active_now=False, deactivated_at=T0, at=T0)
    assert not active_at(active_now=False, deactivated_at=None, at=T0)


def test_newer_wins_and_deleted_stays_deleted():
    assert supersedes(None, T0)
    assert supersedes(T0, T0 + timedelta(microseconds=1))
    assert not supersedes(T0, T0)
    assert not supersedes(T0 + timedelta(seconds=1), T0)
    assert not supersedes(None, T0, stored_deleted=True)


def test_a_record_from_the_future_is_noticed_beyond_the_skew():
    assert not from_the_future(T0 + timedelta(minutes=4), T0)
    assert from_the_future(T0 + timedelta(minutes=6), T0)


def test_nul_is_removed_everywhere_and_nothing_else_changes():
    dirty = [{"value": {"text": ["a\x00b", "ok"], "k\x00": 1.5}, "none": None, "n": 3}]
    assert clean_text(dirty) == [{"value": {"text": ["ab", "ok"], "k": 1.5}, "none": None,
                                  "n": 3}]
    same = {"a": ["b", {"c": True}]}
    assert clean_text(same) == same


def _unit(**changes):
    facts = {"kind": "annotate", "assigned": True, "batch_state": "annotating"}
    return UnitFacts(**{**facts, **changes})


@pytest.mark.parametrize(("unit", "action", "expected"), [
    (_unit(), DoorAction.SUBMIT, None),
    (_unit(assigned=False), DoorAction.OPEN, DoorRefusal.NOT_YOURS),
    (_unit(security=True), DoorAction.OPEN, DoorRefusal.NO_SECURITY_GRANT),
    (_unit(security=True, security_grant=True), DoorAction.SUBMIT, None),
    (_unit(qualified=False), DoorAction.OPEN, DoorRefusal.NOT_QUALIFIED),
    (_unit(in_label_studio=False), DoorAction.OPEN, DoorRefusal.NOT_IN_LABEL_STUDIO),
    (_unit(batch_state="imported"), DoorAction.SUBMIT, DoorRefusal.CLOSED),
    (_unit(batch_state="verifying"), DoorAction.OPEN, None),
    (_unit(batch_state="verifying", submitted=True), DoorAction.SUBMIT, DoorRefusal.LOCKED),
    (_unit(batch_state="verifying", correction_open=True), DoorAction.SUBMIT, None),
    (_unit(batch_state="released", correction_open=True), DoorAction.SUBMIT, DoorRefusal.CLOSED),
    (_unit(kind="review", batch_state="verifying"), DoorAction.SUBMIT, None),
    (_unit(kind="review", batch_state="annotating"), DoorAction.SUBMIT, DoorRefusal.CLOSED),
    (_unit(kind="review", batch_state="verifying", submitted=True, settled=True),
     DoorAction.SUBMIT, DoorRefusal.LOCKED),
    (_unit(kind="practice", batch_state=None, qualified=False), DoorAction.SUBMIT, None),
])
def test_the_door(unit, action, expected):
    assert door_refusal(unit, action) == expected
