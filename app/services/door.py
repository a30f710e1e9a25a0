"""The annotator's door: people label in Label Studio's editor through the workbench only.

A person signs in to the workbench alone. Their queue (`queue`) holds exactly the units
given to them: items to annotate or correct in a batch, annotations to review, or the
items of their practice set. Opening a unit (`open_unit`) shows its data and the person's
own annotation or draft, nothing of anyone else's. A submission (`submit`) is checked by
the workflow core (`workflow.door`) and by the rules, written to Label Studio with the
administrator's token naming the person's account as the author, and stored in the record
store from what Label Studio answered, bound to the rule version, in the same request.

The time spent is measured here: from the moment a unit is shown until it is submitted,
summed over visits (switching to another unit closes the visit of the previous one).
Two submissions of one unit at once (a double click, two tabs) are serialised by a claim
on the person's door task; the second is refused, never duplicated. A submission cut off
after Label Studio stored it (a timeout, a restart) is recovered on the next try: the
annotation Label Studio holds for the person is updated instead of a second one made.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.integrations.label_studio_gateway import (
    ITEM_ID_FIELD,
    LabelStudioError,
    LabelStudioGateway,
    LSAnnotation,
)
from app.models import (
    Annotation,
    Assignment,
    Batch,
    BatchDecision,
    Correction,
    DoorTask,
    Item,
    PracticeAttempt,
    Qualification,
    ReviewProject,
    ReviewTask,
    RuleVersion,
    User,
    VerificationRecord,
    utcnow,
)
from app.services import audit, records, timing
from app.services.accounts import link_account
from app.services.errors import ServiceError
from app.services.isolation import may_read_batch
from app.services.practice import PRACTICE_KEY, practice_items
from app.services.push import task_data as item_task_data
from app.services.rule_versions import rule_set_of
from app.services.verification.reviews import task_data as review_task_data
from app.services.verification.verdicts import VERDICTS
from labeling_rules import ResultError, normalise_result, parse_review_result
from workflow import DoorAction, DoorRefusal, UnitFacts, door_refusal

ANNOTATE, REVIEW, PRACTICE = "annotate", "review", "practice"
KINDS = (ANNOTATE, REVIEW, PRACTICE)
CLAIM = timedelta(seconds=60)
MAX_RESULT_BYTES = 1_000_000
MAX_REASON = 500

REFUSALS = {
    DoorRefusal.NOT_YOURS: _l("This task is not in your queue."),
    DoorRefusal.NO_SECURITY_GRANT: _l("This is security data: you hold no role granted for its "
                                      "rule set."),
    DoorRefusal.NOT_QUALIFIED: _l("Your qualification for this rule set is not in force: "
                                  "complete the training again to work on it."),
    DoorRefusal.NOT_IN_LABEL_STUDIO: _l("This task has not been put into Label Studio yet; "
                                        "ask your QA lead to push the batch."),
    DoorRefusal.CLOSED: _l("This work is closed: its batch no longer takes submissions."),
    DoorRefusal.LOCKED: _l("Your answer is locked: verification has started on it."),
}


class DoorRefused(ServiceError):
    """The door refuses an action; `code` is a `workflow.DoorRefusal`."""

    status = 403

    def __init__(self, code: DoorRefusal) -> None:
        super().__init__(str(REFUSALS[code]))
        self.code = code


class NotInQueue(DoorRefused):
    """The unit is not in the person's queue (answered as not found: it may not exist)."""

    status = 404

    def __init__(self) -> None:
        super().__init__(DoorRefusal.NOT_YOURS)


class Busy(ServiceError):
    """Another submission of the same unit is under way."""

    status = 409


class BadAnswer(ServiceError):
    """The submitted result does not fit the rules (or is not a result at all)."""

    status = 422


@dataclass(frozen=True)
class Entry:
    """One unit of a person's queue, with where they stand on it."""

    key: str
    position: int
    status: str  # "todo", "draft", "submitted" or "skipped"


@dataclass
class Unit:
    """Everything the door needs to show one unit and store an answer to it."""

    kind: str
    scope_id: int
    key: str
    facts: UnitFacts
    version: RuleVersion
    ls_server: str
    ls_project_id: int | None
    ls_task_id: int | None
    data: dict[str, Any]
    batch: Batch | None = None
    target: Any = None  # the Item, ReviewTask or practice item
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label_config(self) -> str:
        return self.version.review_config if self.kind == REVIEW else self.version.label_config


@dataclass(frozen=True)
class Queue:
    """A person's queue in one batch (or practice set), in the order they work it."""

    kind: str
    scope_id: int
    title: str
    entries: tuple[Entry, ...]

    def index(self, key: str) -> int | None:
        """Return the place of `key` in the queue, or None."""
        for i, entry in enumerate(self.entries):
            if entry.key == key:
                return i
        return None

    def next_open(self, after: str | None = None) -> Entry | None:
        """Return the first unit not yet submitted or skipped (after `after`, wrapping)."""
        start = 0 if after is None else (self.index(after) or 0) + 1
        ordered = self.entries[start:] + self.entries[:start]
        return next((e for e in ordered if e.status in ("todo", "draft")), None)

    @property
    def done(self) -> int:
        return sum(e.status in ("submitted", "skipped") for e in self.entries)


def _shuffled(keys: list[str], seed: str) -> list[str]:
    """Return `keys` in an order of the person's own, the same at every visit."""
    return sorted(keys, key=lambda k: hashlib.sha256(f"{seed}:{k}".encode()).digest())


# ---------------------------------------------------------------------------------------
# Queues


def queue(session: Session, user: User, kind: str, scope_id: int) -> Queue:
    """Return the person's queue of `kind` in the batch or practice attempt `scope_id`."""
    if kind not in KINDS:
        raise NotInQueue()
    if kind == PRACTICE:
        attempt = _own_attempt(session, user, scope_id)
        keys = [f"practice:{attempt.id}:{item.key}"
                for item in _practice_items(session, attempt)]
        title = str(_("Practice: %(version)s", version=_version(session, attempt).label))
    else:
        batch = session.get(Batch, scope_id)
        if batch is None:
            raise NotInQueue()
        title = batch.name
        if kind == ANNOTATE:
            keys = [f"item:{i}" for i in session.scalars(select(Assignment.item_id).where(
                Assignment.batch_id == batch.id, Assignment.user_id == user.id,
                Assignment.role == "annotator", Assignment.revoked_at.is_(None)))]
            keys = _shuffled(keys, f"{batch.id}:{user.id}")
        else:
            keys = [f"review:{t}" for t in session.scalars(select(ReviewTask.id).where(
                ReviewTask.batch_id == batch.id, ReviewTask.reviewer_id == user.id)
                .order_by(ReviewTask.id))]
    states = {t.unit_key: t for t in session.scalars(select(DoorTask).where(
        DoorTask.kind == kind, DoorTask.user_id == user.id, DoorTask.unit_key.in_(keys)))}
    stored = _stored_units(session, user, kind, scope_id)
    entries = tuple(Entry(key, n, _status(states.get(key), key in stored))
                    for n, key in enumerate(keys, start=1))
    return Queue(kind, scope_id, title, entries)


def _status(task: DoorTask | None, stored: bool) -> str:
    if task is not None and task.skip_reason and task.submitted_at:
        return "skipped"
    if task is not None and _has_draft(task):
        return "draft"
    if (task is not None and task.submitted_at) or stored:
        return "submitted"
    return "todo"


def _has_draft(task: DoorTask) -> bool:
    """Tell whether the person kept a draft newer than their last submission."""
    return task.draft_at is not None and (task.submitted_at is None
                                          or task.draft_at > task.submitted_at)


def _stored_units(session: Session, user: User, kind: str, scope_id: int) -> set[str]:
    """Return the person's units that already hold a record (made here or in Label Studio)."""
    if kind == ANNOTATE:
        return {f"item:{i}" for i in session.scalars(select(Annotation.item_id).where(
            Annotation.batch_id == scope_id, Annotation.user_id == user.id,
            Annotation.deleted_at.is_(None)))}
    if kind == REVIEW:
        return {f"review:{t}" for t in session.scalars(select(VerificationRecord.task_id).where(
            VerificationRecord.batch_id == scope_id, VerificationRecord.verifier_id == user.id,
            VerificationRecord.deleted_at.is_(None)))}
    return set()


# ---------------------------------------------------------------------------------------
# Units


def unit(session: Session, user: User, kind: str, scope_id: int, key: str) -> Unit:
    """Return the unit `key` of the person's queue; raise NotInQueue when it is not theirs."""
    if kind == ANNOTATE and key.startswith("item:") and key[5:].isdigit():
        return _annotate_unit(session, user, scope_id, int(key[5:]))
    if kind == REVIEW and key.startswith("review:") and key[7:].isdigit():
        return _review_unit(session, user, scope_id, int(key[7:]))
    if kind == PRACTICE and key.startswith(f"practice:{scope_id}:"):
        return _practice_unit(session, user, scope_id, key.split(":", 2)[2])
    raise NotInQueue()


def _qualified_now(session: Session, user: User, version: RuleVersion) -> bool:
    return session.scalar(select(Qualification.id).where(
        Qualification.user_id == user.id, Qualification.rule_set_id == version.rule_set_id,
        Qualification.major_version == version.major,
        Qualification.in_force(utcnow())).limit(1)) is not None


def _annotate_unit(session: Session, user: User, batch_id: int, item_id: int) -> Unit:
    item = session.get(Item, item_id)
    batch = session.get(Batch, batch_id)
    if item is None or batch is None or item.batch_id != batch.id:
        raise NotInQueue()
    assignment = session.scalar(select(Assignment).where(
        Assignment.item_id == item.id, Assignment.user_id == user.id,
        Assignment.role == "annotator", Assignment.revoked_at.is_(None)))
    if assignment is None:
        raise NotInQueue()
    version = session.get(RuleVersion, batch.rule_version_id)
    rules = rule_set_of(version)
    submitted = session.scalar(select(Annotation.id).where(
        Annotation.item_id == item.id, Annotation.user_id == user.id,
        Annotation.deleted_at.is_(None)).limit(1)) is not None
    correction = session.scalar(select(Correction.id).where(
        Correction.item_id == item.id, Correction.corrector_id == user.id,
        Correction.status == "assigned").limit(1)) is not None
    facts = UnitFacts(
        kind=ANNOTATE, assigned=True, batch_state=batch.state,
        security=batch.kind == "security", security_grant=may_read_batch(session, user, batch),
        qualified=_qualified_now(session, user, version),
        in_label_studio=batch.ls_project_id is not None and item.ls_task_id is not None,
        submitted=submitted, correction_open=correction,
    )
    data = _shown(item_task_data(item, [f.name for f in rules.fields]))
    return Unit(ANNOTATE, batch.id, f"item:{item.id}", facts, version, batch.ls_server,
                batch.ls_project_id, item.ls_task_id, data, batch, item, batch.name)


def _review_unit(session: Session, user: User, batch_id: int, task_id: int) -> Unit:
    task = session.get(ReviewTask, task_id)
    batch = session.get(Batch, batch_id)
    if task is None or batch is None or task.batch_id != batch.id or task.reviewer_id != user.id:
        raise NotInQueue()
    version = session.get(RuleVersion, batch.rule_version_id)
    rules = rule_set_of(version)
    project = session.scalar(select(ReviewProject.ls_project_id).where(
        ReviewProject.batch_id == batch.id))
    submitted = session.scalar(select(VerificationRecord.id).where(
        VerificationRecord.task_id == task.id, VerificationRecord.verifier_id == user.id,
        VerificationRecord.deleted_at.is_(None)).limit(1)) is not None
    facts = UnitFacts(
        kind=REVIEW, assigned=True, batch_state=batch.state,
        security=batch.kind == "security", security_grant=may_read_batch(session, user, batch),
        qualified=_qualified_now(session, user, version),
        in_label_studio=project is not None and task.ls_task_id is not None,
        submitted=submitted, settled=_settled(session, task),
    )
    item = session.get(Item, task.item_id)
    annotation = session.get(Annotation, task.annotation_id)
    data = _shown(review_task_data(task, item, annotation, rules))
    return Unit(REVIEW, batch.id, f"review:{task.id}", facts, version, batch.ls_server,
                project, task.ls_task_id, data, batch, task, batch.name)


def _settled(session: Session, task: ReviewTask) -> bool:
    """Tell whether a decision already rests on the task's verdict."""
    if task.purpose == "re_review" and task.correction_id is not None:
        correction = session.get(Correction, task.correction_id)
        return correction is not None and correction.status in ("archived", "re_review_failed",
                                                                "superseded")
    if task.plan_id is None:
        return False
    return session.scalar(select(BatchDecision.id).where(
        BatchDecision.plan_id == task.plan_id).limit(1)) is not None


def _own_attempt(session: Session, user: User, attempt_id: int) -> PracticeAttempt:
    attempt = session.get(PracticeAttempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        raise NotInQueue()
    return attempt


def _version(session: Session, attempt: PracticeAttempt) -> RuleVersion:
    return session.get(RuleVersion, attempt.rule_version_id)


def _practice_items(session: Session, attempt: PracticeAttempt):
    return practice_items(_version(session, attempt))


def _practice_unit(session: Session, user: User, attempt_id: int, item_key: str) -> Unit:
    attempt = _own_attempt(session, user, attempt_id)
    version = _version(session, attempt)
    rules = rule_set_of(version)
    item = next((i for i in _practice_items(session, attempt) if i.key == item_key), None)
    if item is None:
        raise NotInQueue()
    task_ids = (attempt.answers or {}).get("tasks", {})
    facts = UnitFacts(kind=PRACTICE, assigned=attempt.state == "open",
                      in_label_studio=item_key in task_ids)
    data = _shown({**{f.name: "" for f in rules.fields}, **item.data})
    return Unit(PRACTICE, attempt.id, f"practice:{attempt.id}:{item_key}", facts, version,
                attempt.ls_server,
                attempt.ls_project_id, task_ids.get(item_key), data, None, item,
                str(_("Practice: %(version)s", version=version.label)))


def _shown(data: dict[str, Any]) -> dict[str, Any]:
    """Return task data as the editor gets it: the workbench's own keys left out."""
    return {k: v for k, v in data.items() if k not in (ITEM_ID_FIELD, PRACTICE_KEY)}


def check(unit_: Unit, action: DoorAction) -> None:
    """Raise DoorRefused unless the workflow core allows `action` on the unit."""
    refusal = door_refusal(unit_.facts, action)
    if refusal is not None:
        raise DoorRefused(refusal)


# ---------------------------------------------------------------------------------------
# What a person does


def _door_task(session: Session, user: User, unit_: Unit) -> DoorTask:
    task = session.scalar(select(DoorTask).where(
        DoorTask.kind == unit_.kind, DoorTask.unit_key == unit_.key, DoorTask.user_id == user.id))
    if task is None:
        task = DoorTask(kind=unit_.kind, unit_key=unit_.key, user_id=user.id,
                        batch_id=unit_.batch.id if unit_.batch else None,
                        ls_server=unit_.ls_server, lead_seconds=0.0)
        session.add(task)
        session.flush()
    return task


def open_unit(session: Session, user: User, unit_: Unit, *,
              now: datetime | None = None) -> dict[str, Any]:
    """Show a unit: start timing the visit; return the person's own answer or draft."""
    check(unit_, DoorAction.OPEN)
    now = now or utcnow()
    task = _door_task(session, user, unit_)
    for other in session.scalars(select(DoorTask).where(
            DoorTask.user_id == user.id, DoorTask.opened_at.is_not(None), DoorTask.id != task.id)):
        other.lead_seconds += max(0.0, (now - other.opened_at).total_seconds())
        other.opened_at = None
    if task.opened_at is None:
        task.opened_at = now
    own = _own_result(session, user, unit_, task)
    draft_newer = _has_draft(task)
    return {"result": task.draft if draft_newer else own,
            "submitted": own is not None or unit_.facts.submitted,
            "is_draft": draft_newer, "skip_reason": task.skip_reason,
            "refusal": door_refusal(unit_.facts, DoorAction.SUBMIT)}


def _own_result(session: Session, user: User, unit_: Unit, task: DoorTask) -> list | None:
    """Return the result of the person's own stored record of the unit, if any."""
    if unit_.kind == ANNOTATE:
        row = session.scalar(select(Annotation).where(
            Annotation.item_id == unit_.target.id, Annotation.user_id == user.id,
            Annotation.deleted_at.is_(None)).order_by(Annotation.id.desc()).limit(1))
    elif unit_.kind == REVIEW:
        row = session.scalar(select(VerificationRecord).where(
            VerificationRecord.task_id == unit_.target.id,
            VerificationRecord.verifier_id == user.id,
            VerificationRecord.deleted_at.is_(None)).order_by(VerificationRecord.id.desc())
            .limit(1))
    else:  # practice answers are kept in Label Studio; the last one is kept here too
        return task.draft if task.submitted_at and not _has_draft(task) else None
    if row is None or getattr(row, "was_cancelled", False):
        return None
    return row.result_raw


def _checked_result(result: Any) -> list[dict]:
    if not isinstance(result, list) or not all(isinstance(r, dict) for r in result):
        raise BadAnswer(_("The editor sent no answer the workbench can read. Reload the page "
                          "and try again."))
    if len(repr(result)) > MAX_RESULT_BYTES:
        raise BadAnswer(_("The answer is too large to store."))
    return result


def _validated(unit_: Unit, result: list[dict]) -> None:
    """Raise BadAnswer, naming what is wrong, if the result does not fit the rules."""
    rules = rule_set_of(unit_.version)
    try:
        if unit_.kind == REVIEW:
            parse_review_result(rules, result)
        else:
            normalise_result(rules, result)
    except ResultError as err:
        raise BadAnswer(_("Your answer does not fit the rules: %(detail)s", detail=str(err))) \
            from err


def save_draft(session: Session, user: User, unit_: Unit, result: Any) -> DoorTask:
    """Keep the person's unfinished answer (only here: Label Studio gets finished work)."""
    check(unit_, DoorAction.DRAFT)
    task = _door_task(session, user, unit_)
    task.draft, task.draft_at = _checked_result(result), utcnow()
    return task


def _claim(session: Session, task: DoorTask, now: datetime) -> bool:
    """Take the unit's submission claim; return whether an earlier one was cut off.

    Committed at once, so that a second request sees it. Raises Busy while another holds it.
    """
    previous = task.claim_until
    won = session.execute(update(DoorTask).where(
        DoorTask.id == task.id,
        (DoorTask.claim_until.is_(None)) | (DoorTask.claim_until < now),
    ).values(claim_until=now + CLAIM)).rowcount
    session.commit()
    if not won:
        raise Busy(_("This task is being submitted already (another tab or a double "
                     "click). Wait a moment and reload."))
    session.refresh(task)
    return previous is not None


def submit(session: Session, gateway: LabelStudioGateway, user: User, unit_: Unit,
           result: Any, *, skip_reason: str | None = None,
           now: datetime | None = None) -> LSAnnotation:
    """Store the person's answer (or skip) in Label Studio as them, and here, at once."""
    action = DoorAction.SKIP if skip_reason is not None else DoorAction.SUBMIT
    check(unit_, action)
    if skip_reason is not None:
        if unit_.kind == PRACTICE:
            raise BadAnswer(_("Practice items cannot be skipped: answer each one."))
        skip_reason = skip_reason.strip()
        if not skip_reason or len(skip_reason) > MAX_REASON:
            raise BadAnswer(_("Say why you skip this task (1 to %(n)d characters).",
                              n=MAX_REASON))
        result = []
    else:
        result = _checked_result(result)
        _validated(unit_, result)
    now = now or utcnow()
    task = _door_task(session, user, unit_)
    interrupted = _claim(session, task, now)
    try:
        stored = _write(session, gateway, user, unit_, task, result, skip_reason, interrupted,
                        now)
    except Exception:
        session.rollback()
        # Label Studio may have stored it before the failure: the next try looks first.
        session.execute(update(DoorTask).where(DoorTask.id == task.id).values(claim_until=now))
        session.commit()
        raise
    return stored


def _write(session: Session, gateway: LabelStudioGateway, user: User, unit_: Unit,
           task: DoorTask, result: list, skip_reason: str | None, interrupted: bool,
           now: datetime) -> LSAnnotation:
    visit = (now - task.opened_at).total_seconds() if task.opened_at else 0.0
    lead = round(task.lead_seconds + max(0.0, visit), 3)
    cancelled = skip_reason is not None
    try:
        with timing.spent("ls"):
            author = link_account(session, gateway, user, unit_.ls_server)
            existing = task.ls_annotation_id
            if existing is None and interrupted:
                existing = _recover(gateway, unit_, author)
            if existing is None:
                stored = gateway.create_annotation(unit_.ls_task_id, result, lead,
                                                   completed_by=author,
                                                   was_cancelled=cancelled)
            else:
                stored = gateway.update_annotation(existing, result, lead,
                                                   was_cancelled=cancelled)
    except LabelStudioError as err:
        raise ServiceError(_("Label Studio did not store your answer (%(detail)s). Nothing "
                             "was lost: try again in a moment.", detail=err.detail[:200])) \
            from err
    first = task.ls_annotation_id is None
    task.ls_annotation_id, task.lead_seconds, task.opened_at = stored.id, lead, None
    task.submitted_at, task.skip_reason, task.claim_until = now, skip_reason, None
    task.draft = result if unit_.kind == PRACTICE else None
    task.draft_at = None
    audit.record(session, "door.skip" if cancelled else ("door.submit" if first else
                                                         "door.update"),
                 "door_task", task.id,
                 after={"unit": unit_.key, "kind": unit_.kind, "ls_annotation": stored.id,
                        "lead_time": lead, "rule_version": unit_.version.label,
                        "reason": skip_reason})
    session.commit()  # the submission is Label Studio's now; the door knows it
    _store(session, gateway, unit_, stored)
    return stored


def _recover(gateway: LabelStudioGateway, unit_: Unit, author: int) -> int | None:
    """Return the annotation Label Studio already holds by the person on the unit's task."""
    held = [a for a in gateway.export_annotations(unit_.ls_project_id, None, [unit_.ls_task_id])
            if a.completed_by_id == author]
    return max(held, key=lambda a: a.updated_at).id if held else None


def _store(session: Session, gateway: LabelStudioGateway, unit_: Unit,
           stored: LSAnnotation) -> records.IngestReport | None:
    """Store what Label Studio stored, in a transaction of its own.

    Label Studio sends its webhook while it stores the annotation: the notice may be read
    back and stored at the same moment. Whoever comes second finds the row (the unique
    key refuses a second one) and, on this retry, leaves it as it is.
    """
    if unit_.kind == PRACTICE:
        return None
    kind = records.ANNOTATIONS if unit_.kind == ANNOTATE else VERDICTS
    for attempt in (1, 2):
        try:
            report = records.store(session, kind, unit_.batch, [stored],
                                   source="door", email_lookup=gateway.user_email)
            session.commit()
            return report
        except IntegrityError:
            session.rollback()
            if attempt == 2:
                raise
    return None
