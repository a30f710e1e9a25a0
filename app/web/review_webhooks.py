"""Label Studio's webhook receiver for review projects: verdicts, checked like annotations."""

from __future__ import annotations

import hmac
import json

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import csrf, db
from app.integrations.label_studio_gateway import WEBHOOK_SECRET_HEADER, parse_webhook
from app.models import Batch, ReviewProject
from app.services.actor import Actor, acting_as
from app.services.verification import verdicts
from app.services.verification.reviews import review_webhook_secret
from app.web.access import public
from app.web.webhooks import MAX_BODY

bp = Blueprint("review_webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(bp)  # Authenticated by the per-batch review secret header, not by a session.


def _error(status: int, message: str):
    return jsonify(error=message, status=status), status


@bp.route("/label-studio/review/<int:batch_id>", methods=["POST"])
@public
def label_studio_review(batch_id: int):
    """Receive verdicts (ANNOTATION_CREATED / _UPDATED / ANNOTATIONS_DELETED) of one batch."""
    given = request.headers.get(WEBHOOK_SECRET_HEADER, "")
    # Constant time, and a secret even for unknown batches: nothing tells which ids exist.
    if not hmac.compare_digest(given.encode(), review_webhook_secret(batch_id).encode()):
        return _error(401, _("Wrong or missing webhook secret."))
    if (request.content_length or 0) > MAX_BODY:
        return _error(413, _("The request is too large."))
    batch = db.session.get(Batch, batch_id)
    project = db.session.scalar(select(ReviewProject).where(ReviewProject.batch_id == batch_id))
    if batch is None or project is None:
        return _error(404, _("Page not found"))
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY:
        return _error(413, _("The request is too large."))
    try:
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise ValueError("not an object")
        event = parse_webhook(body)
    except (ValueError, KeyError, TypeError) as err:
        return _error(400, _("Not a Label Studio webhook body: %(detail)s", detail=str(err)[:200]))
    if event.project_id is not None and event.project_id != project.ls_project_id:
        return _error(400, _("This webhook is for another Label Studio project."))
    with acting_as(Actor.system("webhook")):
        if event.action == "ANNOTATIONS_DELETED":
            report = verdicts.mark_deleted(
                db.session, batch, event.deleted_annotation_ids, source="webhook"
            )
        elif event.annotation is not None:
            report = verdicts.upsert(db.session, batch, event.annotation, source="webhook")
        else:
            return jsonify(status="ignored", action=event.action)
    db.session.commit()
    return jsonify(
        status="ok",
        created=report.created,
        updated=report.updated,
        deleted=report.deleted,
        quarantined=report.quarantined,
    )
