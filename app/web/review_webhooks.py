"""Label Studio's webhook receiver for review projects: verdicts, checked like annotations."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import csrf, db
from app.models import Batch, ReviewProject
from app.services.verification import verdicts
from app.services.verification.reviews import review_webhook_secret
from app.web.access import public
from app.web.webhooks import Refused, read_delivery, store_delivery

bp = Blueprint("review_webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(bp)  # Authenticated by the per-batch review secret header, not by a session.


@bp.route("/label-studio/review/<int:batch_id>", methods=["POST"])
@public
def label_studio_review(batch_id: int):
    """Receive verdicts (ANNOTATION_CREATED / _UPDATED / ANNOTATIONS_DELETED) of one batch."""
    try:
        _raw, event = read_delivery(review_webhook_secret(batch_id))
    except Refused as refused:
        return refused.response
    batch = db.session.get(Batch, batch_id)
    project = db.session.scalar(select(ReviewProject).where(ReviewProject.batch_id == batch_id))
    if batch is None or project is None:
        return jsonify(error=_("Page not found"), status=404), 404
    return store_delivery(event, batch, project.ls_project_id, verdicts)
