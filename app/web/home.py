"""The landing page, the user's own account, language choice and the health check."""

from __future__ import annotations

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select, text

from app.extensions import db
from app.models import ApiToken
from app.services import users as user_service
from app.services.errors import ServiceError
from app.web.access import allow, public
from app.web.forms import EmptyForm, LanguageForm, TokenForm

bp = Blueprint("home", __name__)


@bp.route("/")
@allow()
def index():
    """Show what the signed-in user can do, by role."""
    return render_template("home.html", roles=sorted(g.user.active_roles()))


@bp.route("/healthz")
@public
def healthz():
    """Answer 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any database failure means unhealthy
        db.session.rollback()
        return jsonify(status="unavailable", database=type(exc).__name__), 503
    return jsonify(status="ok", database="ok")


@bp.route("/language", methods=["POST"])
@public
def language():
    """Switch the interface language (kept on the account, or in the session)."""
    form = LanguageForm()
    if form.validate_on_submit():
        if g.user is not None:
            user_service.set_locale(db.session, g.user, form.locale.data)
            db.session.commit()
        session["locale"] = form.locale.data
    target = request.referrer or url_for("home.index")
    if not target.startswith(request.host_url):
        target = url_for("home.index")
    return redirect(target)


@bp.route("/account", methods=["GET"])
@allow()
def account():
    """Show the user's language and API tokens."""
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == g.user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template("account.html", tokens=tokens, token_form=TokenForm(),
                           revoke_form=EmptyForm(), new_token=session.pop("new_token", None))


@bp.route("/account/tokens", methods=["POST"])
@allow()
def create_token():
    """Create an API token; its text is shown once."""
    form = TokenForm()
    if not form.validate_on_submit():
        flash(_("Name the token (1 to 120 characters)."), "error")
        return redirect(url_for("home.account"))
    try:
        _token, token_text = user_service.create_api_token(db.session, g.user, form.name.data)
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("home.account"))
    db.session.commit()
    session["new_token"] = token_text
    flash(_("Token created. Copy it now: it will not be shown again."), "info")
    return redirect(url_for("home.account"))


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@allow()
def revoke_token(token_id: int):
    """Revoke one of the user's own tokens."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != g.user.id:
        return render_template("error.html", code=404), 404
    if EmptyForm().validate_on_submit():
        try:
            user_service.revoke_api_token(db.session, token)
            db.session.commit()
            flash(_("Token revoked."), "info")
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
    return redirect(url_for("home.account"))
