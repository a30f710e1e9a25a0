"""The Label Studio gateway this app talks to, built once per app from its settings."""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, current_app
from flask_babel import gettext as _

from app.integrations.label_studio_gateway import LabelStudioGateway
from app.services.errors import ServiceError

_EXTENSION = "labelgate.label_studio"


def gateway(app: Flask | None = None) -> LabelStudioGateway:
    """Return the app's gateway; tests put a fake in config["LABEL_STUDIO_GATEWAY"]."""
    app = app or current_app
    configured = app.config.get("LABEL_STUDIO_GATEWAY")
    if configured is not None:
        return configured
    cached = app.extensions.get(_EXTENSION)
    if cached is not None:
        return cached
    url, token = app.config.get("LABEL_STUDIO_URL"), app.config.get("LABEL_STUDIO_API_KEY")
    if not url or not token:
        raise ServiceError(_("Label Studio is not configured: set LABELGATE_LABEL_STUDIO_URL "
                             "and LABELGATE_LABEL_STUDIO_API_KEY."))
    from app.integrations.label_studio import connect

    app.extensions[_EXTENSION] = connect(url, token)
    return app.extensions[_EXTENSION]


def webhook_secret(batch_id: int, app: Flask | None = None) -> str:
    """Return the batch's webhook secret, derived from the app's key (never stored)."""
    key = (app or current_app).config["SECRET_KEY"].encode("utf-8")
    return hmac.new(key, f"label-studio-webhook:{batch_id}".encode(), hashlib.sha256).hexdigest()


def webhook_url(batch_id: int, app: Flask | None = None) -> str:
    """Return the address Label Studio posts a batch's annotations to."""
    base = (app or current_app).config["PUBLIC_URL"].rstrip("/")
    return f"{base}/webhooks/label-studio/{batch_id}"
