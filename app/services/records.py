"""The one store of what Label Studio holds: annotations and verifiers' verdicts (R7, L1).

Every way a record arrives ends here: a submission through the door, a webhook notice
(the record re-read from Label Studio, never taken from the delivery body), and
reconciliation. The rules are the workflow core's (`workflow.records`): the newest version
wins and a deleted record stays deleted; a record dated beyond the clock skew is refused;
NUL characters are removed; a record Label Studio keeps under another batch is never moved;
one made by someone unknown, deactivated, unassigned, unqualified (or, for a verdict, who
worked on the batch), or whose result does not fit the rules, is stored but quarantined
with a reason code.

What differs between annotations and verdicts (the row, the unit it belongs to, how the
result is read, what a counted verdict sets off) is a `RecordKind`; the annotation kind is
here, the verdict kind in `app.services.verification.verdicts`.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.integrations.label_studio_gateway import LSAnnotation
from app.models import (
    Annotation,
    Assignment,
    Batch,
    Item,
    LabelStudioAccount,
    Qualification,
    RuleVersion,
    User,
    utcnow,
)
from app.services import audit
from app.services.rule_versions import rule_set_of
from labeling_rules import ResultError, normalise_result
from workflow import Authorship, Quarantine, clean_text, from_the_future, quarantine, supersedes
from workflow.records import active_at

BULK = 1000
# Looks an unlinked Label Studio account's e-mail up (the gateway's `user_email`).
EmailLookup = Callable[[int], str | None]


@dataclass
class IngestReport:
    """Counts of what one submission, delivery or sync did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    quarantined: int = 0
    unknown_task: int = 0
    refused: int = 0
    problems: list[str] = field(default_factory=list)
    conflicts: list[tuple[int, int]] = field(default_factory=list)

    def merge(self, other: IngestReport) -> None:
        """Add another report's counts to this one."""
        for f in dataclasses.fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, list):
                mine.extend(theirs)
            else:
                setattr(self, f.name, mine + theirs)


def jsonable(value):
    """Return `value` with dataclasses (spans) turned into dicts, for JSON columns."""
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def cleaned(ann: LSAnnotation) -> LSAnnotation:
    """Return the annotation with NUL removed from its result (PostgreSQL refuses NUL)."""
    result = clean_text(ann.result)
    return ann if result == ann.result else dataclasses.replace(ann, result=result)


class Context:
    """What storing records of one batch reads once: rows, people, qualifications, units.

    Reads are bounded by the records stored: each `store` call reads the rows, units and
    assignments of its own records (`RecordKind.prepare`) in a few queries, and keeps them
    for the next call on the same context (a sync stores a batch piece by piece).
    """

    def __init__(self, session: Session, kind: RecordKind, batch: Batch,
                 email_lookup: EmailLookup | None = None) -> None:
        self.session, self.kind, self.batch = session, kind, batch
        self.version = session.get(RuleVersion, batch.rule_version_id)
        self.rules = rule_set_of(self.version)
        self.email_lookup = email_lookup
        self.rows: dict[int, Any] = {}
        self.accounts: dict[int, int | None] = {}  # Label Studio account -> user, as read
        self.users: dict[int, User | None] = {}
        self._by_email: dict[int, User | None] = {}
        self._qualifications: dict[int, list[Qualification]] | None = None

    def add_rows(self, ls_ids: Iterable[int]) -> None:
        """Read the stored records with these Label Studio ids (a sync does it per piece)."""
        model = self.kind.model
        ids = [i for i in ls_ids if i not in self.rows]
        for start in range(0, len(ids), 1000):
            self.rows.update((row.ls_annotation_id, row) for row in self.session.scalars(
                select(model).where(model.ls_server == self.batch.ls_server,
                                    model.ls_annotation_id.in_(ids[start:start + 1000]))))

    def add_accounts(self, ls_user_ids: Iterable[int | None]) -> None:
        """Read which workbench users these Label Studio accounts belong to."""
        ids = sorted({i for i in ls_user_ids if i is not None} - set(self.accounts))
        for start in range(0, len(ids), 1000):
            piece = ids[start:start + 1000]
            self.accounts.update(dict.fromkeys(piece))
            self.accounts.update(self.session.execute(
                select(LabelStudioAccount.ls_user_id, LabelStudioAccount.user_id).where(
                    LabelStudioAccount.ls_server == self.batch.ls_server,
                    LabelStudioAccount.ls_user_id.in_(piece))).all())

    def user(self, ls_user_id: int | None) -> User | None:
        """Return the workbench user behind a Label Studio account: by link, else by e-mail."""
        if ls_user_id is None:
            return None
        user_id = self.accounts.get(ls_user_id)
        if user_id is not None:
            if user_id not in self.users:
                self.users[user_id] = self.session.get(User, user_id)
            return self.users[user_id]
        if ls_user_id not in self._by_email:
            email = self.email_lookup(ls_user_id) if self.email_lookup else None
            self._by_email[ls_user_id] = (self.session.scalar(
                select(User).where(User.email == email.lower())) if email else None)
        return self._by_email[ls_user_id]

    def qualified(self, user_id: int, at: datetime) -> bool:
        """Tell whether the user held a qualification in force for the batch's rules at `at`."""
        if self._qualifications is None:
            self._qualifications = {}
            for q in self.session.scalars(select(Qualification).where(
                    Qualification.rule_set_id == self.version.rule_set_id,
                    Qualification.major_version == self.version.major)):
                self._qualifications.setdefault(q.user_id, []).append(q)
        return any(q.in_force(at) for q in self._qualifications.get(user_id, ()))


class RecordKind(abc.ABC):
    """What storing one kind of record needs; see `AnnotationKind` and the verdict kind."""

    name: str
    model: type
    audit_type: str
    acts = False  # whether a counted record sets something off (`counted`)

    def context(self, session: Session, batch: Batch, ls_ids: Iterable[int] = (),
                email_lookup: EmailLookup | None = None) -> Context:
        """Return a context for storing records of `batch` (rows of `ls_ids` read now)."""
        context = Context(session, self, batch, email_lookup)
        context.add_rows(ls_ids)
        self.start(context)
        return context

    def start(self, context: Context) -> None:  # noqa: B027 - an optional hook
        """Set up the kind's look-up caches on a new context."""

    def prepare(  # noqa: B027 - an optional hook
            self, context: Context, annotations: list[LSAnnotation]) -> None:
        """Read, in a few queries, what storing these records will look up."""

    @abc.abstractmethod
    def project_id(self, session: Session, batch: Batch) -> int | None:
        """Return the Label Studio project holding this kind's records of `batch`."""

    @abc.abstractmethod
    def unit(self, context: Context, ann: LSAnnotation):
        """Return the unit (item, review task) a record belongs to, or None."""

    @abc.abstractmethod
    def authorship(self, context: Context, unit, user: User | None,
                   ann: LSAnnotation) -> Authorship:
        """Return what is known of the record's author when it was made."""

    @abc.abstractmethod
    def interpret(self, context: Context, ann: LSAnnotation) -> tuple[Any, str | None]:
        """Return the record's result read by the rules, and an error if it does not fit."""

    def new_row(self, batch: Batch, ann: LSAnnotation):
        """Return a new row for a record first seen."""
        return self.model(ls_annotation_id=ann.id, ls_server=batch.ls_server,
                          batch_id=batch.id, rule_version_id=batch.rule_version_id)

    @abc.abstractmethod
    def fill(self, row, unit, user: User | None, ann: LSAnnotation, value, source: str) -> None:
        """Write the record's fields into its row."""

    @abc.abstractmethod
    def audit_entry(self, row, unit, user: User | None, context: Context) -> dict:
        """Return what the audit trail records of the stored record."""

    @abc.abstractmethod
    def audit_before(self, row) -> dict:
        """Return what the audit trail records of a row about to change."""

    def counted(  # noqa: B027 - an optional hook
            self, session: Session, context: Context, unit, row) -> None:
        """Do what a counted record sets off (verdicts act; annotations do nothing)."""

    @property
    def ingest_action(self) -> str:
        return f"{self.name}.ingest"

    @property
    def update_action(self) -> str:
        return f"{self.name}.update"

    @property
    def delete_action(self) -> str:
        return f"{self.name}.delete"


def author_active(user: User, at: datetime) -> bool:
    """Tell whether the account was active when the record was made."""
    return active_at(active_now=user.is_active_account, deactivated_at=user.deactivated_at,
                     at=at)


class AnnotationKind(RecordKind):
    """Annotations of a batch's items, in the batch's own project."""

    name = "annotation"
    model = Annotation
    audit_type = "annotation"

    def start(self, context: Context) -> None:
        context.items, context.items_by_task, context.assigned = {}, {}, {}
        context.seen_tasks, context.seen_items = set(), set()

    def prepare(self, context: Context, annotations: list[LSAnnotation]) -> None:
        session, batch = context.session, context.batch
        tasks = sorted({a.task_id for a in annotations} - context.seen_tasks)
        wanted = sorted({int(a.item_id) for a in annotations
                         if a.item_id is not None and a.item_id.isdigit()}
                        - context.seen_items)
        context.seen_tasks.update(tasks)
        new_items = []
        for start in range(0, max(len(tasks), len(wanted)), 1000):
            for item in session.scalars(select(Item).where(
                    Item.batch_id == batch.id,
                    Item.ls_task_id.in_(tasks[start:start + 1000])
                    | Item.id.in_(wanted[start:start + 1000]))):
                if item.id not in context.items:
                    context.items[item.id] = item
                    new_items.append(item.id)
                if item.ls_task_id is not None:
                    context.items_by_task[item.ls_task_id] = item
        context.seen_items.update(wanted)
        for start in range(0, len(new_items), 1000):
            for item_id, user_id, revoked_at in session.execute(
                    select(Assignment.item_id, Assignment.user_id, Assignment.revoked_at).where(
                        Assignment.item_id.in_(new_items[start:start + 1000]),
                        Assignment.role == "annotator")):
                context.assigned[(item_id, user_id)] = revoked_at

    def project_id(self, session: Session, batch: Batch) -> int | None:
        return batch.ls_project_id

    def unit(self, context: Context, ann: LSAnnotation) -> Item | None:
        if ann.item_id is not None and ann.item_id.isdigit():
            item = context.items.get(int(ann.item_id))
            if item is not None and item.ls_task_id in (None, ann.task_id):
                return item
        return context.items_by_task.get(ann.task_id)

    def authorship(self, context: Context, unit: Item, user: User | None,
                   ann: LSAnnotation) -> Authorship:
        if user is None:
            return Authorship(known=False)
        key = (unit.id, user.id)
        revoked_at = context.assigned.get(key)
        return Authorship(
            known=True,
            active=author_active(user, ann.created_at),
            assigned=key in context.assigned and (revoked_at is None
                                                  or revoked_at > ann.created_at),
            qualified=context.qualified(user.id, ann.created_at),
        )

    def interpret(self, context: Context, ann: LSAnnotation) -> tuple[Any, str | None]:
        if ann.was_cancelled:
            return None, None
        try:
            return jsonable(normalise_result(context.rules, ann.result)), None
        except ResultError as err:
            return None, str(err)

    def fill(self, row: Annotation, unit: Item, user: User | None, ann: LSAnnotation, value,
             source: str) -> None:
        row.ls_task_id, row.item_id = ann.task_id, unit.id
        row.user_id, row.ls_user_id = (user.id if user else None), ann.completed_by_id
        row.result_raw, row.result = ann.result, value
        row.lead_time, row.was_cancelled = ann.lead_time, ann.was_cancelled
        row.ls_created_at, row.ls_updated_at = ann.created_at, ann.updated_at
        row.source, row.ingested_at = source, utcnow()

    def audit_before(self, row: Annotation) -> dict:
        return {"result": row.result, "quarantined": row.quarantined}

    def audit_entry(self, row: Annotation, unit: Item, user: User | None,
                    context: Context) -> dict:
        return {"ls_id": row.ls_annotation_id, "item": unit.id,
                "user": user.email if user else None,
                "rule_version": context.version.label, "result": row.result,
                "quarantined": row.quarantine_reason}


ANNOTATIONS = AnnotationKind()


def quarantine_params(code: Quarantine | None, user: User | None, ann: LSAnnotation,
                      context: Context, error: str | None) -> dict | None:
    """Return what the reason's message names (who, which rule set, what is wrong)."""
    if code is None:
        return None
    params: dict[str, Any] = {"ls_user_id": ann.completed_by_id}
    if user is not None:
        params["email"] = user.email
    if code == Quarantine.NOT_QUALIFIED:
        params.update(rule_set=context.version.rule_set.key, major=context.version.major)
    if code == Quarantine.RESULT_INVALID:
        params.update(rule_version=context.version.label, detail=(error or "")[:500])
    return params


def store(session: Session, kind: RecordKind, batch: Batch,
          annotations: Iterable[LSAnnotation], *, source: str,
          context: Context | None = None, email_lookup: EmailLookup | None = None,
          now: datetime | None = None) -> IngestReport:
    """Store or refresh records of one batch; older or repeated versions change nothing.

    Rows and their audit events are written in bulk (one flush per thousand records).
    """
    annotations = list(annotations)
    context = context or kind.context(session, batch, (), email_lookup)
    context.add_rows({a.id for a in annotations})
    context.add_accounts(a.completed_by_id for a in annotations)
    kind.prepare(context, annotations)
    now = now or utcnow()
    report, pending = IngestReport(), []
    for ann in annotations:
        _store_one(session, kind, context, cleaned(ann), source, now, report, pending)
        if len(pending) >= BULK:
            _flush(session, kind, pending)
    _flush(session, kind, pending)
    return report


def _store_one(session: Session, kind: RecordKind, context: Context, ann: LSAnnotation,
               source: str, now: datetime, report: IngestReport, pending: list) -> None:
    batch = context.batch
    if from_the_future(ann.updated_at, now):
        report.refused += 1
        report.problems.append(f"{kind.name} {ann.id}: updated_at {ann.updated_at.isoformat()} "
                               "is in the future; refused")
        return
    row = context.rows.get(ann.id)
    if row is not None and row.batch_id != batch.id:
        report.conflicts.append((ann.id, row.batch_id))
        return
    if row is not None and not supersedes(row.ls_updated_at, ann.updated_at,
                                          stored_deleted=row.deleted_at is not None):
        report.unchanged += 1
        return
    unit = kind.unit(context, ann)
    if unit is None:
        report.unknown_task += 1
        report.problems.append(f"{kind.name} {ann.id}: task {ann.task_id} is not in this batch")
        return
    user = context.user(ann.completed_by_id)
    value, error = kind.interpret(context, ann)
    code = quarantine(kind.authorship(context, unit, user, ann), error)
    created = row is None
    if created:
        row = kind.new_row(batch, ann)
        session.add(row)
        context.rows[ann.id] = row  # a repeat later in the same export finds it
    before = None if created else kind.audit_before(row)
    kind.fill(row, unit, user, ann, value, source)
    row.quarantined = code is not None
    row.quarantine_reason = None if code is None else str(code)
    row.quarantine_params = quarantine_params(code, user, ann, context, error)
    if kind.acts and code is None and value is not None:
        _flush(session, kind, pending)  # the action refers to the row by id
        session.flush()
        kind.counted(session, context, unit, row)
    pending.append((row, {
        "action": kind.ingest_action if created else kind.update_action,
        "object_type": kind.audit_type, "before": before,
        "after": kind.audit_entry(row, unit, user, context), "details": {"source": source},
    }))
    report.created += created
    report.updated += not created
    report.quarantined += code is not None


def _flush(session: Session, kind: RecordKind, pending: list) -> None:
    """Insert the queued rows and append their audit events, in order, at once."""
    if not pending:
        return
    session.flush()
    audit.record_many(session, ({**entry, "object_id": row.id} for row, entry in pending))
    pending.clear()


def mark_deleted(session: Session, kind: RecordKind, batch: Batch, ls_ids: Iterable[int], *,
                 source: str) -> IngestReport:
    """Record that Label Studio no longer has these records (kept, flagged, never counted)."""
    report = IngestReport()
    ids = list(ls_ids)
    model = kind.model
    for start in range(0, len(ids), 1000):
        for row in session.scalars(select(model).where(
                model.batch_id == batch.id, model.ls_server == batch.ls_server,
                model.ls_annotation_id.in_(ids[start:start + 1000]),
                model.deleted_at.is_(None))):
            row.deleted_at = utcnow()
            audit.record(session, kind.delete_action, kind.audit_type, row.id,
                         after={"ls_id": row.ls_annotation_id}, source=source)
            report.deleted += 1
    return report


def known_ids(session: Session, kind: RecordKind, batch: Batch) -> set[int]:
    """Return the Label Studio ids of the batch's records of this kind not marked deleted."""
    model = kind.model
    return set(session.scalars(select(model.ls_annotation_id).where(
        model.batch_id == batch.id, model.ls_server == batch.ls_server,
        model.deleted_at.is_(None))))


def held_ids(session: Session, kind: RecordKind, batch: Batch, ls_ids: Iterable[int]) -> set[int]:
    """Return those of `ls_ids` the batch already holds (deleted or not)."""
    model, ids, found = kind.model, list(ls_ids), set()
    for start in range(0, len(ids), 1000):
        found.update(session.scalars(select(model.ls_annotation_id).where(
            model.batch_id == batch.id, model.ls_server == batch.ls_server,
            model.ls_annotation_id.in_(ids[start:start + 1000]))))
    return found


def task_ids_of(session: Session, kind: RecordKind, batch: Batch,
                ls_ids: Iterable[int]) -> set[int]:
    """Return the Label Studio tasks the stored records with these ids belong to."""
    model, ids = kind.model, list(ls_ids)
    found: set[int] = set()
    for start in range(0, len(ids), 1000):
        found.update(session.scalars(select(model.ls_task_id).where(
            model.batch_id == batch.id, model.ls_server == batch.ls_server,
            model.ls_annotation_id.in_(ids[start:start + 1000]))))
    return found
