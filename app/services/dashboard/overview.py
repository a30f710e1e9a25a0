"""The overview: batches by state and their trend, the batch list, and the alerts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    AgreementReport,
    Annotation,
    AuditEvent,
    Batch,
    BatchDecision,
    BatchState,
    Dataset,
    Qualification,
    User,
    utcnow,
)
from app.services.compliance import Evidence
from app.services.dashboard.filters import DashboardFilter
from app.services.dashboard.sql import as_date, day, week_start

STATES = tuple(str(s) for s in BatchState)
TREND_WEEKS = 12
ALERT_SHOWN = 5


@dataclass(frozen=True)
class Trend:
    """Weekly counts: batches imported and decisions taken, by outcome."""

    weeks: list[date]
    series: dict[str, list[int]]


@dataclass(frozen=True)
class Alert:
    """Something a QA lead should look at: what, how many, the first few, where to see all."""

    kind: str
    count: int
    evidence: Evidence
    examples: list[tuple[str, Evidence]] = field(default_factory=list)


def state_counts(session: Session, flt: DashboardFilter) -> dict[str, int]:
    """Return {state: number of batches}, every state present (imported in the range)."""
    stmt = flt.on_batches(
        select(Batch.state, func.count(Batch.id))
        .where(*flt.in_period(Batch.created_at))
        .group_by(Batch.state)
    )
    counts = dict.fromkeys(STATES, 0)
    counts.update({state: n for state, n in session.execute(stmt)})
    return counts


def trend(session: Session, flt: DashboardFilter, *, today: date | None = None) -> Trend:
    """Return per week the batches imported and the decisions (accepted, rejected, void)."""
    today = today or utcnow().date()
    last = week_start(flt.end or today)
    first = week_start(flt.start) if flt.start else last - timedelta(weeks=TREND_WEEKS - 1)
    weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    window = replace(flt, start=first, end=last + timedelta(days=6))
    series: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    imported = window.on_batches(
        select(day(Batch.created_at), func.count(Batch.id))
        .where(*window.in_period(Batch.created_at))
        .group_by(day(Batch.created_at))
    )
    for d, n in session.execute(imported):
        series["imported"][week_start(as_date(d))] += n
    decided = (
        select(BatchDecision.decision, day(BatchDecision.decided_at), func.count(BatchDecision.id))
        .where(
            *window.of_batches(BatchDecision.batch_id),
            *window.in_period(BatchDecision.decided_at),
        )
        .group_by(BatchDecision.decision, day(BatchDecision.decided_at))
    )
    for decision, d, n in session.execute(decided):
        series[decision][week_start(as_date(d))] += n
    names = ("imported", "accepted", "rejected", "void")
    return Trend(weeks, {k: [series[k].get(w, 0) for w in weeks] for k in names})


@dataclass(frozen=True)
class BatchRow:
    """One batch in the overview's list."""

    id: int
    name: str
    dataset: str
    kind: str
    state: str
    items: int
    created_at: object
    decision: str | None
    accuracy: float | None
    ci_low: float | None
    ci_high: float | None


def batch_rows(
    session: Session, flt: DashboardFilter, *, page: int = 1, per_page: int = 50
) -> tuple[list[BatchRow], int]:
    """Return a page of batches, newest first, with their latest decision; and the total."""
    newest = (
        select(BatchDecision.batch_id, func.max(BatchDecision.id).label("id"))
        .group_by(BatchDecision.batch_id)
        .subquery()
    )
    stmt = flt.on_batches(
        select(
            Batch.id,
            Batch.name,
            Dataset.name,
            Batch.kind,
            Batch.state,
            Batch.item_count,
            Batch.created_at,
            BatchDecision.decision,
            BatchDecision.accuracy,
            BatchDecision.ci_low,
            BatchDecision.ci_high,
        )
        .join(Dataset, Dataset.id == Batch.dataset_id)
        .outerjoin(newest, newest.c.batch_id == Batch.id)
        .outerjoin(BatchDecision, BatchDecision.id == newest.c.id)
        .where(*flt.in_period(Batch.created_at))
    )
    total = (
        session.scalar(
            flt.on_batches(select(func.count(Batch.id)).where(*flt.in_period(Batch.created_at)))
        )
        or 0
    )
    rows = session.execute(
        stmt.order_by(Batch.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return [BatchRow(*row) for row in rows], total


def alerts(
    session: Session, flt: DashboardFilter, *, unverified_days: int = 14, recent_days: int = 30
) -> list[Alert]:
    """Return the alerts: low agreement, suspended annotators, quarantined annotations,
    disabled webhooks, batches left unverified for more than `unverified_days`."""
    found = [
        _low_agreement(session, flt),
        _suspended(session, flt, recent_days),
        _quarantined(session, flt),
        _webhooks(session, flt, recent_days),
        _unverified(session, flt, unverified_days),
    ]
    return [a for a in found if a.count]


def _batch_link(batch_id: int) -> Evidence:
    return Evidence("dashboard.batch", {"batch_id": batch_id})


def _low_agreement(session: Session, flt: DashboardFilter) -> Alert:
    rows = session.execute(
        select(Batch.id, Batch.name, AgreementReport.control, AgreementReport.estimate)
        .join(Batch, Batch.id == AgreementReport.batch_id)
        .where(
            AgreementReport.estimate < AgreementReport.threshold,
            *flt.of_batches(Batch.id),
            *flt.in_period(AgreementReport.computed_at),
        )
        .order_by(AgreementReport.estimate)
    ).all()
    return Alert(
        "low_agreement",
        len(rows),
        Evidence("dashboard.agreement_page"),
        [
            (f"{name} · {control} {estimate:.2f}", _batch_link(bid))
            for bid, name, control, estimate in rows[:ALERT_SHOWN]
        ],
    )


def _suspended(session: Session, flt: DashboardFilter, recent_days: int) -> Alert:
    since = utcnow() - timedelta(days=recent_days)
    stmt = (
        select(User.id, User.email)
        .join(Qualification, Qualification.user_id == User.id)
        .where(Qualification.status == "suspended", Qualification.ended_at >= since)
        .distinct()
        .order_by(User.email)
    )
    if flt.rule_set_id is not None:
        stmt = stmt.where(Qualification.rule_set_id == flt.rule_set_id)
    rows = session.execute(stmt).all()
    return Alert(
        "suspended",
        len(rows),
        Evidence("training.qualifications"),
        [
            (email, Evidence("dashboard.annotator", {"user_id": uid}))
            for uid, email in rows[:ALERT_SHOWN]
        ],
    )


def _quarantined(session: Session, flt: DashboardFilter) -> Alert:
    rows = session.execute(
        select(Batch.id, Batch.name, func.count(Annotation.id))
        .join(Batch, Batch.id == Annotation.batch_id)
        .where(
            Annotation.quarantined.is_(True),
            *flt.of_batches(Batch.id),
            *flt.in_period(Annotation.ingested_at),
        )
        .group_by(Batch.id, Batch.name)
        .order_by(func.count(Annotation.id).desc())
    ).all()
    return Alert(
        "quarantined",
        sum(n for _b, _n, n in rows),
        Evidence("batches.quarantine"),
        [(f"{name}: {n}", _batch_link(bid)) for bid, name, n in rows[:ALERT_SHOWN]],
    )


def _webhooks(session: Session, flt: DashboardFilter, recent_days: int) -> Alert:
    """Pushed batches at work without a webhook, and webhooks a sync found disabled lately."""
    since = utcnow() - timedelta(days=recent_days)
    revived = set(
        session.scalars(
            select(AuditEvent.object_id).where(
                AuditEvent.action == "webhook.reactivate",
                AuditEvent.object_type == "batch",
                AuditEvent.occurred_at >= since,
            )
        )
    )
    missing = session.execute(
        flt.on_batches(
            select(Batch.id, Batch.name).where(
                Batch.ls_project_id.is_not(None),
                Batch.ls_webhook_id.is_(None),
                Batch.state.in_((BatchState.ANNOTATING, BatchState.VERIFYING)),
            )
        )
    ).all()
    found = dict(missing)
    ids = [int(i) for i in revived if i and i.isdigit()]
    if ids:
        found.update(
            session.execute(
                flt.on_batches(select(Batch.id, Batch.name).where(Batch.id.in_(ids)))
            ).all()
        )
    shown = sorted(found.items())[:ALERT_SHOWN]
    return Alert(
        "webhook",
        len(found),
        Evidence("batches.index"),
        [(name, Evidence("batches.show", {"batch_id": bid})) for bid, name in shown],
    )


def _unverified(session: Session, flt: DashboardFilter, days: int) -> Alert:
    before = utcnow() - timedelta(days=days)
    rows = session.execute(
        flt.on_batches(
            select(Batch.id, Batch.name).where(
                Batch.state.in_((BatchState.ANNOTATING, BatchState.VERIFYING)),
                Batch.created_at < before,
            )
        ).order_by(Batch.created_at)
    ).all()
    return Alert(
        "unverified",
        len(rows),
        Evidence("batches.index", {"state": "annotating"}),
        [(name, _batch_link(bid)) for bid, name in rows[:ALERT_SHOWN]],
    )
