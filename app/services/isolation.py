"""Security annotation data is kept apart, with its own access list (L2).

A batch of kind "security" (labelled under a security rule set), its items and annotations
may be read by administrators and auditors, and by whoever holds a role granted *for that
rule set* (`labelgate users grant EMAIL ROLE --rule-set KEY`). A role held globally — a QA
lead for every functional set, say — does not open security data. The route-level role
check still applies first; this narrows it. Functional batches are unaffected.
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from app.models import Batch, RuleSetRecord, RuleVersion, User

SECURITY_KIND = "security"
# Roles that read every security batch, by the design of separation of duties: the
# administrator runs the platform, the auditor inspects it.
OPEN_ROLES = ("admin", "auditor")


def readable_security_sets(user: User | None) -> set[str] | None:
    """Return the security rule sets `user` may read, or None when they may read them all."""
    if user is None:
        return set()
    held = {g for g in user.grants if g.revoked_at is None}
    if any(g.role in OPEN_ROLES and g.rule_set is None for g in held):
        return None
    return {g.rule_set for g in held if g.rule_set is not None}


def rule_set_key(session: Session, batch: Batch) -> str:
    """Return the key of the rule set a batch is labelled under."""
    return (
        session.scalar(
            select(RuleSetRecord.key)
            .join(RuleVersion, RuleVersion.rule_set_id == RuleSetRecord.id)
            .where(RuleVersion.id == batch.rule_version_id)
        )
        or ""
    )


def may_read_batch(session: Session, user: User | None, batch: Batch) -> bool:
    """Tell whether `user` may read `batch` and what was annotated in it."""
    if batch.kind != SECURITY_KIND:
        return True
    allowed = readable_security_sets(user)
    return allowed is None or rule_set_key(session, batch) in allowed


def readable_batches(stmt: Select, user: User | None) -> Select:
    """Narrow a query over `Batch` to the batches `user` may read."""
    allowed = readable_security_sets(user)
    if allowed is None:
        return stmt
    granted = (
        select(RuleVersion.id)
        .join(RuleSetRecord, RuleSetRecord.id == RuleVersion.rule_set_id)
        .where(RuleSetRecord.key.in_(sorted(allowed)))
    )
    return stmt.where(or_(Batch.kind != SECURITY_KIND, Batch.rule_version_id.in_(granted)))
