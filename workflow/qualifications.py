"""When a qualification is in force (P2, P3): the one definition, for Python and for SQL.

A qualification is in force at `t` when it was granted at or before `t`, expires after `t`,
and either has not ended and is still valid, or ended after `t` (it counted until its end:
work done before a suspension stays counted). The SQL twin of this test is
`app.models.Qualification.in_force`, and a test checks that both agree case by case.
"""

from __future__ import annotations

import enum
from datetime import datetime


class QualificationStatus(enum.StrEnum):
    """A qualification is valid until it expires, lapses, is suspended or revoked."""

    VALID = "valid"
    LAPSED = "lapsed"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


def in_force(
    *,
    status: str,
    granted_at: datetime,
    valid_until: datetime,
    ended_at: datetime | None,
    at: datetime,
) -> bool:
    """Tell whether a qualification with these facts was in force at `at`."""
    if not granted_at <= at < valid_until:
        return False
    if ended_at is None:
        return status == QualificationStatus.VALID
    return ended_at > at
