"""Verification pages: a batch's plan, reviews, decision, corrections and agreement; a
reviewer's reviews; the arbitration queue; supervisors' spot-checks; CSV exports."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from app import jobs
from app.extensions import db
from app.models import (
    AgreementReport,
    Arbitration,
    Batch,
    Correction,
    Job,
    User,
    VerificationRecord,
)
from app.services.csv_export import csv_row
from app.services.errors import ServiceError
from app.services.verification import (
    agreement,
    corrections,
    coverage,
    decisions,
    plans,
    reviews,
)
from app.web.access import allow
from app.web.forms import EmptyForm
from app.web.oc_chart import oc_chart

bp = Blueprint("verification", __name__)

LEADS = ("qa_lead", "admin")
READERS = ("qa_lead", "admin", "supervisor", "auditor")
TABLES = {
    "records": (
        "id",
        "item",
        "verifier",
        "reviewed_at",
        "correct",
        "defect_codes",
        "illegal",
        "action_taken",
        "quarantined",
        "quarantine_reason",
    ),
    "corrections": (
        "id",
        "item",
        "original_annotator",
        "original_at",
        "corrector",
        "corrected_at",
        "status",
        "original_content",
        "corrected_content",
    ),
    "agreement": ("control", "coefficient", "estimate", "ci_low", "ci_high", "threshold", "items"),
}


def _batch_or_404(batch_id: int) -> Batch:
    batch = db.session.get(Batch, batch_id)
    if batch is None:
        abort(404)
    return batch


def emails() -> dict[int, str]:
    return dict(db.session.execute(select(User.id, User.email)).all())


@bp.route("/batches/<int:batch_id>/verification")
@allow(*READERS)
def batch(batch_id: int):
    """A batch's plan with its OC curve, review progress, decision, corrections, agreement."""
    b = _batch_or_404(batch_id)
    plan = plans.latest_plan(db.session, b.id)
    counts = decisions.tally(db.session, plan) if plan else None
    records = db.session.scalars(
        select(VerificationRecord)
        .where(VerificationRecord.batch_id == b.id)
        .order_by(VerificationRecord.id.desc())
        .limit(200)
    ).all()
    return render_template(
        "verification/batch.html",
        batch=b,
        plan=plan,
        counts=counts,
        chart=oc_chart(plan) if plan else None,
        records=records,
        emails=emails(),
        decision=plans.latest_decision(db.session, b.id),
        corrections=db.session.scalars(
            select(Correction).where(Correction.batch_id == b.id).order_by(Correction.id)
        ).all(),
        reports=db.session.scalars(
            select(AgreementReport)
            .where(AgreementReport.batch_id == b.id)
            .order_by(AgreementReport.control)
        ).all(),
        open_arbitrations=db.session.scalar(
            select(func.count(Arbitration.id)).where(
                Arbitration.batch_id == b.id, Arbitration.status == "open"
            )
        ),
        coverage=coverage.dataset_coverage(db.session, b.dataset_id),
        jobs=db.session.scalars(
            select(Job).where(Job.dedupe_key == f"verify:{b.id}").order_by(Job.id.desc()).limit(5)
        ).all(),
        reason_text=decisions.reason_text,
        form=EmptyForm(),
        can_act=g.user.has_role(*LEADS),
    )


def _act(batch_id: int, action) -> Response:
    b = _batch_or_404(batch_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        message = action(b)
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(message, "info")
    return redirect(url_for("verification.batch", batch_id=batch_id))


@bp.route("/batches/<int:batch_id>/verification/plan", methods=["POST"])
@allow(*LEADS)
def plan(batch_id: int):
    """Draw the batch's next verification plan."""
    seed = request.form.get("seed", "").strip()
    if seed and not seed.isdigit():
        flash(_("The seed must be a whole number between 0 and 2^62."), "error")
        return redirect(url_for("verification.batch", batch_id=batch_id))
    return _act(
        batch_id,
        lambda b: _(
            "Plan round %(round)d drawn: %(n)d items to review.",
            **_plan_facts(plans.draw_plan(db.session, b, seed=int(seed) if seed else None)),
        ),
    )


def _plan_facts(p) -> dict:
    return {"round": p.round, "n": p.sample_size}


@bp.route("/batches/<int:batch_id>/verification/assign", methods=["POST"])
@allow(*LEADS)
def assign(batch_id: int):
    """Give sampled items and corrections to independent verifiers."""

    def action(b: Batch) -> str:
        n = reviews.assign_reviews(db.session, b)
        m = corrections.collect(db.session, b)
        return _("%(n)d review tasks assigned, %(m)d corrections sent to re-review.", n=n, m=m)

    return _act(batch_id, action)


@bp.route("/batches/<int:batch_id>/verification/push", methods=["POST"])
@allow(*LEADS)
def push(batch_id: int):
    """Start putting the review tasks into Label Studio in the background."""
    return _act(batch_id, lambda b: _start(b, "verify_push"))


@bp.route("/batches/<int:batch_id>/verification/sync", methods=["POST"])
@allow(*LEADS)
def sync(batch_id: int):
    """Start pulling annotations and verdicts in the background."""
    return _act(batch_id, lambda b: _start(b, "verify_sync"))


def _start(b: Batch, kind: str) -> str:
    job = jobs.enqueue(db.session, kind, {"batch_id": b.id}, key=f"verify:{b.id}")
    return _("Job %(id)d started; its progress shows below.", id=job.id)


@bp.route("/batches/<int:batch_id>/verification/decide", methods=["POST"])
@allow(*LEADS)
def decide(batch_id: int):
    """Decide the batch by its plan."""

    def action(b: Batch) -> str:
        decision = decisions.decide(db.session, b)
        if decision is None:
            return _("The sequential test continues: more items were released for review.")
        return _("Decision: %(decision)s.", decision=decision.decision)

    return _act(batch_id, action)


@bp.route("/batches/<int:batch_id>/verification/correct", methods=["POST"])
@allow(*LEADS)
def correct(batch_id: int):
    """Give flagged items (or all) to other annotators to correct."""
    scope = "all" if request.form.get("scope") == "all" else "flagged"

    def action(b: Batch) -> str:
        made = corrections.start(db.session, b, scope=scope)
        return _("%(n)d corrections assigned.", n=len(made))

    return _act(batch_id, action)


@bp.route("/batches/<int:batch_id>/verification/agreement", methods=["POST"])
@allow(*LEADS)
def measure_agreement(batch_id: int):
    """Measure agreement; open arbitrations; set consensus labels."""
    method = request.form.get("method") or None  # None: the rule set's method
    return _act(
        batch_id,
        lambda b: _(
            "Agreement measured on %(n)d controls.",
            n=len(agreement.compute(db.session, b, method=method)),
        ),
    )


@bp.route("/batches/<int:batch_id>/verification/<table>.csv")
@allow(*READERS)
def export_csv(batch_id: int, table: str):
    """Download one of the verification tables as CSV."""
    b = _batch_or_404(batch_id)
    if table not in TABLES:
        abort(404)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TABLES[table])
    for row in _table_rows(b, table, emails()):
        writer.writerow(csv_row(*row))
    return Response(
        buffer.getvalue(),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename={b.name}-{table}.csv"},
    )


def _table_rows(b: Batch, table: str, emails: dict[int, str]):
    if table == "records":
        for r in db.session.scalars(
            select(VerificationRecord)
            .where(VerificationRecord.batch_id == b.id)
            .order_by(VerificationRecord.id)
        ):
            yield (
                r.id,
                r.item_id,
                emails.get(r.verifier_id, ""),
                r.reviewed_at or "",
                r.correct,
                " ".join(r.defect_codes),
                r.illegal_content,
                r.action_taken or "",
                r.quarantined,
                r.quarantine_reason or "",
            )
    elif table == "corrections":
        for c in db.session.scalars(
            select(Correction).where(Correction.batch_id == b.id).order_by(Correction.id)
        ):
            yield (
                c.id,
                c.item_id,
                emails.get(c.original_annotator_id, ""),
                c.original_at or "",
                emails.get(c.corrector_id, ""),
                c.corrected_at or "",
                c.status,
                c.original_content,
                c.corrected_content or "",
            )
    else:
        for r in db.session.scalars(
            select(AgreementReport)
            .where(AgreementReport.batch_id == b.id)
            .order_by(AgreementReport.control)
        ):
            yield (r.control, r.coefficient, r.estimate, r.ci_low, r.ci_high, r.threshold, r.items)


from app.web import verification_people  # noqa: E402,F401  (registers its routes on bp)
