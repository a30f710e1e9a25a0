"""Error pages and JSON errors that never show a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from redis.exceptions import RedisError
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    OperationalError,
    PendingRollbackError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from app.extensions import db, login_manager
from app.services.outages import caused_by_database_outage

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/webhooks/", "/door/"))


def _render(code: int, message: str | None = None):
    if _wants_json():
        return jsonify(error=message or _error_title(code), status=code), code
    return render_template("error.html", code=code, message=message), code


def _error_title(code: int) -> str:
    titles = {
        400: _("Bad request"),
        401: _("Authentication required."),
        403: _("You do not have access to this page."),
        404: _("Page not found"),
        405: _("Method not allowed"),
        413: _("The request is too large."),
        429: _("Too many requests"),
        500: _("Something went wrong on our side"),
        503: _("The service is temporarily unavailable"),
    }
    return titles.get(code, _("Error"))


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(CSRFError)
    def csrf_error(err):
        return _render(400, _("The form expired or was not sent from this site. Reload the "
                              "page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        if err.response is not None:
            return err.response
        return _render(err.code or 500)

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    @app.errorhandler(PendingRollbackError)
    @app.errorhandler(DisconnectionError)
    @app.errorhandler(PoolTimeoutError)
    def database_down(err):
        log.warning("database error: %s", err.__class__.__name__)
        return _database_unavailable()

    @app.errorhandler(RedisError)
    def queue_down(err):
        log.warning("redis error: %s", err.__class__.__name__)
        db.session.rollback()
        return _render(503, _("The background work queue is not answering. Try again in a "
                              "moment."))

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        if caused_by_database_outage(err):
            # E.g. a session left unusable by a dropped connection, or a driver error
            # wrapped by another layer: still the database not answering.
            log.warning("database error (wrapped): %s", err.__class__.__name__)
            return _database_unavailable()
        log.exception("unhandled error")
        _safe_rollback()
        return _render(500)


def _database_unavailable():
    """Answer 503 without touching the database again."""
    _safe_rollback()
    # Forget the user loaded (or half-loaded) for this request, so neither the page nor the
    # locale selector reads their rows again.
    g.user = None
    g._login_user = login_manager.anonymous_user()
    return _render(503, _("The database is not answering. Try again in a moment."))


def _safe_rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the session is reset anyway
        db.session.remove()
