"""What a report covers: one dataset or all, and a period (both optional)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Batch, Dataset
from app.services.errors import ServiceError

LANGUAGES = ("zh_CN", "en")


@dataclass(frozen=True)
class ReportScope:
    """The filters of a report: a dataset name, a first and a last day (inclusive)."""

    dataset: str | None = None
    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise ServiceError(
                _(
                    "The period starts (%(start)s) after it ends (%(end)s); give "
                    "--from before --to.",
                    start=self.start.isoformat(),
                    end=self.end.isoformat(),
                )
            )

    @property
    def since(self) -> datetime | None:
        """Return the first instant covered, in UTC."""
        return datetime.combine(self.start, time(), UTC) if self.start else None

    @property
    def until(self) -> datetime | None:
        """Return the first instant after the period, in UTC."""
        return datetime.combine(self.end + timedelta(days=1), time(), UTC) if self.end else None

    def as_dict(self) -> dict:
        """Return the filters as JSON-ready values."""
        return {
            "dataset": self.dataset,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
        }

    def within(self, column):
        """Return SQL conditions keeping `column` inside the period."""
        conditions = []
        if self.since is not None:
            conditions.append(column >= self.since)
        if self.until is not None:
            conditions.append(column < self.until)
        return conditions


def parse_day(text: str | None, option: str) -> date | None:
    """Read a YYYY-MM-DD day given to `option`; raise a ServiceError a person can act on."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as err:
        raise ServiceError(
            _(
                "%(option)s must be a day written YYYY-MM-DD, not “%(text)s”.",
                option=option,
                text=text,
            )
        ) from err


def datasets_in_scope(session: Session, scope: ReportScope) -> list[Dataset]:
    """Return the datasets the report covers; raise when the named one does not exist."""
    if scope.dataset is None:
        return list(session.scalars(select(Dataset).order_by(Dataset.name)))
    dataset = session.scalar(select(Dataset).where(Dataset.name == scope.dataset))
    if dataset is None:
        raise ServiceError(_("No dataset is named “%(name)s”.", name=scope.dataset))
    return [dataset]


def batches_in_scope(session: Session, scope: ReportScope) -> list[Batch]:
    """Return the batches of the covered datasets created within the period, oldest first."""
    ids = [d.id for d in datasets_in_scope(session, scope)]
    stmt = select(Batch).where(Batch.dataset_id.in_(ids), *scope.within(Batch.created_at))
    return list(session.scalars(stmt.order_by(Batch.id)))
