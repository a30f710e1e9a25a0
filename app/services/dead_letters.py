"""Deliveries that could not be stored, kept for QA leads with their error (L1).

A notice that fails again and again (its batch's project is gone, Label Studio refuses the
read, the database refuses what came back) is moved here after `MAX_ATTEMPTS` tries, so
that it never blocks the deliveries behind it. A record Label Studio keeps under another
batch than the one the workbench holds it for is put here too, never moved. QA leads retry
(after mending the cause) or dismiss each one; both are audited. Nothing is lost meanwhile:
reconciliation re-reads every batch from Label Studio.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import DeadLetter, User, utcnow
from app.services import audit
from app.services.errors import Conflict, NotFound

MAX_ATTEMPTS = 3


def record(session: Session, *, kind: str, batch_id: int | None, delivery: dict, error: str,
           attempts: int) -> DeadLetter:
    """Keep a failed delivery with its error."""
    now = utcnow()
    letter = DeadLetter(kind=kind, batch_id=batch_id, delivery=delivery, error=error[:4000],
                        attempts=attempts, first_failed_at=now, last_failed_at=now)
    session.add(letter)
    session.flush()
    audit.record(session, "delivery.dead_letter", "dead_letter", letter.id,
                 after={"kind": kind, "batch": batch_id, "error": error[:500],
                        "attempts": attempts})
    return letter


def conflict(session: Session, *, kind: str, batch_id: int, ls_id: int, held_by: int,
             server: str) -> DeadLetter:
    """Keep a record Label Studio holds for `batch_id` that the workbench holds for another."""
    delivery = {"conflict": {"ls_id": ls_id, "server": server, "held_by_batch": held_by}}
    error = (f"{kind} {ls_id} on Label Studio server {server!r} is recorded for batch "
             f"{held_by}; a read for batch {batch_id} returned it. It was not moved.")
    existing = [letter for letter in open_letters(session, batch_id=batch_id)
                if letter.delivery == delivery]
    if existing:
        return existing[0]
    return record(session, kind=kind, batch_id=batch_id, delivery=delivery, error=error,
                  attempts=1)


def open_letters(session: Session, *, batch_id: int | None = None,
                 limit: int | None = None) -> list[DeadLetter]:
    """Return the dead letters nobody has resolved, newest first."""
    stmt = select(DeadLetter).where(DeadLetter.resolved_at.is_(None))
    if batch_id is not None:
        stmt = stmt.where(DeadLetter.batch_id == batch_id)
    stmt = stmt.order_by(DeadLetter.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def resolve(session: Session, letter_id: int, resolution: str, by: User) -> DeadLetter:
    """Mark a dead letter retried or dismissed (the caller re-queues a retried one)."""
    if resolution not in ("retried", "dismissed"):
        raise ValueError(f"unknown resolution {resolution!r}")
    letter = session.get(DeadLetter, letter_id)
    if letter is None:
        raise NotFound(_("No such failed delivery."))
    if letter.resolved_at is not None:
        raise Conflict(_("This failed delivery was already %(how)s.", how=letter.resolution))
    letter.resolved_at, letter.resolution, letter.resolved_by_id = utcnow(), resolution, by.id
    audit.record(session, f"delivery.{resolution}", "dead_letter", letter.id,
                 after={"kind": letter.kind, "batch": letter.batch_id})
    return letter
