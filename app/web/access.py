"""Access control, denied by default: every endpoint states who may reach it."""

from __future__ import annotations

import functools
import hmac
import uuid
from collections.abc import Callable

from flask import Flask, abort, current_app, g, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db, login_manager
from app.models import User
from app.services import users as user_service
from app.services.actor import Actor, reset_actor, set_actor

ANONYMOUS = "anonymous"
AUTHENTICATED = "authenticated"


def allow(*roles: str) -> Callable:
    """Let signed-in users holding any of `roles` (or everyone signed in) reach the view."""

    def mark(view: Callable) -> Callable:
        view._access = frozenset(roles or (AUTHENTICATED,))  # type: ignore[attr-defined]
        return view

    return mark


def public(view: Callable) -> Callable:
    """Let anyone, signed in or not, reach the view."""
    view._access = frozenset({ANONYMOUS})  # type: ignore[attr-defined]
    return view


def api_view(view: Callable) -> Callable:
    """Mark a JSON API view: failures answer JSON 401/403 instead of redirects."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        return view(*args, **kwargs)

    wrapper._api = True  # type: ignore[attr-defined]
    wrapper._access = getattr(view, "_access", None)  # type: ignore[attr-defined]
    return wrapper


def json_view(view: Callable) -> Callable:
    """Mark a view the browser's scripts call with the session: refusals answer JSON."""
    view._json = True  # type: ignore[attr-defined]
    return view


def required_roles(endpoint: str | None) -> frozenset[str] | None:
    """Return the roles an endpoint admits, or None when it declares nothing (denied)."""
    if endpoint is None:
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return frozenset({ANONYMOUS})
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "_access", None)


def _is_api(endpoint: str | None) -> bool:
    view = current_app.view_functions.get(endpoint or "")
    return bool(getattr(view, "_api", False))


def _answers_json(endpoint: str | None) -> bool:
    view = current_app.view_functions.get(endpoint or "")
    return bool(getattr(view, "_api", False) or getattr(view, "_json", False))


def _bearer_user() -> User | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    return user_service.user_for_token(db.session, header[7:].strip())


def _deny(is_api: bool, status: int):
    if is_api:
        message = _("Authentication required.") if status == 401 else _("Forbidden.")
        response = jsonify(error=message, status=status)
        response.status_code = status
        abort(response)
    if status == 401:
        abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
    abort(status)


def enforce_access() -> None:
    """Before each request: identify the caller and refuse what the view does not grant."""
    g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
    endpoint = request.endpoint
    if endpoint is None:
        return  # Routing failed: the 404/405 handler answers.
    roles = required_roles(endpoint)
    is_api = _is_api(endpoint)
    # The API takes bearer tokens only, never the session cookie, so that CSRF cannot
    # ride on a signed-in browser.
    if is_api:
        user = _bearer_user()
    else:
        user = current_user._get_current_object() if current_user.is_authenticated else None
    g.user = user
    g.actor_token = set_actor(
        Actor.for_user(user, request_id=g.request_id, client_address=request.remote_addr)
        if user is not None
        else Actor(name="anonymous", request_id=g.request_id, client_address=request.remote_addr)
    )
    as_json = _answers_json(endpoint)
    if roles is None:
        _deny(as_json, 403)  # Nothing declared: denied by default.
    if ANONYMOUS in roles:
        return
    if user is None:
        _deny(as_json, 401)
    if AUTHENTICATED in roles:
        return
    if not user.has_role(*roles):
        _deny(as_json, 403)


def enforce_isolation() -> None:
    """Before each request: refuse a batch's pages to those not granted its security data."""
    batch_id = (request.view_args or {}).get("batch_id")
    roles = required_roles(request.endpoint)
    if batch_id is None or roles is None or ANONYMOUS in roles:
        return  # No batch in the address, or a machine endpoint with its own secret.
    from app.models import Batch
    from app.services.isolation import may_read_batch

    batch = db.session.get(Batch, batch_id)
    if batch is not None and not may_read_batch(db.session, g.get("user"), batch):
        _deny(_answers_json(request.endpoint), 403)


def _clear_actor(_exc: BaseException | None = None) -> None:
    token = g.pop("actor_token", None)
    if token is not None:
        try:
            reset_actor(token)
        except ValueError:
            pass  # Created in another context (streaming responses); nothing to undo.


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Return the session's user while the account is active and the session current."""
    try:
        raw_id, raw_version = user_id.split(":", 1)
        uid, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    user = db.session.get(User, uid)
    if user is None or not user.is_active_account:
        return None
    if not hmac.compare_digest(str(user.session_version), str(version)):
        return None
    return user


def init_app(app: Flask) -> None:
    """Install the access check on every request."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    app.before_request(enforce_access)
    app.before_request(enforce_isolation)
    app.teardown_request(_clear_actor)
