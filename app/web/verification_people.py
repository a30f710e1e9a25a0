"""Verification work of people: a reviewer's reviews, the arbitrators' queue and the
supervisors' spot-checks (P7, P8). Routes of the `verification` blueprint."""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Arbitration,
    Batch,
    Item,
    ReviewProject,
    ReviewTask,
    SupervisionCheck,
    VerificationRecord,
)
from app.services.errors import ServiceError
from app.services.isolation import may_read_batch, readable_batches
from app.services.verification import agreement, supervision
from app.web.access import allow
from app.web.forms import EmptyForm
from app.web.verification import bp, emails


@bp.route("/my/reviews")
@allow("reviewer")
def my_reviews():
    """A verifier's review tasks per batch, how many are done, and the way into each (the door)."""
    rows = db.session.execute(
        select(Batch, func.count(ReviewTask.id), func.count(ReviewTask.completed_at))
        .join(ReviewTask, ReviewTask.batch_id == Batch.id)
        .where(ReviewTask.reviewer_id == g.user.id)
        .group_by(Batch.id)
        .order_by(Batch.id.desc())
    ).all()
    ready = set(db.session.scalars(select(ReviewProject.batch_id).where(
        ReviewProject.batch_id.in_([b.id for b, _n, _d in rows]))))
    return render_template("verification/my_reviews.html", rows=rows, ready=ready)


@bp.route("/arbitration/")
@allow("arbitrator")
def arbitration_queue():
    """Open disagreements, with the labels each annotator gave (none the arbitrator labelled)."""
    rows = [
        row
        for row in db.session.execute(
            readable_batches(
                select(Arbitration, Item, Batch)
                .join(Item, Item.id == Arbitration.item_id)
                .join(Batch, Batch.id == Arbitration.batch_id),
                g.user,
            )
            .where(Arbitration.status == "open")
            .order_by(Arbitration.id)
            .limit(500)
        ).all()
        # P5: nobody arbitrates an item they annotated.
        if g.user.id not in {entry["annotator"] for entry in row[0].labels_considered}
    ][:200]
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
    _guard(row.batch_id)
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
        readable_batches(
            select(SupervisionCheck).join(Batch, Batch.id == SupervisionCheck.batch_id), g.user
        )
        .order_by(SupervisionCheck.id.desc())
        .limit(100)
    ).all()
    batches = db.session.scalars(
        readable_batches(select(Batch), g.user).order_by(Batch.id.desc()).limit(200)
    ).all()
    return render_template(
        "verification/supervision.html",
        checks=checks,
        batches=batches,
        summary=supervision.summary,
        emails=emails(),
        form=EmptyForm(),
    )


@bp.route("/supervision/draw", methods=["POST"])
@allow("supervisor")
def supervision_draw():
    """Draw a spot-check."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    b = db.session.get(Batch, request.form.get("batch_id", type=int) or 0)
    if b is not None:
        _guard(b.id)
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


def _guard(batch_id: int) -> None:
    """Refuse a batch's security data to those not granted its rule set (L2)."""
    batch = db.session.get(Batch, batch_id)
    if batch is not None and not may_read_batch(db.session, g.user, batch):
        abort(403)


def _check_or_404(check_id: int) -> SupervisionCheck:
    check = db.session.get(SupervisionCheck, check_id)
    if check is None:
        abort(404)
    _guard(check.batch_id)
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
        emails=emails(),
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
