"""What a compliance check returns: a requirement, its status, a summary and its evidence."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.models import Batch, RuleVersion


class Status(enum.StrEnum):
    """How far a requirement is met by what the workbench has recorded."""

    MET = "met"
    WARNING = "warning"
    FAILING = "failing"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class Requirement:
    """A requirement ID of REGULATION.md with its section, name and the clauses it rests on."""

    id: str
    section: str
    name: object  # a lazy string: rendered in the reader's language when shown
    clauses: str


@dataclass(frozen=True)
class Evidence:
    """Where a person sees the records a status rests on: an endpoint and its URL values."""

    endpoint: str
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class RequirementStatus:
    """The status of one requirement, a one-line summary, its evidence and the figures."""

    requirement: Requirement
    status: Status
    summary: object  # a lazy string, rendered in the reader's language when shown
    evidence: Evidence
    facts: Mapping[str, object] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """Return the requirement ID, e.g. 'V1'."""
        return self.requirement.id


@dataclass(frozen=True)
class Scope:
    """Which part of the work a check looks at: one rule set, one dataset, or everything."""

    rule_set_id: int | None = None
    dataset_id: int | None = None

    def batch_ids(self) -> Select:
        """Return a SELECT of the ids of the batches in scope."""
        stmt = select(Batch.id)
        if self.dataset_id is not None:
            stmt = stmt.where(Batch.dataset_id == self.dataset_id)
        if self.rule_set_id is not None:
            stmt = stmt.where(
                Batch.rule_version_id.in_(
                    select(RuleVersion.id).where(RuleVersion.rule_set_id == self.rule_set_id)
                )
            )
        return stmt

    @property
    def everything(self) -> bool:
        """Tell whether the scope is the whole workbench."""
        return self.rule_set_id is None and self.dataset_id is None


def worst(*statuses: Status) -> Status:
    """Return the most serious of `statuses` (failing > warning > met > not applicable)."""
    order = (Status.NOT_APPLICABLE, Status.MET, Status.WARNING, Status.FAILING)
    return max(statuses, key=order.index, default=Status.NOT_APPLICABLE)


def count(session: Session, stmt: Select) -> int:
    """Return the number a COUNT query gives (0 when it gives nothing)."""
    return session.scalar(stmt) or 0


def count_rows(session: Session, stmt: Select) -> int:
    """Return how many rows `stmt` selects."""
    return count(session, select(func.count()).select_from(stmt.subquery()))


def statuses_for(
    requirement: Requirement, evidence: Evidence, facts: Mapping[str, object] | None = None
) -> Callable[[Status, object], RequirementStatus]:
    """Return `say(status, summary)`, which makes the requirement's status with its evidence
    and facts."""

    def say(status: Status, summary: object) -> RequirementStatus:
        return RequirementStatus(requirement, status, summary, evidence, facts or {})

    return say
