"""P1–P4: training content, pass records, retraining and suspension, roles and assignments."""

from __future__ import annotations

from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, exists, func, select
from sqlalchemy.orm import Session

from app.models import (
    Assignment,
    Batch,
    BatchState,
    ExamAttempt,
    Qualification,
    RoleGrant,
    RuleSetRecord,
    RuleVersion,
    User,
    utcnow,
)
from app.services.compliance.model import (
    Evidence,
    RequirementStatus,
    Scope,
    Status,
    count,
    count_rows,
    statuses_for,
)
from app.services.compliance.requirements import requirement
from app.services.compliance.rules_checks import in_force
from app.services.qualification_review import assessor_report
from labeling_rules import load_rule_set
from training_modules import TOPIC_IDS, modules_for
from training_modules.errors import TrainingError
from workflow import QualificationStatus

RECORDS = Evidence("training.records")
QUALIFICATIONS = Evidence("training.qualifications")
ROLES_NEEDED = ("annotator", "reviewer", "arbitrator", "supervisor")


@lru_cache(maxsize=64)
def _topics(sha: str, content: str) -> tuple[frozenset[str], str | None]:
    try:
        modules = modules_for(load_rule_set(content, source_name=f"rule-version-{sha[:12]}"))
    except TrainingError as err:
        return frozenset(), str(err)
    return frozenset(t for m in modules for t in m.topics), None


def check_p1(session: Session, scope: Scope) -> RequirementStatus:
    """Return P1: the modules each rule version in force requires teach all six topics."""
    versions = in_force(session, scope)
    short = {}
    for version in versions:
        topics, error = _topics(version.content_sha256, version.content)
        missing = sorted(set(TOPIC_IDS) - topics)
        if error or missing:
            short[version.label] = error or ", ".join(missing)
    facts = {"versions": [v.label for v in versions], "short": short}
    say = statuses_for(requirement("P1"), RECORDS, facts)
    if not versions:
        return say(
            Status.NOT_APPLICABLE,
            _l("No rule version is in force, so no training is required yet."),
        )
    if short:
        return say(
            Status.FAILING,
            _l(
                "The training of %(labels)s misses topics or fails its linter.",
                labels=", ".join(short),
            ),
        )
    return say(
        Status.MET,
        _l(
            "The training of all %(n)d rule versions in force covers the six topics.",
            n=len(versions),
        ),
    )


def check_p2(session: Session, scope: Scope) -> RequirementStatus:
    """Return P2: every counted annotation had a pass record in force when it was made."""
    key = None
    if scope.rule_set_id is not None:
        key = session.scalar(select(RuleSetRecord.key).where(RuleSetRecord.id == scope.rule_set_id))
    rows = [r for r in assessor_report(session) if key is None or r.rule_set == key]
    exams = count(
        session, select(func.count(ExamAttempt.id)).where(ExamAttempt.submitted_at.is_not(None))
    )
    total, missing = sum(r.annotations for r in rows), sum(r.without_pass for r in rows)
    people = sorted({r.email for r in rows if r.without_pass})
    facts = {
        "annotations": total,
        "without_pass": missing,
        "exams_recorded": exams,
        "annotators_without_pass": people,
    }
    say = statuses_for(requirement("P2"), RECORDS, facts)
    if total == 0:
        return say(Status.NOT_APPLICABLE, _l("No annotation yet; %(n)d exams recorded.", n=exams))
    if missing:
        return say(
            Status.FAILING,
            _l(
                "%(n)d annotations by %(people)d people were made without a valid pass record.",
                n=missing,
                people=len(people),
            ),
        )
    return say(
        Status.MET,
        _l(
            "All %(n)d annotations had a valid pass record behind them; %(exams)d exams recorded.",
            n=total,
            exams=exams,
        ),
    )


def _valid_now(now):
    return exists().where(
        Qualification.user_id == Assignment.user_id,
        Qualification.rule_set_id == RuleVersion.rule_set_id,
        Qualification.major_version == RuleVersion.major,
        Qualification.in_force(now),
    )


def check_p3(session: Session, scope: Scope) -> RequirementStatus:
    """Return P3: nobody works on without a current qualification; suspensions happen."""
    now = utcnow()
    unqualified = count(
        session,
        select(func.count(distinct(Assignment.user_id)))
        .join(Batch, Batch.id == Assignment.batch_id)
        .join(RuleVersion, RuleVersion.id == Batch.rule_version_id)
        .where(
            Assignment.role == "annotator",
            Assignment.revoked_at.is_(None),
            Batch.state == BatchState.ANNOTATING,
            Batch.id.in_(scope.batch_ids()),
            ~_valid_now(now),
        ),
    )
    counts = dict(
        session.execute(
            select(Qualification.status, func.count(Qualification.id)).group_by(
                Qualification.status
            )
        ).all()
    )
    expired = count(
        session,
        select(func.count(Qualification.id)).where(
            Qualification.status == QualificationStatus.VALID, Qualification.valid_until <= now
        ),
    )
    facts = {"qualifications": counts, "expired": expired, "assigned_unqualified": unqualified}
    say = statuses_for(requirement("P3"), QUALIFICATIONS, facts)
    if not counts:
        return say(Status.NOT_APPLICABLE, _l("No qualification recorded yet."))
    if unqualified:
        return say(
            Status.FAILING,
            _l(
                "%(n)d people still hold annotation work without a current qualification.",
                n=unqualified,
            ),
        )
    return say(
        Status.MET,
        _l(
            "Every qualification expires and is renewed by retraining; "
            "%(s)d suspended, %(e)d expired.",
            s=counts.get("suspended", 0),
            e=expired,
        ),
    )


def check_p4(session: Session, scope: Scope) -> RequirementStatus:
    """Return P4: the four roles are held and every batch at work has recorded assignments."""
    holders = dict(
        session.execute(
            select(RoleGrant.role, func.count(distinct(RoleGrant.user_id)))
            .join(User, User.id == RoleGrant.user_id)
            .where(
                RoleGrant.revoked_at.is_(None),
                User.is_active_account.is_(True),
                RoleGrant.role.in_(ROLES_NEEDED),
            )
            .group_by(RoleGrant.role)
        ).all()
    )
    started = select(Batch.id).where(
        Batch.state != BatchState.IMPORTED, Batch.id.in_(scope.batch_ids())
    )
    batches = count_rows(session, started)
    unassigned = count_rows(
        session, started.where(~exists().where(Assignment.batch_id == Batch.id))
    )
    missing = [r for r in ROLES_NEEDED if not holders.get(r)]
    facts = {"holders": holders, "batches": batches, "without_assignments": unassigned}
    say = statuses_for(requirement("P4"), Evidence("batches.index"), facts)
    if batches == 0:
        return say(Status.NOT_APPLICABLE, _l("No batch has started yet."))
    if unassigned:
        return say(
            Status.FAILING, _l("%(n)d batches at work have no recorded assignment.", n=unassigned)
        )
    if missing:
        return say(
            Status.WARNING, _l("Nobody holds the role(s) %(roles)s.", roles=", ".join(missing))
        )
    return say(
        Status.MET,
        _l(
            "All four roles are held and all %(n)d batches at work have recorded assignments.",
            n=batches,
        ),
    )
