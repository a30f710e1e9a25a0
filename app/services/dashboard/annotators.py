"""Annotators as a QA lead supervises them (P2, P3, P6, V1): qualification, throughput, pace,
accuracy against verification and gold with Wilson intervals, agreement with peers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session

from app.models import (
    Annotation,
    ExamAttempt,
    PracticeAttempt,
    Qualification,
    ReviewTask,
    RoleGrant,
    RuleSetRecord,
    RuleVersion,
    User,
    VerificationRecord,
    utcnow,
)
from app.services.dashboard import pace
from app.services.dashboard.filters import DashboardFilter
from app.services.dashboard.sql import as_date, day, grouped_quantiles, week_start
from app.services.verification.units import counted
from qa.accuracy import proportion_ci
from workflow import QualificationStatus

JUDGED = ("sample", "re_review")  # second reviews judge the reviewer, not the annotator
CI_METHOD = "wilson"


@dataclass(frozen=True)
class Accuracy:
    """Correct out of n with its 95 % Wilson interval."""

    n: int
    correct: int

    @property
    def estimate(self) -> float | None:
        """Return correct / n, or None without data."""
        return self.correct / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | tuple[None, None]:
        """Return the 95 % Wilson interval, or (None, None) without data."""
        if not self.n:
            return None, None
        low, high = proportion_ci(self.correct, self.n, method=CI_METHOD)
        return float(low), float(high)


@dataclass(frozen=True)
class AnnotatorRow:
    """One annotator's figures under the filter."""

    user_id: int
    email: str
    name: str
    active: bool
    qualification: str | None
    valid_until: object
    annotations: int
    active_days: int
    median_seconds: float | None
    timed: int
    too_fast: int
    flagged: bool
    verified: Accuracy
    gold: Accuracy
    peer_kappa: float | None
    peer_pairs: int

    @property
    def per_day(self) -> float | None:
        """Return annotations per active day."""
        return self.annotations / self.active_days if self.active_days else None


def _work(flt: DashboardFilter, user_id: int | None) -> Select:
    stmt = counted(
        select(Annotation.user_id).where(
            *flt.of_batches(Annotation.batch_id), *flt.in_period(Annotation.ls_created_at)
        )
    )
    return stmt if user_id is None else stmt.where(Annotation.user_id == user_id)


def _throughput(session, flt, limits, user_id) -> dict[int, tuple[int, int, int, int]]:
    fast = pace.too_fast(limits)
    stmt = (
        _work(flt, user_id)
        .with_only_columns(
            Annotation.user_id,
            func.count(Annotation.id),
            func.count(distinct(day(Annotation.ls_created_at))),
            func.count(Annotation.lead_time),
            func.count(Annotation.id).filter(fast),
        )
        .group_by(Annotation.user_id)
    )
    return {uid: tuple(rest) for uid, *rest in session.execute(stmt)}


def _their_batches(session: Session, user_id: int) -> list:
    """Narrow verdicts to the batches the person annotated in: the same rows, but with the
    batch ids spelled out the planner reads verdicts by batch instead of scanning them all."""
    ids = session.scalars(
        select(Annotation.batch_id).where(Annotation.user_id == user_id).distinct()
    ).all()
    return [VerificationRecord.batch_id.in_(ids)]


def verified_accuracy(
    session: Session, flt: DashboardFilter, user_id: int | None = None
) -> dict[int, Accuracy]:
    """Return per annotator the counted verdicts on their annotations (sample, re-review)."""
    stmt = (
        select(
            Annotation.user_id,
            func.count(VerificationRecord.id),
            func.count(VerificationRecord.id).filter(VerificationRecord.correct.is_(True)),
        )
        .join(Annotation, Annotation.id == VerificationRecord.annotation_id)
        .join(ReviewTask, ReviewTask.id == VerificationRecord.task_id)
        .where(
            VerificationRecord.quarantined.is_(False),
            VerificationRecord.deleted_at.is_(None),
            VerificationRecord.correct.is_not(None),
            ReviewTask.purpose.in_(JUDGED),
            *flt.of_batches(VerificationRecord.batch_id),
            *flt.in_period(VerificationRecord.reviewed_at),
        )
        .group_by(Annotation.user_id)
    )
    if user_id is not None:
        stmt = stmt.where(Annotation.user_id == user_id, *_their_batches(session, user_id))
    return {uid: Accuracy(n, c) for uid, n, c in session.execute(stmt) if uid is not None}


def gold_accuracy(
    session: Session, flt: DashboardFilter, user_id: int | None = None
) -> dict[int, Accuracy]:
    """Return per annotator their scored practice against gold labels."""
    stmt = (
        select(
            PracticeAttempt.user_id, func.sum(PracticeAttempt.n), func.sum(PracticeAttempt.correct)
        )
        .where(
            PracticeAttempt.state == "scored",
            PracticeAttempt.n > 0,
            *flt.in_period(PracticeAttempt.finished_at),
        )
        .group_by(PracticeAttempt.user_id)
    )
    if flt.rule_set_id is not None:
        stmt = stmt.where(
            PracticeAttempt.rule_version_id.in_(
                select(RuleVersion.id).where(RuleVersion.rule_set_id == flt.rule_set_id)
            )
        )
    if user_id is not None:
        stmt = stmt.where(PracticeAttempt.user_id == user_id)
    return {uid: Accuracy(int(n), int(c)) for uid, n, c in session.execute(stmt)}


def _qualifications(session, flt, user_ids) -> dict[int, tuple[str, object]]:
    """Return per user the state of their newest qualification (expired shown as such)."""
    stmt = (
        select(Qualification)
        .where(Qualification.user_id.in_(user_ids))
        .order_by(Qualification.granted_at)
    )
    if flt.rule_set_id is not None:
        stmt = stmt.where(Qualification.rule_set_id == flt.rule_set_id)
    now, found = utcnow(), {}
    for q in session.scalars(stmt):
        state = q.status
        if state == QualificationStatus.VALID and q.ended_at is None and not q.in_force(now):
            state = "expired"
        found[q.user_id] = (state, q.valid_until)
    return found


def _people(session, flt, user_ids) -> list[User]:
    stmt = select(User)
    if user_ids is not None:
        stmt = stmt.where(User.id.in_(user_ids))
    elif flt.active:
        stmt = stmt.where(User.id.in_(_work(flt, None).distinct()))
    else:
        stmt = stmt.where(
            User.id.in_(select(RoleGrant.user_id).where(RoleGrant.role == "annotator"))
            | User.id.in_(select(Annotation.user_id).distinct())
        )
    return list(session.scalars(stmt.order_by(User.email)))


def annotator_rows(
    session: Session,
    flt: DashboardFilter,
    *,
    policy: pace.PacePolicy,
    limits: dict[int, float],
    peers: dict[int, tuple[float | None, int]],
    user_id: int | None = None,
) -> list[AnnotatorRow]:
    """Return one row per annotator (or just `user_id`), by e-mail."""
    people = _people(session, flt, None if user_id is None else [user_id])
    ids = [u.id for u in people]
    work = _throughput(session, flt, limits, user_id)
    medians = grouped_quantiles(
        session,
        _work(flt, user_id).with_only_columns(Annotation.user_id, Annotation.lead_time),
        Annotation.user_id,
        Annotation.lead_time,
        0.5,
    )
    verified = verified_accuracy(session, flt, user_id)
    gold = gold_accuracy(session, flt, user_id)
    quals = _qualifications(session, flt, ids)
    rows = []
    for user in people:
        n, days, timed, quick = work.get(user.id, (0, 0, 0, 0))
        state, until = quals.get(user.id, (None, None))
        kappa, pairs = peers.get(user.id, (None, 0))
        rows.append(
            AnnotatorRow(
                user.id,
                user.email,
                user.display_name,
                user.is_active_account,
                state,
                until,
                n,
                days,
                medians.get(user.id),
                timed,
                quick,
                pace.flagged(quick, timed, policy),
                verified.get(user.id, Accuracy(0, 0)),
                gold.get(user.id, Accuracy(0, 0)),
                kappa,
                pairs,
            )
        )
    return rows


@dataclass(frozen=True)
class Period:
    """One week of an annotator's verified work."""

    week: date
    n: int
    defects: int


def error_periods(session: Session, flt: DashboardFilter, user_id: int) -> list[Period]:
    """Return per week (of the annotation's making) the verdicts and defects of their work."""
    made = func.coalesce(Annotation.ls_created_at, Annotation.ingested_at)
    stmt = (
        select(
            day(made),
            func.count(VerificationRecord.id),
            func.count(VerificationRecord.id).filter(VerificationRecord.correct.is_(False)),
        )
        .join(Annotation, Annotation.id == VerificationRecord.annotation_id)
        .join(ReviewTask, ReviewTask.id == VerificationRecord.task_id)
        .where(
            Annotation.user_id == user_id,
            *_their_batches(session, user_id),
            VerificationRecord.quarantined.is_(False),
            VerificationRecord.deleted_at.is_(None),
            VerificationRecord.correct.is_not(None),
            ReviewTask.purpose.in_(JUDGED),
            *flt.of_batches(VerificationRecord.batch_id),
            *flt.in_period(made),
        )
        .group_by(day(made))
    )
    weeks: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for d, n, bad in session.execute(stmt):
        cell = weeks[week_start(as_date(d))]
        cell[0] += n
        cell[1] += bad
    return [Period(w, n, bad) for w, (n, bad) in sorted(weeks.items())]


def weekly_output(session: Session, flt: DashboardFilter, user_id: int) -> list[tuple[date, int]]:
    """Return the annotator's counted annotations per week."""
    stmt = (
        _work(flt, user_id)
        .with_only_columns(day(Annotation.ls_created_at), func.count(Annotation.id))
        .group_by(day(Annotation.ls_created_at))
    )
    weeks: dict[date, int] = defaultdict(int)
    for d, n in session.execute(stmt):
        if d is not None:
            weeks[week_start(as_date(d))] += n
    return sorted(weeks.items())


@dataclass(frozen=True)
class TrainingRecord:
    """Exams, practice and qualifications of one person."""

    exams: list[tuple[ExamAttempt, str]]
    practice: list[PracticeAttempt]
    qualifications: list[tuple[Qualification, str]]


def training_record(session: Session, user_id: int) -> TrainingRecord:
    """Return the person's exam attempts, practice sets and qualifications, newest first."""
    keys = dict(session.execute(select(RuleSetRecord.id, RuleSetRecord.key)).all())
    exams = session.scalars(
        select(ExamAttempt)
        .where(ExamAttempt.user_id == user_id)
        .order_by(ExamAttempt.started_at.desc())
        .limit(100)
    ).all()
    practice = session.scalars(
        select(PracticeAttempt)
        .where(PracticeAttempt.user_id == user_id)
        .order_by(PracticeAttempt.started_at.desc())
        .limit(50)
    ).all()
    quals = session.scalars(
        select(Qualification)
        .where(Qualification.user_id == user_id)
        .order_by(Qualification.granted_at.desc())
    ).all()
    return TrainingRecord(
        [(e, keys.get(e.rule_set_id, "")) for e in exams],
        list(practice),
        [(q, keys.get(q.rule_set_id, "")) for q in quals],
    )
