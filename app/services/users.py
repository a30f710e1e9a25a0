"""People and access: accounts, role grants, API tokens, sign-in throttling (P4, P9)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from app.models import ApiToken, Role, RoleGrant, User, utcnow
from app.services import audit
from app.services.errors import Conflict, NotFound, ServiceError

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{1,60}$")
MIN_PASSWORD = 10
ROLES = tuple(r.value for r in Role)


def _check_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not EMAIL_RE.match(email):
        raise ServiceError(_("“%(email)s” is not an e-mail address.", email=email[:80]),
                           field="email")
    return email


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ServiceError(_("The password needs at least %(n)d characters.", n=MIN_PASSWORD),
                           field="password")


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ServiceError(_("Unknown role “%(role)s”; the roles are: %(roles)s.",
                             role=role, roles=", ".join(ROLES)), field="role")
    return role


def user_by_email(session: Session, email: str) -> User:
    """Return the user with this e-mail or raise NotFound."""
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        raise NotFound(_("No user has the e-mail address “%(email)s”.", email=email))
    return user


def create_user(session: Session, email: str, display_name: str, password: str,
                roles: list[str] | tuple[str, ...] = (), *, locale: str | None = None) -> User:
    """Create an account with the given roles."""
    email = _check_email(email)
    _check_password(password)
    display_name = (display_name or "").strip()
    if not display_name or len(display_name) > 120:
        raise ServiceError(_("Give a display name of 1 to 120 characters."), field="display_name")
    for role in roles:
        _check_role(role)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(_("A user with the e-mail address “%(email)s” exists already.",
                         email=email), field="email")
    user = User(email=email, display_name=display_name,
                password_hash=generate_password_hash(password), locale=locale)
    session.add(user)
    session.flush()
    audit.record(session, "user.create", "user", user.id,
                 after={"email": email, "display_name": display_name})
    for role in roles:
        grant_role(session, user, role)
    return user


def grant_role(session: Session, user: User, role: str, *, rule_set: str | None = None,
               granted_by: User | None = None) -> RoleGrant:
    """Grant a role, globally or for one rule set; granting twice is refused."""
    _check_role(role)
    for g in user.grants:
        if g.revoked_at is None and g.role == role and g.rule_set == rule_set:
            raise Conflict(_("%(email)s already holds the role %(role)s.",
                             email=user.email, role=role))
    grant = RoleGrant(user=user, role=role, rule_set=rule_set,
                      granted_by_id=granted_by.id if granted_by else None)
    session.add(grant)
    session.flush()
    audit.record(session, "role.grant", "user", user.id,
                 after={"role": role, "rule_set": rule_set})
    return grant


def revoke_role(session: Session, user: User, role: str, *, rule_set: str | None = None,
                revoked_by: User | None = None) -> None:
    """Revoke a role grant; the grant row stays as history."""
    _check_role(role)
    found = [g for g in user.grants
             if g.revoked_at is None and g.role == role and g.rule_set == rule_set]
    if not found:
        raise NotFound(_("%(email)s does not hold the role %(role)s.",
                         email=user.email, role=role))
    for g in found:
        g.revoked_at = utcnow()
        g.revoked_by_id = revoked_by.id if revoked_by else None
    audit.record(session, "role.revoke", "user", user.id,
                 before={"role": role, "rule_set": rule_set})


def deactivate_user(session: Session, user: User, *, reason: str = "") -> None:
    """Take away all access at once: sessions end and tokens stop working (P9)."""
    if not user.is_active_account:
        raise Conflict(_("%(email)s is already deactivated.", email=user.email))
    user.is_active_account = False
    user.deactivated_at = utcnow()
    user.session_version += 1
    for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                        ApiToken.revoked_at.is_(None))):
        token.revoked_at = utcnow()
    audit.record(session, "user.deactivate", "user", user.id,
                 before={"active": True}, after={"active": False}, reason=reason)


def reactivate_user(session: Session, user: User) -> None:
    """Restore a deactivated account (its old tokens stay revoked)."""
    if user.is_active_account:
        raise Conflict(_("%(email)s is active.", email=user.email))
    user.is_active_account = True
    user.deactivated_at = None
    audit.record(session, "user.reactivate", "user", user.id,
                 before={"active": False}, after={"active": True})


def set_locale(session: Session, user: User, locale: str | None) -> None:
    """Store the user's preferred interface language."""
    if locale not in (None, "zh_CN", "en"):
        raise ServiceError(_("Unknown language “%(locale)s”.", locale=locale), field="locale")
    before = user.locale
    user.locale = locale
    audit.record(session, "user.set_locale", "user", user.id,
                 before={"locale": before}, after={"locale": locale})


@dataclass(frozen=True)
class SignInResult:
    """The outcome of a sign-in attempt."""

    user: User | None
    throttled: bool = False


def authenticate(session: Session, email: str, password: str, *,
                 attempts_per_minute: int = 10) -> SignInResult:
    """Check credentials; after too many failures in a minute the account is throttled."""
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        # Spend the same time as a real check so that timing does not reveal accounts.
        check_password_hash(_DUMMY_HASH, password or "")
        return SignInResult(None)
    now = utcnow()
    window = user.failed_login_window_start
    if window is None or now - window > timedelta(minutes=1):
        user.failed_login_window_start = now
        user.failed_login_count = 0
    if user.failed_login_count >= attempts_per_minute:
        audit.record(session, "auth.throttled", "user", user.id)
        return SignInResult(None, throttled=True)
    if not check_password_hash(user.password_hash, password or ""):
        user.failed_login_count += 1
        audit.record(session, "auth.failed", "user", user.id)
        return SignInResult(None)
    if not user.is_active_account:
        audit.record(session, "auth.refused_inactive", "user", user.id)
        return SignInResult(None)
    user.failed_login_count = 0
    audit.record(session, "auth.login", "user", user.id)
    return SignInResult(user)


_DUMMY_HASH = generate_password_hash("labelgate-timing-equaliser")


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; return the row and the token text, which is never shown again."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ServiceError(_("Name the token (1 to 120 characters)."), field="name")
    text = "lg_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=text[:10],
                     token_hash=_token_digest(text))
    session.add(token)
    session.flush()
    audit.record(session, "token.create", "api_token", token.id,
                 after={"user": user.email, "name": name, "prefix": token.prefix})
    return token, text


def revoke_api_token(session: Session, token: ApiToken) -> None:
    """Revoke a token."""
    if token.revoked_at is not None:
        raise Conflict(_("This token is already revoked."))
    token.revoked_at = utcnow()
    audit.record(session, "token.revoke", "api_token", token.id)


def user_for_token(session: Session, text: str) -> User | None:
    """Return the active user owning a valid token, or None."""
    if not text or not text.startswith("lg_"):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(text)))
    if token is None or token.revoked_at is not None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.is_active_account:
        return None
    token.last_used_at = utcnow()
    return user


def list_users(session: Session, *, page: int = 1, per_page: int = 50):
    """Return one page of users by e-mail, and the total count."""
    from sqlalchemy import func

    total = session.scalar(select(func.count(User.id))) or 0
    rows = session.scalars(select(User).order_by(User.email)
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return rows, total
