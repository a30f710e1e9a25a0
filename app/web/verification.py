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
    Item,
    Job,
    ReviewQueue,
    ReviewTask,
    SupervisionCheck,
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
    supervision,
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


def _emails() -> dict[int, str]:
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
        emails=_emails(),
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
        if made and b.ls_project_id is not None:
            from app.services.label_studio import gateway

            corrections.realise(db.session, gateway(), b)
        return _("%(n)d corrections assigned.", n=len(made))

    return _act(batch_id, action)


@bp.route("/batches/<int:batch_id>/verification/agreement", methods=["POST"])
@allow(*LEADS)
def measure_agreement(batch_id: int):
    """Measure agreement; open arbitrations; set consensus labels."""
    method = request.form.get("method", "majority_vote")
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
    for row in _table_rows(b, table, _emails()):
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


@bp.route("/my/reviews")
@allow("reviewer")
def my_reviews():
    """A verifier's review tasks per batch, how many are done, and their queue link."""
    rows = db.session.execute(
        select(Batch, func.count(ReviewTask.id), func.count(ReviewTask.completed_at))
        .join(ReviewTask, ReviewTask.batch_id == Batch.id)
        .where(ReviewTask.reviewer_id == g.user.id)
        .group_by(Batch.id)
        .order_by(Batch.id.desc())
    ).all()
    queues = {
        q.batch_id: q.url
        for q in db.session.scalars(select(ReviewQueue).where(ReviewQueue.user_id == g.user.id))
    }
    return render_template("verification/my_reviews.html", rows=rows, queues=queues)


@bp.route("/arbitration/")
@allow("arbitrator")
def arbitration_queue():
    """Open disagreements, with the labels each annotator gave."""
    rows = db.session.execute(
        select(Arbitration, Item, Batch)
        .join(Item, Item.id == Arbitration.item_id)
        .join(Batch, Batch.id == Arbitration.batch_id)
        .where(Arbitration.status == "open")
        .order_by(Arbitration.id)
        .limit(200)
    ).all()
    return render_template(
        "verification/arbitration.html", rows=rows, form=EmptyForm(), outcomes=agreement.OUTCOMES
    )


@bp.route("/arbitration/<int:arbitration_id>", methods=["POST"])
@allow("arbitrator")
def arbitrate(arbitration_id: int):
    """Record an arbitrator's decision on one disagreement."""
    row = db.session.get(Arbitration, arbitration_id)
    if row is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        agreement.decide(
            db.session,
            row,
            g.user,
            outcome=request.form.get("outcome", ""),
            label=request.form.get("label") or None,
            note=request.form.get("note", ""),
        )
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(
            _("Disagreement %(id)d decided: %(outcome)s.", id=row.id, outcome=row.outcome), "info"
        )
    return redirect(url_for("verification.arbitration_queue"))


@bp.route("/supervision/")
@allow("supervisor")
def supervision_index():
    """Spot-checks of reviewers' and arbitrators' work, and a form to draw one."""
    checks = db.session.scalars(
        select(SupervisionCheck).order_by(SupervisionCheck.id.desc()).limit(100)
    ).all()
    batches = db.session.scalars(select(Batch).order_by(Batch.id.desc()).limit(200)).all()
    return render_template(
        "verification/supervision.html",
        checks=checks,
        batches=batches,
        summary=supervision.summary,
        emails=_emails(),
        form=EmptyForm(),
    )


@bp.route("/supervision/draw", methods=["POST"])
@allow("supervisor")
def supervision_draw():
    """Draw a spot-check."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    b = db.session.get(Batch, request.form.get("batch_id", type=int) or 0)
    if b is None:
        flash(_("Choose a batch."), "error")
        return redirect(url_for("verification.supervision_index"))
    try:
        check = supervision.draw(
            db.session,
            b,
            g.user,
            role=request.form.get("role", ""),
            size=request.form.get("size", 5, type=int) or 5,
        )
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("verification.supervision_index"))
    db.session.commit()
    return redirect(url_for("verification.supervision_check", check_id=check.id))


def _check_or_404(check_id: int) -> SupervisionCheck:
    check = db.session.get(SupervisionCheck, check_id)
    if check is None:
        abort(404)
    return check


@bp.route("/supervision/<int:check_id>")
@allow("supervisor")
def supervision_check(check_id: int):
    """One spot-check: the sampled work, the judgements so far, risks and handling."""
    check = _check_or_404(check_id)
    model = VerificationRecord if check.role_checked == "reviewer" else Arbitration
    sampled = db.session.scalars(
        select(model).where(model.id.in_(check.sample)).order_by(model.id)
    ).all()
    return render_template(
        "verification/check.html",
        check=check,
        sampled=sampled,
        facts=supervision.summary(check),
        emails=_emails(),
        form=EmptyForm(),
    )


def _check_action(check_id: int, action) -> Response:
    check = _check_or_404(check_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        action(check)
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(_("Saved."), "info")
    return redirect(url_for("verification.supervision_check", check_id=check_id))


@bp.route("/supervision/<int:check_id>/judge", methods=["POST"])
@allow("supervisor")
def supervision_judge(check_id: int):
    """Uphold or overturn one sampled arbitration."""
    return _check_action(
        check_id,
        lambda c: supervision.judge_arbitration(
            db.session,
            c,
            g.user,
            request.form.get("arbitration_id", 0, type=int),
            upheld=request.form.get("upheld") == "yes",
            note=request.form.get("note", ""),
        ),
    )


@bp.route("/supervision/<int:check_id>/close", methods=["POST"])
@allow("supervisor")
def supervision_close(check_id: int):
    """Record the risks found and their handling; close the check."""
    return _check_action(
        check_id,
        lambda c: supervision.close(
            db.session,
            c,
            g.user,
            risks=request.form.get("risks", ""),
            handling=request.form.get("handling", ""),
        ),
    )
