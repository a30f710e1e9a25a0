"""Label Studio's webhook receiver: checks the secret, stores idempotently, answers fast."""

from __future__ import annotations

import hmac
import json

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from redis import Redis

from app.extensions import csrf, db
from app.integrations.label_studio_gateway import (
    WEBHOOK_SECRET_HEADER,
    WebhookEvent,
    parse_webhook,
)
from app.jobs import inbox
from app.models import Batch
from app.services import ingestion
from app.services.actor import Actor, acting_as
from app.services.label_studio import webhook_secret
from app.web.access import public

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
_CONNECTIONS: dict[str, Redis] = {}
csrf.exempt(bp)  # Authenticated by the per-batch secret header, not by a session.

MAX_BODY = 5 * 1024 * 1024


def _redis() -> Redis:
    """Return this process's Redis client for the app's URL (one pool per process)."""
    url = current_app.config["REDIS_URL"]
    if url not in _CONNECTIONS:
        _CONNECTIONS[url] = Redis.from_url(url, socket_connect_timeout=5)
    return _CONNECTIONS[url]


def _error(status: int, message: str):
    return jsonify(error=message, status=status), status


class Refused(Exception):
    """A delivery answered with an error before anything was stored."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.response = _error(status, message)


def read_delivery(expected_secret: str) -> tuple[bytes, WebhookEvent]:
    """Check the secret header and the size, and parse the body; raise Refused otherwise."""
    given = request.headers.get(WEBHOOK_SECRET_HEADER, "")
    # Compare in constant time, and against a secret even for unknown batches, so that
    # neither timing nor the status tells which batch ids exist.
    if not hmac.compare_digest(given.encode(), expected_secret.encode()):
        raise Refused(401, _("Wrong or missing webhook secret."))
    if (request.content_length or 0) > MAX_BODY:
        raise Refused(413, _("The request is too large."))
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY:
        raise Refused(413, _("The request is too large."))
    try:
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise ValueError("not an object")
        return raw, parse_webhook(body)
    except (ValueError, KeyError, TypeError) as err:
        raise Refused(400, _("Not a Label Studio webhook body: %(detail)s",
                             detail=str(err)[:200])) from err


def store_delivery(event: WebhookEvent, batch: Batch, ls_project_id: int | None, store):
    """Store one delivery with `store` (its upsert / mark_deleted) and answer with counts."""
    if event.project_id is not None and event.project_id != ls_project_id:
        return _error(400, _("This webhook is for another Label Studio project."))
    with acting_as(Actor.system("webhook")):
        if event.action == "ANNOTATIONS_DELETED":
            report = store.mark_deleted(db.session, batch, event.deleted_annotation_ids,
                                        source="webhook")
        elif event.annotation is not None:
            report = store.upsert(db.session, batch, event.annotation, source="webhook")
        else:
            return jsonify(status="ignored", action=event.action)
    db.session.commit()
    current_app.logger.debug("webhook %s for batch %s: %s", event.action, batch.id, report)
    return jsonify(status="ok", created=report.created, updated=report.updated,
                   deleted=report.deleted, quarantined=report.quarantined)


@bp.route("/label-studio/<int:batch_id>", methods=["POST"])
@public
def label_studio(batch_id: int):
    """Receive ANNOTATION_CREATED / _UPDATED / ANNOTATIONS_DELETED for one batch."""
    try:
        raw, event = read_delivery(webhook_secret(batch_id))
    except Refused as refused:
        return refused.response
    if current_app.config.get("REDIS_URL"):
        # Scaled out: queue it and answer at once; a worker ingests in bulk (app.jobs.inbox).
        inbox.accept(current_app._get_current_object(), _redis(), batch_id, raw)
        return jsonify(status="queued", action=event.action), 202
    batch = db.session.get(Batch, batch_id)
    if batch is None:
        return _error(404, _("Page not found"))
    return store_delivery(event, batch, batch.ls_project_id, ingestion)
