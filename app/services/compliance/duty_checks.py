"""P5–P9: separation of duties, pace, arbitration, supervision and revoked access."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, exists, func, select
from sqlalchemy.orm import Session

from app.models import (
    Annotation,
    Arbitration,
    Assignment,
    Batch,
    BatchState,
    ReviewTask,
    SupervisionCheck,
    User,
    VerificationRecord,
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
from app.services.dashboard import pace
from app.services.verification.units import counted

ANNOTATORS = Evidence("dashboard.annotators_page")
WORKING = (BatchState.ANNOTATING, BatchState.VERIFYING)
STALE_ARBITRATION_DAYS = 7
SUPERVISION_WINDOW_DAYS = 90


def verdicts_by_own_annotators(session: Session, scope: Scope) -> int:
    """Return how many counted verdicts came from someone who annotated in that batch."""
    return count(
        session,
        select(func.count(VerificationRecord.id)).where(
            VerificationRecord.quarantined.is_(False),
            VerificationRecord.deleted_at.is_(None),
            VerificationRecord.batch_id.in_(scope.batch_ids()),
            exists().where(
                Annotation.batch_id == VerificationRecord.batch_id,
                Annotation.user_id == VerificationRecord.verifier_id,
            ),
        ),
    )


def _two_roles(session: Session, scope: Scope) -> int:
    """Return how many people annotate and review in the same strict batch."""
    return count(
        session,
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
        ),
    )


def check_p5(session: Session, scope: Scope) -> RequirementStatus:
    """Return P5: no verdict from an annotator of the batch; strict batches keep one role
    per person."""
    records = select(func.count(VerificationRecord.id)).where(
        VerificationRecord.batch_id.in_(scope.batch_ids())
    )
    reviews = count(session, records)
    own = verdicts_by_own_annotators(session, scope) if reviews else 0
    doubled = _two_roles(session, scope) if reviews else 0
    refused = count(session, records.where(VerificationRecord.quarantined.is_(True)))
    facts = {
        "verdicts": reviews,
        "own_batch_verdicts": own,
        "two_roles": doubled,
        "verdicts_quarantined": refused,
    }
    say = statuses_for(requirement("P5"), ANNOTATORS, facts)
    if reviews == 0:
        return say(Status.NOT_APPLICABLE, _l("No verdict recorded yet."))
    if own or doubled:
        return say(
            Status.FAILING,
            _l(
                "%(own)d verdicts came from annotators of the same "
                "batch; %(two)d people hold two roles in a strict batch.",
                own=own,
                two=doubled,
            ),
        )
    return say(
        Status.MET,
        _l(
            "No verdict from an annotator of the batch; %(n)d verdicts from "
            "ineligible people were quarantined.",
            n=refused,
        ),
    )


def check_p6(session: Session, scope: Scope, policy: pace.PacePolicy) -> RequirementStatus:
    """Return P6: lead times are recorded, and how many annotators work implausibly fast."""
    fast = pace.too_fast(pace.thresholds(session, policy))
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
    say = statuses_for(requirement("P6"), ANNOTATORS, facts)
    if total == 0:
        return say(Status.NOT_APPLICABLE, _l("No annotation yet."))
    if untimed > 0.01 * total:
        return say(
            Status.FAILING,
            _l(
                "%(n)d of %(total)d annotations have no recorded time on the item.",
                n=untimed,
                total=total,
            ),
        )
    if flagged:
        return say(
            Status.WARNING,
            _l(
                "%(n)d annotators submit implausibly fast work; look at their items.",
                n=len(flagged),
            ),
        )
    return say(Status.MET, _l("Time per item is recorded; no annotator works implausibly fast."))


def check_p7(session: Session, scope: Scope) -> RequirementStatus:
    """Return P7: every decided disagreement names its arbitrator and outcome; none waits
    for long."""
    rows = session.execute(
        select(
            Arbitration.status,
            Arbitration.arbitrator_id,
            Arbitration.outcome,
            Arbitration.labels_considered,
            Arbitration.created_at,
        ).where(Arbitration.batch_id.in_(scope.batch_ids()))
    ).all()
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
    say = statuses_for(requirement("P7"), Evidence("dashboard.agreement_page"), facts)
    if not rows:
        return say(Status.NOT_APPLICABLE, _l("No disagreement has gone to arbitration."))
    if bad:
        return say(
            Status.FAILING,
            _l(
                "%(n)d decided disagreements lack an independent arbitrator or an outcome.",
                n=len(bad),
            ),
        )
    if stale:
        return say(
            Status.WARNING,
            _l("%(n)d disagreements have waited more than 7 days for an arbitrator.", n=len(stale)),
        )
    return say(
        Status.MET,
        _l("%(n)d disagreements decided by an arbitrator, each recorded.", n=len(decided)),
    )


def check_p8(session: Session, scope: Scope) -> RequirementStatus:
    """Return P8: supervisors spot-check reviewers and arbitrators and close with risks and
    handling."""
    verified = count_rows(
        session,
        select(Batch.id).where(
            Batch.state.notin_((BatchState.IMPORTED, BatchState.ANNOTATING)),
            Batch.id.in_(scope.batch_ids()),
        ),
    )
    since = utcnow() - timedelta(days=SUPERVISION_WINDOW_DAYS)
    checks = session.execute(
        select(
            SupervisionCheck.role_checked,
            SupervisionCheck.status,
            SupervisionCheck.created_at,
        ).where(SupervisionCheck.batch_id.in_(scope.batch_ids()))
    ).all()
    recent = {c.role_checked for c in checks if c.created_at >= since}
    unchecked = sorted({"reviewer", "arbitrator"} - recent)
    facts = {
        "checks": len(checks),
        "closed": sum(c.status == "closed" for c in checks),
        "roles_checked_90_days": sorted(recent),
    }
    say = statuses_for(requirement("P8"), Evidence("verification.supervision_index"), facts)
    if verified == 0:
        return say(Status.NOT_APPLICABLE, _l("No batch has reached verification yet."))
    if not checks:
        return say(
            Status.FAILING,
            _l(
                "%(n)d batches reached verification but no supervisor has spot-checked any work.",
                n=verified,
            ),
        )
    if unchecked:
        return say(
            Status.WARNING,
            _l("No spot-check of %(roles)s in the last 90 days.", roles=", ".join(unchecked)),
        )
    return say(
        Status.MET,
        _l(
            "%(n)d spot-checks recorded, reviewers and arbitrators covered in the last 90 days.",
            n=len(checks),
        ),
    )


def check_p9(session: Session, scope: Scope) -> RequirementStatus:
    """Return P9: nobody deactivated or disqualified keeps open work."""
    gone = select(User.id).where(User.is_active_account.is_(False))
    open_work = count(
        session,
        select(func.count(distinct(Assignment.user_id)))
        .join(Batch, Batch.id == Assignment.batch_id)
        .where(
            Assignment.user_id.in_(gone),
            Assignment.revoked_at.is_(None),
            Batch.state.in_(WORKING),
            Batch.id.in_(scope.batch_ids()),
        ),
    )
    open_reviews = count(
        session,
        select(func.count(distinct(ReviewTask.reviewer_id))).where(
            ReviewTask.reviewer_id.in_(gone),
            ReviewTask.completed_at.is_(None),
            ReviewTask.batch_id.in_(scope.batch_ids()),
        ),
    )
    deactivated = count_rows(session, gone)
    facts = {
        "deactivated": deactivated,
        "with_open_assignments": open_work,
        "with_open_reviews": open_reviews,
    }
    say = statuses_for(requirement("P9"), Evidence("admin.users"), facts)
    if open_work or open_reviews:
        return say(
            Status.FAILING,
            _l(
                "%(n)d deactivated people still hold open annotation or review work.",
                n=open_work + open_reviews,
            ),
        )
    if deactivated == 0:
        return say(Status.NOT_APPLICABLE, _l("No account has been deactivated."))
    return say(
        Status.MET,
        _l(
            "%(n)d deactivated accounts; none keeps open work, and their "
            "sessions and tokens end on deactivation.",
            n=deactivated,
        ),
    )
