"""The filters every dashboard page takes: rule set, dataset and a date range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.models import Batch, Dataset, RuleSetRecord, RuleVersion
from app.services.compliance import Scope
from app.services.isolation import SECURITY_KIND


@dataclass(frozen=True)
class DashboardFilter:
    """Narrow the figures to one rule set, one dataset and the days `start`..`end` (inclusive,
    UTC). The date range applies to when the work was done: a batch's import, an annotation's
    creation in Label Studio, a verdict's review, a decision."""

    rule_set_id: int | None = None
    dataset_id: int | None = None
    start: date | None = None
    end: date | None = None
    # Security rule sets whose batches the reader may see (L2, app/services/isolation.py);
    # None when they may see every batch.
    readable: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise ValueError(_("The start date is after the end date."))

    @property
    def scope(self) -> Scope:
        """Return the compliance scope (rule set and dataset; compliance ignores dates)."""
        return Scope(rule_set_id=self.rule_set_id, dataset_id=self.dataset_id)

    def batch_ids(self) -> Select:
        """Return a SELECT of the ids of the batches of the rule set and dataset that the
        reader may see."""
        return self.scope.batch_ids().where(*self._visible(Batch.id))

    def _visible(self, column) -> list:
        """Return the condition hiding the security batches the reader may not see."""
        if self.readable is None:
            return []
        granted = (
            select(RuleVersion.id)
            .join(RuleSetRecord, RuleSetRecord.id == RuleVersion.rule_set_id)
            .where(RuleSetRecord.key.in_(sorted(self.readable)))
        )
        hidden = select(Batch.id).where(
            Batch.kind == SECURITY_KIND, Batch.rule_version_id.notin_(granted)
        )
        return [column.notin_(hidden)]

    def of_batches(self, column) -> list:
        """Return the conditions keeping `column` (a batch id) within the rule set, dataset and
        what the reader may see: no IN-list without a rule set or dataset, so the planner can
        use the other indexes freely (the few hidden security batches are excluded)."""
        if self.rule_set_id is None and self.dataset_id is None:
            return self._visible(column)
        return [column.in_(self.batch_ids())]

    def on_batches(self, stmt: Select) -> Select:
        """Narrow a statement over `Batch` to the rule set, dataset and what the reader sees."""
        stmt = stmt.where(*self._visible(Batch.id))
        if self.dataset_id is not None:
            stmt = stmt.where(Batch.dataset_id == self.dataset_id)
        if self.rule_set_id is not None:
            stmt = stmt.where(
                Batch.rule_version_id.in_(
                    select(RuleVersion.id).where(RuleVersion.rule_set_id == self.rule_set_id)
                )
            )
        return stmt

    def in_period(self, column) -> list:
        """Return the conditions that keep `column` (a timestamp) within the date range."""
        clauses = []
        if self.start is not None:
            clauses.append(column >= datetime.combine(self.start, time(), UTC))
        if self.end is not None:
            clauses.append(column < datetime.combine(self.end + timedelta(days=1), time(), UTC))
        return clauses

    @property
    def active(self) -> bool:
        """Tell whether any filter narrows the figures."""
        return any(v is not None for v in (self.rule_set_id, self.dataset_id, self.start, self.end))

    def key(self) -> tuple:
        """Return a hashable key for caching figures computed under this filter."""
        return (self.rule_set_id, self.dataset_id, self.start, self.end, self.readable)


@dataclass(frozen=True)
class FilterChoices:
    """What the filter form offers."""

    rule_sets: list[tuple[int, str]]
    datasets: list[tuple[int, str]]


def choices(session: Session) -> FilterChoices:
    """Return the rule sets and datasets a filter may pick."""
    return FilterChoices(
        list(
            session.execute(select(RuleSetRecord.id, RuleSetRecord.key).order_by(RuleSetRecord.key))
        ),
        list(session.execute(select(Dataset.id, Dataset.name).order_by(Dataset.name))),
    )


def parse(session: Session, args, *, readable: frozenset[str] | None = None) -> DashboardFilter:
    """Return the filter named by query arguments `rule_set` (key), `dataset` (name), `from`
    and `to` (YYYY-MM-DD), for a reader who may see the security sets `readable` (None: all);
    ValueError with a sentence for what cannot be understood."""
    rule_set_id = dataset_id = None
    key = (args.get("rule_set") or "").strip()
    if key:
        rule_set_id = session.scalar(select(RuleSetRecord.id).where(RuleSetRecord.key == key))
        if rule_set_id is None:
            raise ValueError(_("No rule set has the id “%(key)s”.", key=key))
    name = (args.get("dataset") or "").strip()
    if name:
        dataset_id = session.scalar(select(Dataset.id).where(Dataset.name == name))
        if dataset_id is None:
            raise ValueError(_("No dataset is called “%(name)s”.", name=name))
    return DashboardFilter(
        rule_set_id, dataset_id, _day(args.get("from")), _day(args.get("to")), readable
    )


def _day(text: str | None) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            _("“%(text)s” is not a date; write it as YYYY-MM-DD.", text=text)
        ) from None
