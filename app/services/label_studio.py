"""The Label Studio servers this app talks to, each reached through one gateway built once.

Functional work lives on the default server. Security rule sets may have a server of their
own (L2: security annotation data stored apart, with its own access list): set
LABELGATE_LABEL_STUDIO_SECURITY_URL and ..._SECURITY_API_KEY, and every batch, review
project and practice set of a security rule set created from then on lives there. A batch
records its server when it is first pushed, so a change of settings never moves work that
already exists.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, current_app, has_app_context
from flask_babel import gettext as _

from app.integrations.label_studio_gateway import LabelStudioGateway
from app.models import DEFAULT_SERVER
from app.services.errors import ServiceError

SECURITY_SERVER = "security"
SERVERS = (DEFAULT_SERVER, SECURITY_SERVER)
_EXTENSION = "labelgate.label_studio"


def _settings(app: Flask, server: str) -> tuple[str | None, str | None]:
    if server == SECURITY_SERVER:
        return (app.config.get("LABEL_STUDIO_SECURITY_URL"),
                app.config.get("LABEL_STUDIO_SECURITY_API_KEY"))
    return app.config.get("LABEL_STUDIO_URL"), app.config.get("LABEL_STUDIO_API_KEY")


def _injected(app: Flask, server: str) -> LabelStudioGateway | None:
    """Return a gateway a test put in the config (a fake, or a second real server)."""
    named = (app.config.get("LABEL_STUDIO_GATEWAYS") or {}).get(server)
    if named is not None:
        return named
    return app.config.get("LABEL_STUDIO_GATEWAY") if server == DEFAULT_SERVER else None


def has_server(server: str, app: Flask | None = None) -> bool:
    """Tell whether `server` is configured."""
    app = app or current_app
    if server not in SERVERS:
        return False
    return _injected(app, server) is not None or all(_settings(app, server))


def server_for_kind(kind: str, app: Flask | None = None) -> str:
    """Return the server new work of a rule-set kind goes to (outside an app: the default)."""
    app = app or (current_app if has_app_context() else None)
    if app is not None and kind == "security" and has_server(SECURITY_SERVER, app):
        return SECURITY_SERVER
    return DEFAULT_SERVER


def gateway(app: Flask | None = None, server: str = DEFAULT_SERVER) -> LabelStudioGateway:
    """Return the gateway to `server` (built once per app)."""
    app = app or current_app
    injected = _injected(app, server)
    if injected is not None:
        return injected
    cache = app.extensions.setdefault(_EXTENSION, {})
    if server in cache:
        return cache[server]
    url, token = _settings(app, server)
    if not url or not token:
        if server == SECURITY_SERVER:
            raise ServiceError(_("This work lives on the security Label Studio server, which is "
                                 "not configured: set LABELGATE_LABEL_STUDIO_SECURITY_URL and "
                                 "LABELGATE_LABEL_STUDIO_SECURITY_API_KEY."))
        raise ServiceError(_("Label Studio is not configured: set LABELGATE_LABEL_STUDIO_URL "
                             "and LABELGATE_LABEL_STUDIO_API_KEY."))
    from app.integrations.label_studio import connect

    cache[server] = connect(url, token)
    return cache[server]


def gateway_by_server(app: Flask | None = None):
    """Return a function giving the gateway of a server by name (for work on several)."""
    app = app or current_app._get_current_object()
    return lambda server: gateway(app, server)


def gateway_for(work, app: Flask | None = None) -> LabelStudioGateway:
    """Return the gateway to the server a batch (or practice attempt) lives on."""
    return gateway(app, getattr(work, "ls_server", None) or DEFAULT_SERVER)


def webhook_secret(batch_id: int, app: Flask | None = None) -> str:
    """Return the batch's webhook secret, derived from the app's key (never stored)."""
    key = (app or current_app).config["SECRET_KEY"].encode("utf-8")
    return hmac.new(key, f"label-studio-webhook:{batch_id}".encode(), hashlib.sha256).hexdigest()


def webhook_url(batch_id: int, app: Flask | None = None) -> str:
    """Return the address Label Studio posts a batch's annotations to."""
    base = (app or current_app).config["PUBLIC_URL"].rstrip("/")
    return f"{base}/webhooks/label-studio/{batch_id}"
