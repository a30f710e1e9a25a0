"""V1–V7: plans and decisions per batch, full review of security batches, independent
verifiers, what they check, corrections, the verification records and security coverage."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from app.models import (
    Batch,
    BatchDecision,
    BatchState,
    Correction,
    VerificationPlan,
    VerificationRecord,
)
from app.services.compliance.duty_checks import verdicts_by_own_annotators
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
from app.services.rule_versions import rule_set_of
from app.services.verification.coverage import dataset_coverage

BATCHES = Evidence("batches.index")
OVERVIEW = Evidence("dashboard.overview_page")
PAST_ANNOTATION = (
    BatchState.VERIFYING,
    BatchState.ACCEPTED,
    BatchState.REJECTED,
    BatchState.VOID,
    BatchState.RELEASED,
)
SETTLED = (BatchState.ACCEPTED, BatchState.RELEASED)
SECURITY_VOID_RATE = 0.05
RECORD_FIELDS = (
    "original_annotator_id",
    "corrector_id",
    "original_content",
    "corrected_content",
    "original_at",
    "corrected_at",
    "re_review_record_id",
)


def _latest_decisions(scope: Scope):
    newest = (
        select(BatchDecision.batch_id, func.max(BatchDecision.id).label("id"))
        .group_by(BatchDecision.batch_id)
        .subquery()
    )
    return (
        select(Batch, BatchDecision)
        .join(newest, newest.c.batch_id == Batch.id)
        .join(BatchDecision, BatchDecision.id == newest.c.id)
        .where(Batch.id.in_(scope.batch_ids()))
    )


def _counted_records(scope: Scope) -> tuple:
    return (
        VerificationRecord.quarantined.is_(False),
        VerificationRecord.deleted_at.is_(None),
        VerificationRecord.batch_id.in_(scope.batch_ids()),
    )


def check_v1(session: Session, scope: Scope) -> RequirementStatus:
    """Return V1: every functional batch past annotation has a plan with its reason, and
    every accepted one a decision."""
    batches = select(Batch.id).where(
        Batch.kind == "functional",
        Batch.state.in_(PAST_ANNOTATION),
        Batch.id.in_(scope.batch_ids()),
    )
    total = count_rows(session, batches)
    no_plan = count_rows(
        session,
        batches.where(
            ~exists().where(VerificationPlan.batch_id == Batch.id, VerificationPlan.reason != "")
        ),
    )
    undecided = count_rows(
        session,
        batches.where(
            Batch.state.in_(SETTLED), ~exists().where(BatchDecision.batch_id == Batch.id)
        ),
    )
    voided = count(
        session,
        select(func.count(BatchDecision.id)).where(
            BatchDecision.decision == "void", BatchDecision.batch_id.in_(batches)
        ),
    )
    facts = {
        "batches": total,
        "without_plan": no_plan,
        "accepted_without_decision": undecided,
        "void_decisions": voided,
    }
    say = statuses_for(requirement("V1"), BATCHES, facts)
    if total == 0:
        return say(Status.NOT_APPLICABLE, _l("No functional batch has reached verification yet."))
    if no_plan or undecided:
        return say(
            Status.FAILING,
            _l(
                "%(plan)d batches have no recorded plan and %(dec)d were "
                "accepted without a decision.",
                plan=no_plan,
                dec=undecided,
            ),
        )
    return say(
        Status.MET,
        _l(
            "All %(n)d functional batches past annotation were sampled by a "
            "recorded plan; %(void)d voided.",
            n=total,
            void=voided,
        ),
    )


def check_v2(session: Session, scope: Scope) -> RequirementStatus:
    """Return V2: decided security batches were reviewed in full and voided above 5 %."""
    rows = session.execute(_latest_decisions(scope).where(Batch.kind == "security")).all()
    partial = [b.name for b, d in rows if d.decision != "void" and d.reviewed < b.item_count]
    lenient = [
        b.name
        for b, d in rows
        if d.decision == "accepted" and d.reviewed and d.defects / d.reviewed > SECURITY_VOID_RATE
    ]
    facts = {
        "decided": len(rows),
        "not_reviewed_in_full": partial,
        "accepted_above_5_percent": lenient,
    }
    say = statuses_for(requirement("V2"), BATCHES, facts)
    if not rows:
        return say(Status.NOT_APPLICABLE, _l("No security batch has been decided yet."))
    if partial or lenient:
        return say(
            Status.FAILING,
            _l(
                "%(p)d security batches were decided without a full "
                "review, %(l)d accepted above 5 %% failures.",
                p=len(partial),
                l=len(lenient),
            ),
        )
    return say(
        Status.MET,
        _l("All %(n)d decided security batches were reviewed item by item.", n=len(rows)),
    )


def check_v3(session: Session, scope: Scope) -> RequirementStatus:
    """Return V3: no counted verdict comes from someone who worked on the batch."""
    verdicts = count(
        session, select(func.count(VerificationRecord.id)).where(*_counted_records(scope))
    )
    own = verdicts_by_own_annotators(session, scope) if verdicts else 0
    facts = {"verdicts": verdicts, "from_batch_annotators": own}
    say = statuses_for(requirement("V3"), OVERVIEW, facts)
    if verdicts == 0:
        return say(Status.NOT_APPLICABLE, _l("No verdict recorded yet."))
    if own:
        return say(
            Status.FAILING,
            _l("%(n)d counted verdicts came from people who worked on the batch.", n=own),
        )
    return say(
        Status.MET,
        _l(
            "All %(n)d counted verdicts came from randomly drawn people outside the batch.",
            n=verdicts,
        ),
    )


def check_v4(session: Session, scope: Scope) -> RequirementStatus:
    """Return V4: review checklists exist, and negative verdicts name their defect codes."""
    versions = in_force(session, scope)
    no_list = [v.label for v in versions if not rule_set_of(v).checklist]
    negative = session.scalars(
        select(VerificationRecord.defect_codes).where(
            *_counted_records(scope), VerificationRecord.correct.is_(False)
        )
    ).all()
    uncoded = sum(1 for codes in negative if not codes)
    facts = {
        "versions_without_checklist": no_list,
        "negative_verdicts": len(negative),
        "without_defect_code": uncoded,
    }
    say = statuses_for(requirement("V4"), Evidence("rules.index"), facts)
    if not versions and not negative:
        return say(Status.NOT_APPLICABLE, _l("No rule version in force and no verdict yet."))
    if no_list:
        return say(
            Status.FAILING,
            _l(
                "%(labels)s give verifiers no checklist of defect codes.", labels=", ".join(no_list)
            ),
        )
    if uncoded:
        return say(
            Status.WARNING,
            _l(
                "%(n)d of %(total)d 'incorrect' verdicts name no defect code.",
                n=uncoded,
                total=len(negative),
            ),
        )
    return say(
        Status.MET,
        _l("Verifiers judge by the checklist; every 'incorrect' verdict names its defects."),
    )


def _uncorrected(session: Session, scope: Scope) -> list[str]:
    """Return the batch state of each counted 'incorrect' verdict with no correction."""
    return list(
        session.scalars(
            select(Batch.state)
            .join(VerificationRecord, VerificationRecord.batch_id == Batch.id)
            .where(
                *_counted_records(scope),
                VerificationRecord.correct.is_(False),
                Batch.state != BatchState.VOID,
                ~exists().where(
                    Correction.original_annotation_id == VerificationRecord.annotation_id
                ),
            )
        )
    )


def check_v5(session: Session, scope: Scope) -> RequirementStatus:
    """Return V5: flagged items are sent for correction; archived corrections are complete
    and re-reviewed."""
    waiting = _uncorrected(session, scope)
    settled = sum(1 for state in waiting if state in SETTLED)
    archived = session.scalars(
        select(Correction).where(
            Correction.status == "archived", Correction.batch_id.in_(scope.batch_ids())
        )
    ).all()
    incomplete = [c.id for c in archived if any(getattr(c, name) is None for name in RECORD_FIELDS)]
    total = count(
        session, select(func.count(Correction.id)).where(Correction.batch_id.in_(scope.batch_ids()))
    )
    facts = {
        "corrections": total,
        "archived": len(archived),
        "incomplete": incomplete,
        "flagged_uncorrected": len(waiting),
        "in_accepted_batches": settled,
    }
    say = statuses_for(requirement("V5"), OVERVIEW, facts)
    if total == 0 and not waiting:
        return say(Status.NOT_APPLICABLE, _l("No item has been flagged yet."))
    if settled or incomplete:
        return say(
            Status.FAILING,
            _l(
                "%(s)d flagged items in accepted batches were never "
                "corrected; %(i)d archived corrections lack part of their "
                "record.",
                s=settled,
                i=len(incomplete),
            ),
        )
    if waiting:
        return say(
            Status.WARNING,
            _l("%(n)d flagged items wait to be sent for correction.", n=len(waiting)),
        )
    return say(
        Status.MET,
        _l("%(n)d corrections recorded, %(a)d re-reviewed and archived.", n=total, a=len(archived)),
    )


def check_v6(session: Session, scope: Scope) -> RequirementStatus:
    """Return V6: counted verification records hold verifier, time and result."""
    base = select(func.count(VerificationRecord.id)).where(*_counted_records(scope))
    total = count(session, base)
    incomplete = count(
        session,
        base.where(
            VerificationRecord.verifier_id.is_(None)
            | VerificationRecord.reviewed_at.is_(None)
            | VerificationRecord.correct.is_(None)
        ),
    )
    say = statuses_for(requirement("V6"), OVERVIEW, {"records": total, "incomplete": incomplete})
    if total == 0:
        return say(Status.NOT_APPLICABLE, _l("No verdict recorded yet."))
    if incomplete:
        return say(
            Status.FAILING,
            _l(
                "%(n)d of %(total)d verification records lack verifier, time or result.",
                n=incomplete,
                total=total,
            ),
        )
    return say(
        Status.MET,
        _l(
            "All %(n)d verification records hold verifier, time, result, problems and action.",
            n=total,
        ),
    )


def check_v7(session: Session, scope: Scope) -> RequirementStatus:
    """Return V7: per dataset with security work, the share and per-risk counts (warnings)."""
    datasets = session.scalars(
        select(Batch.dataset_id)
        .where(Batch.kind == "security", Batch.id.in_(scope.batch_ids()))
        .distinct()
    ).all()
    short = {}
    for dataset in datasets:
        warnings = [str(w) for w in dataset_coverage(session, dataset).warnings]
        if warnings:
            short[dataset] = warnings
    say = statuses_for(
        requirement("V7"),
        Evidence("datasets.index"),
        {"datasets": len(datasets), "warnings": short},
    )
    if not datasets:
        return say(Status.NOT_APPLICABLE, _l("No dataset has security annotation yet."))
    if short:
        return say(
            Status.WARNING,
            _l(
                "%(n)d datasets fall short of 3 %% security annotations or 200 per covered risk.",
                n=len(short),
            ),
        )
    return say(
        Status.MET,
        _l(
            "All %(n)d datasets with security annotation meet the recommended coverage.",
            n=len(datasets),
        ),
    )
