"""Label Studio's webhook receivers: check the secret, queue a notice, answer fast.

A delivery is only a notice (`app.services.notices`): what it names is re-read from Label
Studio. With Redis the notice is queued and a worker stores it (`app.jobs.inbox`); without,
it is handled at once, in the request.
"""

from __future__ import annotations

import hmac
import json

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _

from app.extensions import csrf
from app.integrations.label_studio_gateway import WEBHOOK_SECRET_HEADER, parse_webhook
from app.jobs import inbox
from app.services.label_studio import webhook_secret
from app.services.notices import Notice
from app.services.records import ANNOTATIONS
from app.services.verification.reviews import review_webhook_secret
from app.services.verification.verdicts import VERDICTS
from app.web.access import public

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(bp)  # Authenticated by the per-batch secret header, not by a session.

MAX_BODY = 5 * 1024 * 1024


def _error(status: int, message: str):
    return jsonify(error=message, status=status), status


def receive(kind: str, batch_id: int, expected_secret: str):
    """Check one delivery and queue (or handle) its notice; answer with what was done."""
    given = request.headers.get(WEBHOOK_SECRET_HEADER, "")
    # Compare in constant time, and against a secret even for unknown batches, so that
    # neither timing nor the status tells which batch ids exist.
    if not hmac.compare_digest(given.encode(), expected_secret.encode()):
        return _error(401, _("Wrong or missing webhook secret."))
    if (request.content_length or 0) > MAX_BODY:
        return _error(413, _("The request is too large."))
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY:
        return _error(413, _("The request is too large."))
    try:
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise ValueError("not an object")
        parsed = parse_webhook(body)
    except (ValueError, KeyError, TypeError) as err:
        return _error(400, _("Not a Label Studio webhook body: %(detail)s",
                             detail=str(err)[:200]))
    if not parsed.annotation_ids:
        return jsonify(status="ignored", action=parsed.action)
    notice = Notice.of(kind, batch_id, parsed)
    app = current_app._get_current_object()
    connection = inbox.connection_for(app)
    if connection is not None:
        inbox.accept(app, connection, notice)
        return jsonify(status="queued", action=parsed.action), 202
    if not inbox.handle(app, None, [notice.to_json()]):
        return _error(503, _("Label Studio or the database does not answer; the next "
                             "reconciliation will bring this change in."))
    return jsonify(status="stored", action=parsed.action)


@bp.route("/label-studio/<int:batch_id>", methods=["POST"])
@public
def label_studio(batch_id: int):
    """Receive ANNOTATION_CREATED / _UPDATED / ANNOTATIONS_DELETED for a batch's items."""
    return receive(ANNOTATIONS.name, batch_id, webhook_secret(batch_id))


@bp.route("/label-studio/review/<int:batch_id>", methods=["POST"])
@public
def label_studio_review(batch_id: int):
    """Receive the same actions for a batch's review project (verdicts)."""
    return receive(VERDICTS.name, batch_id, review_webhook_secret(batch_id))
