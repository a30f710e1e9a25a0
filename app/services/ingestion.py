"""Store every annotation Label Studio reports, idempotently; quarantine what must not count.

Webhook deliveries and reconciliation both end here. An annotation is keyed by its Label
Studio id and kept at the newest `updated_at` seen, so duplicated and reordered deliveries
converge to Label Studio's state. One made by someone unknown, unassigned, unqualified or
deactivated, or whose result does not fit the rules, is stored but quarantined (excluded
from every statistic and listed for QA leads).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

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
from app.services import qualifications as quals
from app.services.rule_versions import rule_set_of
from labeling_rules import ResultError, normalise_result

BULK = 1000


@dataclass
class IngestReport:
    """Counts of what one delivery or sync did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    quarantined: int = 0
    unknown_task: int = 0
    problems: list[str] = field(default_factory=list)

    def merge(self, other: IngestReport) -> None:
        """Add another report's counts to this one."""
        for f in dataclasses.fields(self):
            if f.name == "problems":
                self.problems.extend(other.problems)
            else:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def jsonable(value):
    """Return `value` with dataclasses (spans) turned into dicts, for JSON columns."""
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


class Lookups:
    """What ingesting a batch's annotations reads: rows, items, users, assignments, passes.

    A webhook delivery asks for one annotation and each answer is queried on demand; a sync
    prefetches everything for the batch with `Lookups.prefetch`, so 100,000 annotations cost
    a few queries instead of half a million.
    """

    def __init__(self, session: Session, batch: Batch) -> None:
        self.session = session
        self.batch = batch
        self.version = session.get(RuleVersion, batch.rule_version_id)
        self.rules = rule_set_of(self.version)
        self.complete = False
        self.rows: dict[int, Annotation] = {}
        self.items: dict[int, Item] = {}
        self.items_by_task: dict[int, Item] = {}
        self.users_by_ls_id: dict[int, User] = {}
        self.users_by_email: dict[str, User] = {}
        self.assigned: set[tuple[int, int]] = set()
        self.passes: dict[int, list] = {}

    @classmethod
    def prefetch(cls, session: Session, batch: Batch, ls_ids) -> Lookups:
        """Read everything ingesting `ls_ids` into `batch` needs, in a few queries."""
        found = cls(session, batch)
        found.add_rows(ls_ids)
        for item in session.scalars(select(Item).where(Item.batch_id == batch.id)):
            found.items[item.id] = item
            if item.ls_task_id is not None:
                found.items_by_task[item.ls_task_id] = item
        users = {u.id: u for u in session.scalars(select(User))}
        found.users_by_email = {u.email: u for u in users.values()}
        found.users_by_ls_id = {
            ls_id: users[user_id] for ls_id, user_id in session.execute(
                select(LabelStudioAccount.ls_user_id, LabelStudioAccount.user_id))
            if user_id in users}
        found.assigned = set(session.execute(select(Assignment.item_id, Assignment.user_id).where(
            Assignment.batch_id == batch.id, Assignment.role == "annotator")))
        for q in session.scalars(select(Qualification).where(
                Qualification.rule_set_id == found.version.rule_set_id,
                Qualification.major_version == found.version.major)):
            found.passes.setdefault(q.user_id, []).append(q)
        found.complete = True
        return found

    def add_rows(self, ls_ids) -> None:
        """Read the stored annotations with these Label Studio ids (a sync does it per piece)."""
        ids = [i for i in ls_ids if i not in self.rows]
        for start in range(0, len(ids), 1000):
            self.rows.update((row.ls_annotation_id, row) for row in self.session.scalars(
                select(Annotation).where(Annotation.ls_annotation_id.in_(ids[start:start + 1000]))))

    def row(self, ls_id: int) -> Annotation | None:
        """Return the stored annotation with this Label Studio id, if any."""
        if self.complete or ls_id in self.rows:
            return self.rows.get(ls_id)
        return self.session.scalar(select(Annotation).where(Annotation.ls_annotation_id == ls_id))

    def item(self, ann: LSAnnotation) -> Item | None:
        """Return the batch's item an annotation belongs to (by item id, else by task id)."""
        if ann.item_id is not None and ann.item_id.isdigit():
            item = (self.items.get(int(ann.item_id)) if self.complete
                    else self.session.get(Item, int(ann.item_id)))
            if item is not None and item.batch_id == self.batch.id:
                return item
        if self.complete:
            return self.items_by_task.get(ann.task_id)
        return self.session.scalar(select(Item).where(Item.batch_id == self.batch.id,
                                                      Item.ls_task_id == ann.task_id))

    def user(self, ann: LSAnnotation) -> User | None:
        """Return the workbench user behind an annotation's Label Studio author."""
        if ann.completed_by_id is not None:
            if self.complete:
                user = self.users_by_ls_id.get(ann.completed_by_id)
            else:
                account = self.session.scalar(select(LabelStudioAccount).where(
                    LabelStudioAccount.ls_user_id == ann.completed_by_id))
                user = self.session.get(User, account.user_id) if account else None
            if user is not None:
                return user
        if ann.completed_by_email:
            email = ann.completed_by_email.lower()
            if self.complete:
                return self.users_by_email.get(email)
            return self.session.scalar(select(User).where(User.email == email))
        return None

    def is_assigned(self, item: Item, user: User) -> bool:
        """Tell whether `user` was given `item` to annotate."""
        if self.complete:
            return (item.id, user.id) in self.assigned
        return self.session.scalar(select(Assignment.id).where(
            Assignment.item_id == item.id, Assignment.user_id == user.id,
            Assignment.role == "annotator")) is not None

    def qualified(self, user: User, at) -> bool:
        """Tell whether `user` held a pass for the batch's rules and major version at `at`."""
        if not self.complete:
            return quals.current(self.session, user.id, self.version.rule_set_id,
                                 self.version.major, at=at) is not None
        return any(quals.in_force(q, at) for q in self.passes.get(user.id, ()))


def quarantine_reason(lookups: Lookups, item: Item, user: User | None,
                      ann: LSAnnotation) -> str | None:
    """Return why an annotation must not count, or None when it may."""
    if user is None:
        return f"unknown Label Studio user {ann.completed_by_id}"
    if not user.is_active_account and (user.deactivated_at is None
                                       or user.deactivated_at <= ann.created_at):
        return f"{user.email} was deactivated"
    if not lookups.is_assigned(item, user):
        return f"{user.email} was not assigned this item"
    if not lookups.qualified(user, ann.created_at):
        return (f"{user.email} held no valid qualification for {lookups.version.rule_set.key} "
                f"major version {lookups.version.major} when annotating")
    return None


def upsert(session: Session, batch: Batch, ann: LSAnnotation, *, source: str,
           lookups: Lookups | None = None, pending: list | None = None) -> IngestReport:
    """Store or refresh one annotation; older or repeated reports change nothing.

    With `pending`, the row is neither flushed nor audited here: its audit entry is queued
    for `flush_pending`, which writes many at once (`ingest_many` does this).
    """
    lookups = lookups or Lookups(session, batch)
    report = IngestReport()
    row = lookups.row(ann.id)
    if row is not None and (row.deleted_at is not None
                            or (row.ls_updated_at and row.ls_updated_at >= ann.updated_at)):
        report.unchanged += 1
        return report
    item = lookups.item(ann)
    if item is None:
        report.unknown_task += 1
        report.problems.append(f"annotation {ann.id}: task {ann.task_id} is not in this batch")
        return report
    user = lookups.user(ann)
    version = lookups.version
    normalised, reason = None, quarantine_reason(lookups, item, user, ann)
    if not ann.was_cancelled:
        try:
            normalised = jsonable(normalise_result(lookups.rules, ann.result))
        except ResultError as err:
            reason = reason or f"result does not fit {version.label}: {err}"
    created = row is None
    if created:
        row = Annotation(ls_annotation_id=ann.id, batch_id=batch.id,
                         rule_version_id=batch.rule_version_id)
        session.add(row)
        lookups.rows[ann.id] = row  # A repeat later in the same export finds it.
    before = None if created else {"result": row.result, "quarantined": row.quarantined}
    row.ls_task_id = ann.task_id
    row.item_id = item.id
    row.user_id = user.id if user else None
    row.ls_user_id = ann.completed_by_id
    row.result_raw = ann.result
    row.result = normalised
    row.lead_time = ann.lead_time
    row.was_cancelled = ann.was_cancelled
    row.ls_created_at = ann.created_at
    row.ls_updated_at = ann.updated_at
    row.source = source
    row.ingested_at = utcnow()
    row.quarantined = reason is not None
    row.quarantine_reason = reason
    entry = {"action": "annotation.ingest" if created else "annotation.update",
             "object_type": "annotation", "before": before,
             "after": {"ls_id": ann.id, "item": item.id, "user": user.email if user else None,
                       "rule_version": version.label, "result": normalised,
                       "quarantined": reason}, "details": {"source": source}}
    if pending is None:
        session.flush()
        audit.record(session, entry["action"], "annotation", row.id, before=before,
                     after=entry["after"], source=source)
    else:
        pending.append((row, entry))
    report.created += created
    report.updated += not created
    report.quarantined += reason is not None
    return report


def flush_pending(session: Session, pending: list) -> None:
    """Insert the queued rows and append their audit events, in order, at once."""
    if not pending:
        return
    session.flush()
    audit.record_many(session, ({**entry, "object_id": row.id} for row, entry in pending))
    pending.clear()


def ingest_many(session: Session, batch: Batch, annotations: list[LSAnnotation], *,
                source: str, lookups: Lookups | None = None) -> IngestReport:
    """Store or refresh many annotations of one batch, writing rows and audit in bulk."""
    lookups = lookups or Lookups.prefetch(session, batch, {a.id for a in annotations})
    report, pending = IngestReport(), []
    for ann in annotations:
        report.merge(upsert(session, batch, ann, source=source, lookups=lookups,
                            pending=pending))
        if len(pending) >= BULK:
            flush_pending(session, pending)
    flush_pending(session, pending)
    return report


def mark_deleted(session: Session, batch: Batch, ls_ids, *, source: str) -> IngestReport:
    """Record that Label Studio deleted these annotations (kept, flagged, never counted)."""
    report = IngestReport()
    for row in session.scalars(select(Annotation).where(
            Annotation.batch_id == batch.id, Annotation.ls_annotation_id.in_(list(ls_ids)),
            Annotation.deleted_at.is_(None))):
        row.deleted_at = utcnow()
        audit.record(session, "annotation.delete", "annotation", row.id,
                     after={"ls_id": row.ls_annotation_id}, source=source)
        report.deleted += 1
    return report
