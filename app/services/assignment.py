"""Decide who annotates what (P4, P5); the door shows each annotator exactly their tasks.

Only qualified, active annotators are chosen; k of them on overlapped items, one on the rest;
load is balanced; nobody gets the same item twice; in strict mode nobody who reviews or
arbitrates an item annotates it.
"""

from __future__ import annotations

import heapq
import random
from collections import defaultdict

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import (
    Assignment,
    Batch,
    Item,
    RoleGrant,
    RuleSetRecord,
    RuleVersion,
    User,
)
from app.services import audit
from app.services import qualifications as quals
from app.services.errors import ServiceError

ANNOTATOR = "annotator"
OTHER_DUTIES = ("reviewer", "arbitrator")


def eligible_annotators(session: Session, batch: Batch) -> list[User]:
    """Return active users holding the annotator role for the set and a current qualification."""
    version = session.get(RuleVersion, batch.rule_version_id)
    rule_set = session.get(RuleSetRecord, version.rule_set_id)
    qualified = quals.qualified_user_ids(session, rule_set.id, version.major)
    if not qualified:
        return []
    return list(session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id).where(
            User.id.in_(qualified),
            User.is_active_account.is_(True),
            RoleGrant.role == ANNOTATOR,
            RoleGrant.revoked_at.is_(None),
            or_(RoleGrant.rule_set.is_(None), RoleGrant.rule_set == rule_set.key),
        ).distinct().order_by(User.id)
    ))


def assign_batch(session: Session, batch: Batch, *, seed: int | None = None) -> int:
    """Give every item its missing annotators; return the number of new assignments."""
    annotators = eligible_annotators(session, batch)
    if not annotators:
        raise ServiceError(_("Nobody can annotate batch %(batch)s: no active annotator holds a "
                             "current qualification for its rule set.", batch=batch.name))
    items = session.scalars(select(Item).where(Item.batch_id == batch.id).order_by(Item.id)).all()
    held: dict[int, set[int]] = defaultdict(set)
    other_duties: dict[int, set[int]] = defaultdict(set)
    load = {user.id: 0 for user in annotators}
    for a in session.scalars(select(Assignment).where(Assignment.batch_id == batch.id,
                                                      Assignment.revoked_at.is_(None))):
        if a.role == ANNOTATOR:
            held[a.item_id].add(a.user_id)
            if a.user_id in load:
                load[a.user_id] += 1
        elif a.role in OTHER_DUTIES:
            other_duties[a.item_id].add(a.user_id)
    rng = random.Random(batch.id if seed is None else seed)
    # A heap of (load, tie-breaker, user id) keeps the choice balanced and O(log n).
    heap = [(count, rng.random(), uid) for uid, count in load.items()]
    heapq.heapify(heap)
    new = []
    shortfalls = []
    for item in items:
        needed = item.overlap - len(held[item.id])
        if needed <= 0:
            continue
        barred = held[item.id] | (other_duties[item.id] if batch.strict_separation else set())
        chosen, skipped = [], []
        while heap and len(chosen) < needed:
            entry = heapq.heappop(heap)
            (chosen if entry[2] not in barred else skipped).append(entry)
        for count, _tie, uid in chosen:
            new.append(Assignment(item_id=item.id, batch_id=batch.id, user_id=uid,
                                  role=ANNOTATOR, rule_version_id=batch.rule_version_id))
            held[item.id].add(uid)
            heapq.heappush(heap, (count + 1, rng.random(), uid))
        for entry in skipped:
            heapq.heappush(heap, entry)
        if len(chosen) < needed:
            shortfalls.append(item.external_id)
    if shortfalls:
        raise ServiceError(_("Not enough eligible annotators for %(n)d items (e.g. %(example)s): "
                             "each needs distinct annotators who do not review or arbitrate "
                             "it. Qualify more annotators or lower the overlap.",
                             n=len(shortfalls), example=shortfalls[0]))
    session.add_all(new)
    session.flush()
    per_user: dict[int, int] = defaultdict(int)
    for a in new:
        per_user[a.user_id] += 1
    audit.record(session, "batch.assign", "batch", batch.id,
                 after={"assignments": len(new),
                        "per_annotator": {str(k): v for k, v in sorted(per_user.items())}})
    return len(new)
