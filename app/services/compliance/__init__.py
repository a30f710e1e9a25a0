"""Compliance status per requirement of REGULATION.md, from what the workbench recorded.

One small check per requirement ID (R1–R7, P1–P9, L1, L2, V1–V7, E1). Each is a function of
a database session (and a `Scope`: everything, one rule set or one dataset) returning a
`RequirementStatus`: met, warning, failing or not applicable; a one-line summary (a lazy
string, rendered in the reader's language); the `Evidence` page that shows the records;
and `facts`, the figures behind the status, for a report to print. Checks only read.

    >>> statuses = check_all(session)                       # every requirement, in order
    >>> check(session, "V1", Scope(dataset_id=3)).status    # one requirement, one dataset

Warnings are for what the standards only recommend (宜) or for work still under way;
failing means a record that should exist does not, or one contradicts the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from app.services.compliance import (
    duty_checks,
    people_checks,
    platform_checks,
    verification_checks,
)
from app.services.compliance.model import (
    Evidence,
    Requirement,
    RequirementStatus,
    Scope,
    Status,
    worst,
)
from app.services.compliance.requirements import REQUIREMENTS, SECTIONS, requirement
from app.services.compliance.rules_checks import check_r7, check_rule_content
from app.services.dashboard import pace

__all__ = [
    "REQUIREMENTS",
    "SECTIONS",
    "Evidence",
    "Requirement",
    "RequirementStatus",
    "Scope",
    "Status",
    "check",
    "check_all",
    "requirement",
    "worst",
]

Check = Callable[[Session, Scope], RequirementStatus]


def _settings() -> tuple[pace.PacePolicy, int]:
    config = current_app.config if has_app_context() else {}
    return pace.policy_from(config), int(config.get("AUDIT_RETENTION_DAYS", 183))


def _checks() -> dict[str, Check]:
    policy, retention = _settings()
    rules = {
        rid: partial(check_rule_content, requirement_id=rid)
        for rid in ("R1", "R2", "R3", "R4", "R5", "R6")
    }
    return {
        **rules,
        "R7": check_r7,
        "P1": people_checks.check_p1,
        "P2": people_checks.check_p2,
        "P3": people_checks.check_p3,
        "P4": people_checks.check_p4,
        "P5": duty_checks.check_p5,
        "P6": partial(duty_checks.check_p6, policy=policy),
        "P7": duty_checks.check_p7,
        "P8": duty_checks.check_p8,
        "P9": duty_checks.check_p9,
        "L1": partial(platform_checks.check_l1, retention_days=retention),
        "L2": platform_checks.check_l2,
        "V1": verification_checks.check_v1,
        "V2": verification_checks.check_v2,
        "V3": verification_checks.check_v3,
        "V4": verification_checks.check_v4,
        "V5": verification_checks.check_v5,
        "V6": verification_checks.check_v6,
        "V7": verification_checks.check_v7,
        "E1": platform_checks.check_e1,
    }


def check(session: Session, requirement_id: str, scope: Scope | None = None) -> RequirementStatus:
    """Return the status of one requirement (ValueError for an unknown ID)."""
    requirement(requirement_id)
    return _checks()[requirement_id](session, scope or Scope())


def check_all(session: Session, scope: Scope | None = None) -> list[RequirementStatus]:
    """Return the status of every requirement, in the order of REGULATION.md."""
    checks = _checks()
    return [checks[r.id](session, scope or Scope()) for r in REQUIREMENTS]
