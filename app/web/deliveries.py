"""Failed deliveries: Label Studio notices the inbox set aside, for QA leads to retry or
dismiss (both audited), and how many notices wait."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from redis.exceptions import RedisError
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import inbox
from app.models import Batch, DeadLetter
from app.services import dead_letters
from app.services.errors import ServiceError
from app.services.isolation import readable_batches
from app.web.access import allow
from app.web.forms import EmptyForm
from app.web.paging import Pager, page_arg

bp = Blueprint("deliveries", __name__)
LEADS = ("qa_lead", "admin")


@bp.route("/deliveries/")
@allow(*LEADS)
def index():
    """List the failed deliveries nobody has resolved, with their errors."""
    page, per_page = page_arg()
    visible = readable_batches(select(Batch.id), g.user)
    stmt = (select(DeadLetter, Batch.name).outerjoin(Batch, Batch.id == DeadLetter.batch_id)
            .where(DeadLetter.resolved_at.is_(None))
            .where((DeadLetter.batch_id.is_(None)) | DeadLetter.batch_id.in_(visible)))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.execute(stmt.order_by(DeadLetter.id.desc())
                              .offset((page - 1) * per_page).limit(per_page)).all()
    waiting = None
    app = current_app._get_current_object()
    connection = inbox.connection_for(app)
    if connection is not None:
        try:
            waiting = inbox.waiting(app, connection)
        except RedisError:  # the page still lists what the database holds
            waiting = None
    return render_template("deliveries/index.html", rows=rows, pager=Pager(page, per_page, total),
                           waiting=waiting, form=EmptyForm())


@bp.route("/deliveries/<int:letter_id>/retry", methods=["POST"])
@allow(*LEADS)
def retry(letter_id: int):
    """Try a failed delivery again (queued, or stored at once without Redis)."""
    return _resolve(letter_id, "retry")


@bp.route("/deliveries/<int:letter_id>/dismiss", methods=["POST"])
@allow(*LEADS)
def dismiss(letter_id: int):
    """Dismiss a failed delivery (nothing is lost: reconciliation re-reads the batch)."""
    return _resolve(letter_id, "dismiss")


def _resolve(letter_id: int, action: str):
    if not EmptyForm().validate_on_submit():
        abort(400)
    letter = db.session.get(DeadLetter, letter_id)
    if letter is None:
        abort(404)
    visible = db.session.scalar(readable_batches(select(Batch.id), g.user).where(
        Batch.id == letter.batch_id)) if letter.batch_id is not None else True
    if not visible:
        abort(403)
    retry = action == "retry" and "action" in letter.delivery and letter.batch_id is not None
    try:
        dead_letters.resolve(db.session, letter_id, "retried" if retry else "dismissed", g.user)
        db.session.commit()
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("deliveries.index"))
    if retry:
        app = current_app._get_current_object()
        inbox.requeue(app, inbox.connection_for(app), letter.kind, letter.batch_id,
                      letter.delivery)
        flash(_("Delivery %(id)d is tried again.", id=letter_id), "info")
    else:
        flash(_("Delivery %(id)d dismissed.", id=letter_id), "info")
    return redirect(url_for("deliveries.index"))
