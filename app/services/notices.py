"""Webhook notices turned into records: re-read from Label Studio, never taken from the body.

Label Studio signs nothing, and a batch's webhook secret is readable by whoever administers
Label Studio; so a delivery is only a notice that something changed. The workbench asks
Label Studio itself, with its own token, for the tasks the notice names, in the batch's own
project (Label Studio's export is scoped to one project), and only for tasks of that batch.
What comes back goes through the record store; an annotation a deletion notice names is
marked deleted only if Label Studio no longer has it. A forged notice therefore changes
nothing Label Studio does not hold.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.integrations.label_studio_gateway import LabelStudioGateway, WebhookNotice
from app.models import Batch, DoorTask, Item, ReviewTask, utcnow
from app.services import records
from app.services.records import ANNOTATIONS, IngestReport, RecordKind
from app.services.verification.verdicts import VERDICTS

KINDS: dict[str, RecordKind] = {ANNOTATIONS.name: ANNOTATIONS, VERDICTS.name: VERDICTS}
# Task ids per export request, sent as ids[]: Django refuses more than 1,000 query fields.
EXPORT_CHUNK = 900


@dataclass(frozen=True)
class Notice:
    """What the inbox keeps of one delivery: whose records, which ids, how often tried."""

    kind: str
    batch_id: int
    action: str
    annotation_ids: tuple[int, ...] = ()
    task_ids: tuple[int, ...] = ()
    attempts: int = 0

    @classmethod
    def of(cls, kind: str, batch_id: int, notice: WebhookNotice) -> Notice:
        """Return the inbox entry for a parsed webhook body."""
        return cls(kind, batch_id, notice.action, notice.annotation_ids, notice.task_ids)

    def to_json(self) -> bytes:
        """Return the entry as compact JSON."""
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> Notice:
        """Return the entry kept as JSON; raise ValueError if it is not one."""
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("kind") not in KINDS:
            raise ValueError("not an inbox entry")
        return cls(kind=data["kind"], batch_id=int(data["batch_id"]), action=str(data["action"]),
                   annotation_ids=tuple(int(i) for i in data.get("annotation_ids", ())),
                   task_ids=tuple(int(i) for i in data.get("task_ids", ())),
                   attempts=int(data.get("attempts", 0)))

    def tried(self) -> Notice:
        """Return the same entry with one more attempt counted."""
        return Notice(self.kind, self.batch_id, self.action, self.annotation_ids,
                      self.task_ids, self.attempts + 1)

    @property
    def deleted(self) -> bool:
        """Tell whether the notice reports deleted records."""
        return self.action == "ANNOTATIONS_DELETED"


def known_tasks(session: Session, kind: RecordKind, batch: Batch,
                task_ids: Iterable[int]) -> set[int]:
    """Return those of `task_ids` that are the batch's own tasks of this kind."""
    column = Item.ls_task_id if kind is ANNOTATIONS else ReviewTask.ls_task_id
    owner = Item.batch_id if kind is ANNOTATIONS else ReviewTask.batch_id
    wanted, found = sorted(set(task_ids)), set()
    for start in range(0, len(wanted), 1000):
        found.update(session.scalars(select(column).where(
            owner == batch.id, column.in_(wanted[start:start + 1000]))))
    return found


def submitting(session: Session, kind: RecordKind, batch: Batch,
               task_ids: Iterable[int]) -> set[int]:
    """Return those of `task_ids` on which a submission through the door is under way."""
    task_ids = sorted(set(task_ids))
    if not task_ids:
        return set()
    now = utcnow()
    if kind is ANNOTATIONS:
        unit, prefix = (select(Item.ls_task_id, Item.id).where(
            Item.batch_id == batch.id, Item.ls_task_id.in_(task_ids))), "item:"
    else:
        unit, prefix = (select(ReviewTask.ls_task_id, ReviewTask.id).where(
            ReviewTask.batch_id == batch.id, ReviewTask.ls_task_id.in_(task_ids))), "review:"
    by_key = {f"{prefix}{unit_id}": task for task, unit_id in session.execute(unit)}
    busy = session.scalars(select(DoorTask.unit_key).where(
        DoorTask.batch_id == batch.id, DoorTask.unit_key.in_(list(by_key)),
        DoorTask.claim_until > now)).all()
    return {by_key[key] for key in busy}


def refresh(session: Session, gateway: LabelStudioGateway, kind: RecordKind, batch: Batch,
            notices: Iterable[Notice]) -> IngestReport:
    """Re-read from Label Studio what the notices name, and store it (one transaction's work).

    Raises LabelStudioError when Label Studio cannot answer; the caller decides to retry.
    """
    notices = list(notices)
    report = IngestReport()
    project_id = kind.project_id(session, batch)
    if project_id is None:
        report.problems.append(f"batch {batch.id} has no Label Studio project for {kind.name}s")
        return report
    gone_asked = {i for n in notices if n.deleted for i in n.annotation_ids}
    # A creation the workbench already holds (the door stored it as Label Studio answered)
    # tells nothing new; any later change comes with a notice of its own.
    created = {i for n in notices if n.action == "ANNOTATION_CREATED" for i in n.annotation_ids}
    held = records.held_ids(session, kind, batch, created)
    named = {t for n in notices if not n.deleted and not (
        n.action == "ANNOTATION_CREATED" and set(n.annotation_ids) <= held) for t in n.task_ids}
    tasks = known_tasks(session, kind, batch, named)
    report.unknown_task += len(named - tasks)
    # Label Studio sends its notice while the door's submission on that task is under way;
    # the door stores what Label Studio answers it, so reading the task now is work twice.
    tasks -= submitting(session, kind, batch, tasks)
    tasks |= records.task_ids_of(session, kind, batch, gone_asked)
    ordered = sorted(tasks)
    exported = []
    for start in range(0, len(ordered), EXPORT_CHUNK):
        piece = ordered[start:start + EXPORT_CHUNK]
        exported += gateway.export_annotations(project_id, None, piece)
    report.merge(records.store(session, kind, batch, exported, source="webhook",
                               email_lookup=gateway.user_email))
    present = {a.id for a in exported}
    report.merge(records.mark_deleted(session, kind, batch, gone_asked - present,
                                      source="webhook"))
    return report
