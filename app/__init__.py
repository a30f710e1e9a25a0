"""The Labelgate service: `create_app` builds a configured Flask app."""

from __future__ import annotations

import logging

from flask import Flask, g, has_request_context, request, session
from flask_babel import format_datetime, format_decimal, format_percent

from app.config import load_settings
from app.extensions import babel, csrf, db, login_manager

SUPPORTED_LOCALES = ("zh_CN", "en")


def select_locale() -> str:
    """Pick the user's setting, else the session's, else Accept-Language, else the default."""
    if not has_request_context():
        from app.cli import cli_locale

        return cli_locale()
    user = g.get("user")
    if user is not None and user.locale in SUPPORTED_LOCALES:
        return user.locale
    chosen = session.get("locale")
    if chosen in SUPPORTED_LOCALES:
        return chosen
    from flask import current_app

    best = request.accept_languages.best_match(["zh_CN", "zh", "en"])
    if best in ("zh_CN", "zh"):
        return "zh_CN"
    if best == "en":
        return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config: dict | None = None) -> Flask:
    """Build the app from environment settings, overridden by `config` (tests)."""
    settings = load_settings()
    app = Flask(__name__, instance_path=str(settings.instance_path), instance_relative_config=False)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        DATABASE_URL=settings.database_url,
        LABEL_STUDIO_URL=settings.label_studio_url,
        LABEL_STUDIO_API_KEY=settings.label_studio_api_key,
        LABEL_STUDIO_PUBLIC_URL=settings.label_studio_public_url or settings.label_studio_url,
        LABEL_STUDIO_SECURITY_URL=settings.label_studio_security_url,
        LABEL_STUDIO_SECURITY_API_KEY=settings.label_studio_security_api_key,
        EDITOR_ASSETS=settings.editor_assets,
        REDIS_URL=settings.redis_url,
        JOBS_QUEUE=settings.jobs_queue,
        JOB_RETRY_INTERVALS=settings.job_retry_intervals,
        PUBLIC_URL=settings.public_url,
        AUDIT_RETENTION_DAYS=settings.audit_retention_days,
        LOGIN_ATTEMPTS_PER_MINUTE=settings.login_attempts_per_minute,
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_TRANSLATION_DIRECTORIES="translations",
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
    )
    if config:
        app.config.update(config)
    if app.config["AUDIT_RETENTION_DAYS"] < 183:
        raise ValueError("AUDIT_RETENTION_DAYS below 183 days (six months) is not allowed")
    logging.basicConfig(level=logging.INFO)

    db.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)

    from app.web import access, errors

    _server_timing(app)
    access.init_app(app)
    errors.init_app(app)
    _register_blueprints(app)
    _template_helpers(app)

    from app import cli

    cli.init_app(app)
    return app


def _server_timing(app: Flask) -> None:
    """Say in each answer how long the app worked on it (`Server-Timing: app;dur=ms`, and
    the part spent waiting for Label Studio as `ls;dur=ms`), so a browser's tools and the
    benchmarks see server time apart from the network's."""
    import time

    from app.services import timing

    @app.before_request
    def start_clock() -> None:
        g.started = time.perf_counter()
        timing.begin()

    @app.after_request
    def stop_clock(response):
        started = g.get("started")
        if started is not None:
            spans = [f"app;dur={(time.perf_counter() - started) * 1000:.1f}"]
            spans += [f"{name};dur={ms:.1f}" for name, ms in timing.collected().items()]
            response.headers["Server-Timing"] = ", ".join(spans)
        return response


def _register_blueprints(app: Flask) -> None:
    from app.web import (
        admin,
        api,
        audit_views,
        auth,
        batches,
        dashboard,
        datasets,
        deliveries,
        door,
        home,
        reports,
        rules,
        training,
        verification,
        webhooks,
    )

    for module in (auth, home, admin, audit_views, datasets, api, webhooks, rules, batches,
                   training, verification, dashboard, reports, door, deliveries):
        app.register_blueprint(module.bp)


def _template_helpers(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = lambda v: format_datetime(v, "medium") if v else "—"
    app.jinja_env.filters["number"] = lambda v: format_decimal(v) if v is not None else "—"
    from app.web.labels import quarantine_name, quarantine_text

    app.jinja_env.globals["quarantine_text"] = quarantine_text
    app.jinja_env.globals["quarantine_name"] = quarantine_name
    app.jinja_env.filters["percent"] = (
        lambda v, digits=1: format_percent(v, format=f"#,##0.{'0' * digits}%")
        if v is not None else "—"
    )

    @app.context_processor
    def inject() -> dict:
        from flask_babel import get_locale

        from app.web.forms import EmptyForm, LanguageForm
        from app.web.labels import (
            KIND_NAMES,
            MODALITY_NAMES,
            ROLE_NAMES,
            SOURCE_TYPE_NAMES,
            STATE_NAMES,
        )

        user = g.get("user")
        return {
            "current": user,
            "nav": _nav(user),
            "locale": "zh_CN" if get_locale().language == "zh" else "en",
            # No formdata: these only render tokens, and reading the request's form here
            # would raise again inside the 413 page of an oversize request.
            "language_form": LanguageForm(formdata=None),
            "logout_form": EmptyForm(formdata=None),
            "role_names": ROLE_NAMES,
            "modality_names": MODALITY_NAMES,
            "source_type_names": SOURCE_TYPE_NAMES,
            "state_names": STATE_NAMES,
            "kind_names": KIND_NAMES,
            "label_studio_url": (app.config.get("LABEL_STUDIO_PUBLIC_URL") or "").rstrip("/"),
        }


def _nav(user) -> list[tuple[str, str]]:
    """Return the navigation entries (endpoint, label) the user may reach."""
    if user is None:
        return []
    from app.web.navigation import entries_for

    return entries_for(user)
