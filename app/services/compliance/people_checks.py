"""P1–P9: training, exams and qualifications, roles, separation of duties, pace,
arbitration, supervision and revoked access."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, exists, func, select
from sqlalchemy.orm import Session

from app.models import (
    Annotation,
    Arbitration,
    Assignment,
    Batch,
    BatchState,
    ExamAttempt,
    Qualification,
    ReviewTask,
    RoleGrant,
    RuleSetRecord,
    RuleVersion,
    SupervisionCheck,
    User,
    VerificationRecord,
    utcnow,
)
from app.services.compliance.model import Evidence, RequirementStatus, Scope, Status
from app.services.compliance.requirements import requirement
from app.services.compliance.rules_checks import in_force
from app.services.dashboard import pace
from app.services.qualification_review import assessor_report
from app.services.verification.units import counted
from labeling_rules import load_rule_set
from training_modules import TOPIC_IDS, modules_for
from training_modules.errors import TrainingError

RECORDS = Evidence("training.records")
QUALIFICATIONS = Evidence("training.qualifications")
ANNOTATORS = Evidence("dashboard.annotators_page")
WORKING = (BatchState.ANNOTATING, BatchState.VERIFYING)
ROLES_NEEDED = ("annotator", "reviewer", "arbitrator", "supervisor")
STALE_ARBITRATION_DAYS = 7
SUPERVISION_WINDOW_DAYS = 90


@lru_cache(maxsize=64)
def _topics(sha: str, content: str) -> tuple[frozenset[str], str | None]:
    try:
        modules = modules_for(load_rule_set(content, source_name=f"rule-version-{sha[:12]}"))
    except TrainingError as err:
        return frozenset(), str(err)
    return frozenset(t for m in modules for t in m.topics), None


def check_p1(session: Session, scope: Scope) -> RequirementStatus:
    """Return P1: the modules each rule version in force requires teach all six topics."""
    req = requirement("P1")
    versions = in_force(session, scope)
    if not versions:
        return RequirementStatus(
            req,
            Status.NOT_APPLICABLE,
            _l("No rule version is in force, so no training is required yet."),
            RECORDS,
        )
    short = {}
    for version in versions:
        topics, error = _topics(version.content_sha256, version.content)
        missing = sorted(set(TOPIC_IDS) - topics)
        if error or missing:
            short[version.label] = error or ", ".join(missing)
    if short:
        return RequirementStatus(
            req,
            Status.FAILING,
            _l(
                "The training of %(labels)s misses topics or fails its linter.",
                labels=", ".join(short),
            ),
            RECORDS,
            {"short": short},
        )
    return RequirementStatus(
        req,
        Status.MET,
        _l(
            "The training of all %(n)d rule versions in force covers the six topics.",
            n=len(versions),
        ),
        RECORDS,
        {"versions": [v.label for v in versions]},
    )


def check_p2(session: Session, scope: Scope) -> RequirementStatus:
    """Return P2: every counted annotation had a pass record in force when it was made."""
    req = requirement("P2")
    key = None
    if scope.rule_set_id is not None:
        key = session.scalar(select(RuleSetRecord.key).where(RuleSetRecord.id == scope.rule_set_id))
    rows = [r for r in assessor_report(session) if key is None or r.rule_set == key]
    exams = (
        session.scalar(
            select(func.count(ExamAttempt.id)).where(ExamAttempt.submitted_at.is_not(None))
        )
        or 0
    )
    total = sum(r.annotations for r in rows)
    missing = sum(r.without_pass for r in rows)
    facts = {
        "annotations": total,
        "without_pass": missing,
        "exams_recorded": exams,
        "annotators_without_pass": sorted({r.email for r in rows if r.without_pass}),
    }
    if total == 0:
        return RequirementStatus(
            req,
            Status.NOT_APPLICABLE,
            _l("No annotation yet; %(n)d exams recorded.", n=exams),
            RECORDS,
            facts,
        )
    if missing:
        return RequirementStatus(
            req,
            Status.FAILING,
            _l(
                "%(n)d annotations by %(people)d people were made without a valid pass record.",
                n=missing,
                people=len(facts["annotators_without_pass"]),
            ),
            RECORDS,
            facts,
        )
    return RequirementStatus(
        req,
        Status.MET,
        _l(
            "All %(n)d annotations had a valid pass record behind them; %(exams)d exams recorded.",
            n=total,
            exams=exams,
        ),
        RECORDS,
        facts,
    )


def _valid_now(now):
    return exists().where(
        Qualification.user_id == Assignment.user_id,
        Qualification.rule_set_id == RuleVersion.rule_set_id,
        Qualification.major_version == RuleVersion.major,
        Qualification.status == "valid",
        Qualification.ended_at.is_(None),
        Qualification.valid_until > now,
    )


def check_p3(session: Session, scope: Scope) -> RequirementStatus:
    """Return P3: nobody works on without a current qualification; suspensions happen."""
    req = requirement("P3")
    now = utcnow()
    unqualified = (
        session.scalar(
            select(func.count(distinct(Assignment.user_id)))
            .join(Batch, Batch.id == Assignment.batch_id)
            .join(RuleVersion, RuleVersion.id == Batch.rule_version_id)
            .where(
                Assignment.role == "annotator",
                Assignment.revoked_at.is_(None),
                Batch.state == BatchState.ANNOTATING,
                Batch.id.in_(scope.batch_ids()),
                ~_valid_now(now),
            )
        )
        or 0
    )
    counts = dict(
        session.execute(
            select(Qualification.status, func.count(Qualification.id)).group_by(
                Qualification.status
            )
        ).all()
    )
    expired = (
        session.scalar(
            select(func.count(Qualification.id)).where(
                Qualification.status == "valid", Qualification.valid_until <= now
            )
        )
        or 0
    )
    facts = {"qualifications": counts, "expired": expired, "assigned_unqualified": unqualified}
    if not counts:
        return RequirementStatus(
            req, Status.NOT_APPLICABLE, _l("No qualification recorded yet."), QUALIFICATIONS, facts
        )
    if unqualified:
        return RequirementStatus(
            req,
            Status.FAILING,
            _l(
                "%(n)d people still hold annotation work without a current qualification.",
                n=unqualified,
            ),
            QUALIFICATIONS,
            facts,
        )
    return RequirementStatus(
        req,
        Status.MET,
        _l(
            "Every qualification expires and is renewed by retraining; %(s)d suspended, "
            "%(e)d expired.",
            s=counts.get("suspended", 0),
            e=expired,
        ),
        QUALIFICATIONS,
        facts,
    )


def check_p4(session: Session, scope: Scope) -> RequirementStatus:
    """Return P4: the four roles are held and every batch at work has recorded assignments."""
    req = requirement("P4")
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
    unassigned = (
        session.scalar(
            select(func.count()).select_from(
                started.where(~exists().where(Assignment.batch_id == Batch.id)).subquery()
            )
        )
        or 0
    )
    batches = session.scalar(select(func.count()).select_from(started.subquery())) or 0
    missing = [r for r in ROLES_NEEDED if not holders.get(r)]
    facts = {"holders": holders, "batches": batches, "without_assignments": unassigned}
    evidence = Evidence("batches.index")
    if batches == 0:
        return RequirementStatus(
            req, Status.NOT_APPLICABLE, _l("No batch has started yet."), evidence, facts
        )
    if unassigned:
        return RequirementStatus(
            req,
            Status.FAILING,
            _l("%(n)d batches at work have no recorded assignment.", n=unassigned),
            evidence,
            facts,
        )
    if missing:
        return RequirementStatus(
            req,
            Status.WARNING,
            _l("Nobody holds the role(s) %(roles)s.", roles=", ".join(missing)),
            evidence,
            facts,
        )
    return RequirementStatus(
        req,
        Status.MET,
        _l(
            "All four roles are held and all %(n)d batches at work have recorded assignments.",
            n=batches,
        ),
        evidence,
        facts,
    )


def verdicts_by_own_annotators(session: Session, scope: Scope) -> int:
    """Return how many counted verdicts came from someone who annotated in that batch."""
    return (
        session.scalar(
            select(func.count(VerificationRecord.id)).where(
                VerificationRecord.quarantined.is_(False),
                VerificationRecord.deleted_at.is_(None),
                VerificationRecord.batch_id.in_(scope.batch_ids()),
                exists().where(
                    Annotation.batch_id == VerificationRecord.batch_id,
                    Annotation.user_id == VerificationRecord.verifier_id,
                ),
            )
        )
        or 0
    )


def check_p5(session: Session, scope: Scope) -> RequirementStatus:
    """Return P5: no verdict from an annotator of the batch; strict batches keep one role
    per person."""
    req = requirement("P5")
    reviews = (
        session.scalar(
            select(func.count(VerificationRecord.id)).where(
                VerificationRecord.batch_id.in_(scope.batch_ids())
            )
        )
        or 0
    )
    if reviews == 0:
        return RequirementStatus(
            req, Status.NOT_APPLICABLE, _l("No verdict recorded yet."), ANNOTATORS
        )
    own = verdicts_by_own_annotators(session, scope)
    doubled = (
        session.scalar(
            select(func.count(distinct(Assignment.user_id)))
            .join(Batch, Batch.id == Assignment.batch_id)
            .where(
                Batch.strict_separation.is_(True),
                Assignment.role == "annotator",
                Batch.id.in_(scope.batch_ids()),
                exists().where(
                    ReviewTask.batch_id == Assignment.batch_id,
                    ReviewTask.reviewer_id == Assignment.user_id,
                ),
            )
        )
        or 0
    )
    refused = (
        session.scalar(
            select(func.count(VerificationRecord.id)).where(
                VerificationRecord.quarantined.is_(True),
                VerificationRecord.batch_id.in_(scope.batch_ids()),
            )
        )
        or 0
    )
    facts = {
        "verdicts": reviews,
        "own_batch_verdicts": own,
        "two_roles": doubled,
        "verdicts_quarantined": refused,
    }
    if own or doubled:
        return RequirementStatus(
            req,
            Status.FAILING,
            _l(
                "%(own)d verdicts came from annotators of the same batch; %(two)d people hold two "
                "roles in a strict batch.",
                own=own,
                two=doubled,
            ),
            ANNOTATORS,
            facts,
        )
    return RequirementStatus(
        req,
        Status.MET,
        _l(
            "No verdict from an annotator of the batch; %(n)d verdicts from ineligible people "
            "were quarantined.",
            n=refused,
        ),
        ANNOTATORS,
        facts,
    )


def check_p6(session: Session, scope: Scope, policy: pace.PacePolicy) -> RequirementStatus:
    """Return P6: lead times are recorded, and how many annotators work implausibly fast."""
    req = requirement("P6")
    limits = pace.thresholds(session, policy)
    fast = pace.too_fast(limits)
    rows = session.execute(
        counted(
            select(
                Annotation.user_id,
                func.count(Annotation.id),
                func.count(Annotation.lead_time),
                func.count(Annotation.id).filter(fast),
            )
            .where(Annotation.batch_id.in_(scope.batch_ids()))
            .group_by(Annotation.user_id)
        )
    ).all()
    total = sum(r[1] for r in rows)
    untimed = total - sum(r[2] for r in rows)
    flagged = [uid for uid, _n, timed, quick in rows if pace.flagged(quick, timed, policy)]
    facts = {
        "annotations": total,
        "without_lead_time": untimed,
        "flagged_annotators": flagged,
        "too_fast_items": sum(r[3] for r in rows),
    }
    if total == 0:
        return RequirementStatus(
            req, Status.NOT_APPLICABLE, _l("No annotation yet."), ANNOTATORS, facts
        )
    if untimed > 0.01 * total:
        return RequirementStatus(
            req,
            Status.FAILING,
            _l(
                "%(n)d of %(total)d annotations have no recorded time on the item.",
                n=untimed,
                total=total,
            ),
            ANNOTATORS,
            facts,
        )
    if flagged:
        return RequirementStatus(
            req,
            Status.WARNING,
            _l(
                "%(n)d annotators submit implausibly fast work; look at their items.",
                n=len(flagged),
            ),
            ANNOTATORS,
            facts,
        )
    return RequirementStatus(
        req,
        Status.MET,
        _l("Time per item is recorded; no annotator works implausibly fast."),
        ANNOTATORS,
        facts,
    )


def check_p7(session: Session, scope: Scope) -> RequirementStatus:
    """Return P7: every decided disagreement names its arbitrator and outcome; none waits
    for long."""
    req = requirement("P7")
    rows = session.execute(
        select(
            Arbitration.status,
            Arbitration.arbitrator_id,
            Arbitration.outcome,
            Arbitration.labels_considered,
            Arbitration.created_at,
        ).where(Arbitration.batch_id.in_(scope.batch_ids()))
    ).all()
    evidence = Evidence("dashboard.agreement_page")
    if not rows:
        return RequirementStatus(
            req, Status.NOT_APPLICABLE, _l("No disagreement has gone to arbitration."), evidence
        )
    stale_before = utcnow() - timedelta(days=STALE_ARBITRATION_DAYS)
    decided = [r for r in rows if r.status == "decided"]
    bad = [
        r
        for r in decided
        if r.arbitrator_id is None
        or r.outcome is None
        or r.arbitrator_id in {entry.get("annotator") for entry in r.labels_considered or []}
    ]
    stale = [r for r in rows if r.status == "open" and r.created_at < stale_before]
    facts = {
        "arbitrations": len(rows),
        "decided": len(decided),
        "unsound": len(bad),
        "open_over_7_days": len(stale),
    }
    if bad:
        return RequirementStatus(
            req,
            Status.FAILING,
            _l(
                "%(n)d decided disagreements lack an independent arbitrator or an outcome.",
                n=len(bad),
            ),
            evidence,
            facts,
        )
    if stale:
        return RequirementStatus(
            req,
            Status.WARNING,
            _l("%(n)d disagreements have waited more than 7 days for an arbitrator.", n=len(stale)),
            evidence,
            facts,
        )
    return RequirementStatus(
        req,
        Status.MET,
        _l("%(n)d disagreements decided by an arbitrator, each recorded.", n=len(decided)),
        evidence,
        facts,
    )


def check_p8(session: Session, scope: Scope) -> RequirementStatus:
    """Return P8: supervisors spot-check reviewers and arbitrators and close with risks and
    handling."""
    req = requirement("P8")
    evidence = Evidence("verification.supervision_index")
    verified = (
        session.scalar(
            select(func.count(Batch.id)).where(
                Batch.state.notin_((BatchState.IMPORTED, BatchState.ANNOTATING)),
                Batch.id.in_(scope.batch_ids()),
            )
        )
        or 0
    )
    if verified == 0:
        return RequirementStatus(
            req, Status.NOT_APPLICABLE, _l("No batch has reached verification yet."), evidence
        )
    since = utcnow() - timedelta(days=SUPERVISION_WINDOW_DAYS)
    checks = session.execute(
        select(
            SupervisionCheck.role_checked, SupervisionCheck.status, SupervisionCheck.created_at
        ).where(SupervisionCheck.batch_id.in_(scope.batch_ids()))
    ).all()
    recent = {c.role_checked for c in checks if c.created_at >= since}
    facts = {
        "checks": len(checks),
        "closed": sum(c.status == "closed" for c in checks),
        "roles_checked_90_days": sorted(recent),
    }
    if not checks:
        return RequirementStatus(
            req,
            Status.FAILING,
            _l(
                "%(n)d batches reached verification but no supervisor has spot-checked any work.",
                n=verified,
            ),
            evidence,
            facts,
        )
    unchecked = sorted({"reviewer", "arbitrator"} - recent)
    if unchecked:
        return RequirementStatus(
            req,
            Status.WARNING,
            _l("No spot-check of %(roles)s in the last 90 days.", roles=", ".join(unchecked)),
            evidence,
            facts,
        )
    return RequirementStatus(
        req,
        Status.MET,
        _l(
            "%(n)d spot-checks recorded, reviewers and arbitrators covered in the last 90 days.",
            n=len(checks),
        ),
        evidence,
        facts,
    )


def check_p9(session: Session, scope: Scope) -> RequirementStatus:
    """Return P9: nobody deactivated or disqualified keeps open work."""
    req = requirement("P9")
    evidence = Evidence("admin.users")
    gone = select(User.id).where(User.is_active_account.is_(False))
    open_work = (
        session.scalar(
            select(func.count(distinct(Assignment.user_id)))
            .join(Batch, Batch.id == Assignment.batch_id)
            .where(
                Assignment.user_id.in_(gone),
                Assignment.revoked_at.is_(None),
                Batch.state.in_(WORKING),
                Batch.id.in_(scope.batch_ids()),
            )
        )
        or 0
    )
    open_reviews = (
        session.scalar(
            select(func.count(distinct(ReviewTask.reviewer_id))).where(
                ReviewTask.reviewer_id.in_(gone),
                ReviewTask.completed_at.is_(None),
                ReviewTask.batch_id.in_(scope.batch_ids()),
            )
        )
        or 0
    )
    deactivated = session.scalar(select(func.count()).select_from(gone.subquery())) or 0
    facts = {
        "deactivated": deactivated,
        "with_open_assignments": open_work,
        "with_open_reviews": open_reviews,
    }
    if open_work or open_reviews:
        return RequirementStatus(
            req,
            Status.FAILING,
            _l(
                "%(n)d deactivated people still hold open annotation or review work.",
                n=open_work + open_reviews,
            ),
            evidence,
            facts,
        )
    if deactivated == 0:
        return RequirementStatus(
            req, Status.NOT_APPLICABLE, _l("No account has been deactivated."), evidence, facts
        )
    return RequirementStatus(
        req,
        Status.MET,
        _l(
            "%(n)d deactivated accounts; none keeps open work, and their sessions and tokens end "
            "on deactivation.",
            n=deactivated,
        ),
        evidence,
        facts,
    )
