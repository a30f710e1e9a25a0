"""Administration of accounts and roles (P4, P9)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from app.extensions import db
from app.models import User
from app.services import accounts, label_studio
from app.services import users as user_service
from app.services.errors import ServiceError
from app.web.access import allow
from app.web.forms import EmptyForm, GrantForm, ReasonForm, UserForm
from app.web.paging import Pager, page_arg

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users")
@allow("admin")
def users():
    """List accounts with their roles."""
    page, per_page = page_arg()
    rows, total = user_service.list_users(db.session, page=page, per_page=per_page)
    return render_template("admin/users.html", users=rows, pager=Pager(page, per_page, total))


@bp.route("/users/new", methods=["GET", "POST"])
@allow("admin")
def new_user():
    """Create an account."""
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = user_service.create_user(db.session, form.email.data, form.display_name.data,
                                            form.password.data, form.roles.data)
        except ServiceError as err:
            db.session.rollback()
            _attach(form, err)
        else:
            db.session.commit()
            flash(_("Account %(email)s created.", email=user.email), "info")
            return redirect(url_for("admin.user", user_id=user.id))
    status = 400 if form.errors else 200
    return render_template("admin/user_new.html", form=form), status


def _attach(form, err: ServiceError) -> None:
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = [*field.errors, err.message]
    else:
        flash(err.message, "error")


@bp.route("/users/<int:user_id>")
@allow("admin")
def user(user_id: int):
    """Show one account, its grants and actions."""
    target = _user_or_404(user_id)
    return render_template("admin/user.html", target=target, grant_form=GrantForm(),
                           reason_form=ReasonForm(), empty_form=EmptyForm())


def _change(user_id: int, form, action) -> object:
    target = _user_or_404(user_id)
    if not form.validate_on_submit():
        flash(_("The form was not complete; nothing was changed."), "error")
        return redirect(url_for("admin.user", user_id=user_id)), 400
    try:
        action(target, form)
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(_("Saved."), "info")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users/<int:user_id>/grant", methods=["POST"])
@allow("admin")
def grant(user_id: int):
    """Grant a role."""
    return _change(user_id, GrantForm(), lambda u, f: user_service.grant_role(
        db.session, u, f.role.data, rule_set=f.rule_set.data or None, granted_by=g.user))


@bp.route("/users/<int:user_id>/revoke", methods=["POST"])
@allow("admin")
def revoke(user_id: int):
    """Revoke a role."""
    return _change(user_id, GrantForm(), lambda u, f: user_service.revoke_role(
        db.session, u, f.role.data, rule_set=f.rule_set.data or None, revoked_by=g.user))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@allow("admin")
def deactivate(user_id: int):
    """Deactivate an account: all its access ends at once."""
    def action(target: User, form) -> None:
        if target.id == g.user.id:
            raise ServiceError(_("You cannot deactivate your own account."))
        user_service.deactivate_user(db.session, target, reason=form.reason.data or "")
        if accounts.deactivate_accounts(db.session, target, label_studio.gateway_by_server()):
            flash(_("Access in the workbench ended. Label Studio could not be reached to "
                    "deactivate the account there too; the next reconciliation will."), "error")

    return _change(user_id, ReasonForm(), action)


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@allow("admin")
def reactivate(user_id: int):
    """Reactivate an account."""
    return _change(user_id, EmptyForm(),
                   lambda u, f: user_service.reactivate_user(db.session, u))
