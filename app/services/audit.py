"""Append to and verify the hash-chained audit trail (L1)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditEvent, AuditHead, utcnow
from app.services.actor import Actor, current_actor
from app.services.csv_export import csv_row

GENESIS = "0" * 64


def _canonical(event_fields: dict) -> str:
    return json.dumps(event_fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def _fields(event: AuditEvent) -> dict:
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor": event.actor,
        "actor_user_id": event.actor_user_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "summary": event.summary,
        "request_id": event.request_id,
        "client_address": event.client_address,
    }


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    """Return SHA-256 over the previous hash and the event's canonical JSON."""
    payload = prev_hash + _canonical(_fields(event))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(
    session: Session,
    action: str,
    object_type: str,
    object_id: object = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    actor: Actor | None = None,
    **details: object,
) -> AuditEvent:
    """Append one event in the caller's transaction; the chain head row is locked meanwhile."""
    actor = actor or current_actor()
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    summary: dict = {}
    if before is not None:
        summary["before"] = before
    if after is not None:
        summary["after"] = after
    summary.update(details)
    # Round-trip through JSON so what is hashed equals what the database gives back.
    summary = json.loads(_canonical(summary))
    event = AuditEvent(
        seq=head.seq + 1,
        occurred_at=utcnow(),
        actor=actor.name,
        actor_user_id=actor.user_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        summary=summary,
        request_id=actor.request_id,
        client_address=actor.client_address,
        prev_hash=head.hash,
    )
    event.hash = event_hash(head.hash, event)
    head.seq = event.seq
    head.hash = event.hash
    session.add(event)
    session.flush()
    return event


def record_many(session: Session, entries: Iterable[dict], *,
                actor: Actor | None = None) -> list[AuditEvent]:
    """Append many events under one lock of the chain head, in order, with one flush.

    Each entry holds `action`, `object_type`, `object_id` and optionally `before`, `after`
    and `details` (a dict), as `record` takes them. Bulk work (a reconciliation of 100,000
    annotations) would otherwise lock, read and write the head once per event.
    """
    actor = actor or current_actor()
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
    events = []
    seq, prev = head.seq, head.hash
    for entry in entries:
        summary: dict = {}
        if entry.get("before") is not None:
            summary["before"] = entry["before"]
        if entry.get("after") is not None:
            summary["after"] = entry["after"]
        summary.update(entry.get("details") or {})
        seq += 1
        event = AuditEvent(
            seq=seq, occurred_at=utcnow(), actor=actor.name, actor_user_id=actor.user_id,
            action=entry["action"], object_type=entry["object_type"],
            object_id=None if entry.get("object_id") is None else str(entry["object_id"]),
            summary=json.loads(_canonical(summary)), request_id=actor.request_id,
            client_address=actor.client_address, prev_hash=prev,
        )
        event.hash = prev = event_hash(prev, event)
        events.append(event)
    head.seq, head.hash = seq, prev
    session.add_all(events)
    session.flush()
    return events


@dataclass(frozen=True)
class ChainReport:
    """The result of checking the chain: ok, how many events, and the first problem found."""

    ok: bool
    events: int
    head_hash: str
    problem: str | None = None
    event_id: int | None = None
    seq: int | None = None


PURGE_ACTION = "retention.purge"


def chain_start(session: Session) -> tuple[int, str]:
    """Return where the chain must start: seq 1 from the genesis hash, or, after a retention
    purge, the first kept event and the hash it links to, as the (chained) purge event says."""
    first = session.scalar(select(func.min(AuditEvent.seq)))
    if first is None or first == 1:
        return 1, GENESIS
    for anchor in session.scalars(select(AuditEvent).where(AuditEvent.action == PURGE_ACTION)
                                  .order_by(AuditEvent.seq.desc())):
        kept = anchor.summary.get("kept_from_seq")
        if kept == first and anchor.seq >= first:
            return first, str(anchor.summary.get("kept_from_prev_hash"))
    return 1, GENESIS


def verify_chain(session: Session, *, batch: int = 5000) -> ChainReport:
    """Recompute every hash and name the first event altered, inserted or removed."""
    expected_seq, prev_hash = chain_start(session)
    count = 0
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq >= expected_seq).order_by(AuditEvent.seq)
            .limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            if event.seq != expected_seq:
                return ChainReport(False, count, prev_hash,
                                   f"event seq {expected_seq} is missing (removed); the next "
                                   f"event present is seq {event.seq} (id {event.id})",
                                   event.id, expected_seq)
            if event.prev_hash != prev_hash:
                return ChainReport(False, count, prev_hash,
                                   f"event id {event.id} (seq {event.seq}) does not link to the "
                                   "event before it (inserted, or a predecessor was removed)",
                                   event.id, event.seq)
            if event_hash(prev_hash, event) != event.hash:
                return ChainReport(False, count, prev_hash,
                                   f"event id {event.id} (seq {event.seq}) was altered: its "
                                   "content no longer matches its hash",
                                   event.id, event.seq)
            prev_hash = event.hash
            expected_seq += 1
            count += 1
            last_id = event.id
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        return ChainReport(False, count, prev_hash,
                           f"the chain ends at seq {expected_seq - 1} but its head says seq "
                           f"{head.seq}: the newest events were removed",
                           last_id or None, expected_seq)
    return ChainReport(True, count, prev_hash)


@dataclass(frozen=True)
class AuditFilter:
    """What an auditor narrows the trail to."""

    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, stmt):
        """Return `stmt` narrowed by the filter's fields."""
        if self.actor:
            stmt = stmt.where(AuditEvent.actor.contains(self.actor))
        if self.action:
            stmt = stmt.where(AuditEvent.action == self.action)
        if self.object_type:
            stmt = stmt.where(AuditEvent.object_type == self.object_type)
        if self.object_id:
            stmt = stmt.where(AuditEvent.object_id == self.object_id)
        if self.since:
            stmt = stmt.where(AuditEvent.occurred_at >= self.since)
        if self.until:
            stmt = stmt.where(AuditEvent.occurred_at < self.until)
        return stmt


def list_events(session: Session, flt: AuditFilter, *, page: int = 1, per_page: int = 50):
    """Return one page of events, newest first, and the total count."""
    total = session.scalar(flt.apply(select(func.count(AuditEvent.id))))
    rows = session.scalars(
        flt.apply(select(AuditEvent)).order_by(AuditEvent.seq.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return rows, total or 0


def distinct_actions(session: Session) -> list[str]:
    """Return every action name recorded so far, for the filter's choices."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


CSV_COLUMNS = ("seq", "occurred_at", "actor", "action", "object_type", "object_id",
               "summary", "request_id", "client_address", "hash")


def export_csv(session: Session, flt: AuditFilter) -> Iterator[str]:
    """Yield the filtered trail as CSV text, oldest first, streaming in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    last_seq = 0
    while True:
        rows = session.scalars(
            flt.apply(select(AuditEvent)).where(AuditEvent.seq > last_seq)
            .order_by(AuditEvent.seq).limit(2000)
        ).all()
        for event in rows:
            writer.writerow(_csv_row(event))
            last_seq = event.seq
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if not rows:
            break


def _csv_row(event: AuditEvent) -> Iterable[object]:
    return csv_row(event.seq, event.occurred_at.isoformat(), event.actor, event.action,
                   event.object_type, event.object_id or "", _canonical(event.summary),
                   event.request_id or "", event.client_address or "", event.hash)
