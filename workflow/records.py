"""Which Label Studio records count: freshness, cleaning and quarantine (P4, P5, V3, R7, L1).

A record (an annotation, or a verifier's verdict) is what Label Studio holds; the workbench
keeps its newest version. One made by someone unknown, deactivated at the time, not
assigned the unit, unqualified, or (for a verdict) who worked on the batch, or whose
result does not fit the rules, is kept but quarantined: it counts for nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# How far ahead of the workbench's clock a record's `updated_at` may be: clocks of two
# machines differ a little; a record dated further ahead would block genuine updates.
FUTURE_SKEW = timedelta(minutes=5)


class Quarantine(enum.StrEnum):
    """Why a record does not count."""

    UNKNOWN_USER = "unknown_user"
    DEACTIVATED = "deactivated"
    NOT_ASSIGNED = "not_assigned"
    WORKED_ON_BATCH = "worked_on_batch"
    NOT_QUALIFIED = "not_qualified"
    RESULT_INVALID = "result_invalid"


@dataclass(frozen=True)
class Authorship:
    """What is known of a record's author when it was made."""

    known: bool
    active: bool = True
    assigned: bool = True
    qualified: bool = True
    worked_on_batch: bool = False


def quarantine(author: Authorship, result_error: str | None = None) -> Quarantine | None:
    """Return why a record must not count, or None when it counts.

    The first failed test names the reason, in this order: who made it, whether they were
    active, assigned, independent of the batch (verdicts), qualified, then the result.
    """
    if not author.known:
        return Quarantine.UNKNOWN_USER
    if not author.active:
        return Quarantine.DEACTIVATED
    if not author.assigned:
        return Quarantine.NOT_ASSIGNED
    if author.worked_on_batch:
        return Quarantine.WORKED_ON_BATCH
    if not author.qualified:
        return Quarantine.NOT_QUALIFIED
    if result_error is not None:
        return Quarantine.RESULT_INVALID
    return None


def active_at(*, active_now: bool, deactivated_at: datetime | None, at: datetime) -> bool:
    """Tell whether an account was active at `at` (deactivation counts from its moment)."""
    if active_now:
        return True
    return deactivated_at is not None and deactivated_at > at


def supersedes(stored_updated_at: datetime | None, incoming_updated_at: datetime, *,
               stored_deleted: bool = False) -> bool:
    """Tell whether an incoming version replaces the stored one (newer wins; deleted stays)."""
    if stored_deleted:
        return False
    return stored_updated_at is None or incoming_updated_at > stored_updated_at


def from_the_future(updated_at: datetime, now: datetime, skew: timedelta = FUTURE_SKEW) -> bool:
    """Tell whether a record claims to be updated later than `now` allows."""
    return updated_at > now + skew


def clean_text(value: Any) -> Any:
    """Return `value` with NUL characters removed from every string in it.

    PostgreSQL refuses NUL in text and JSON; Label Studio stores it. Keys are cleaned too.
    """
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {clean_text(k): clean_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_text(v) for v in value]
    return value
