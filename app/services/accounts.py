"""People's accounts on the Label Studio servers (P9): made without a usable password,
taken out of the organization when the person is deactivated.

Annotators and verifiers never sign in to Label Studio: the door writes their annotations
with the administrator's token, naming their account as the author, so Label Studio's own
export stays truthful. Their accounts therefore get no password at all; direct sign-in to
Label Studio is for its administrators only.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.integrations.label_studio_gateway import LabelStudioError, LabelStudioGateway
from app.models import LabelStudioAccount, User, utcnow
from app.services import audit
from app.services.errors import ServiceError

log = logging.getLogger(__name__)


def link_account(session: Session, gateway: LabelStudioGateway, user: User,
                 server: str) -> int:
    """Return the user's account id on `server`, creating it there (no password) if missing."""
    account = session.scalar(select(LabelStudioAccount).where(
        LabelStudioAccount.user_id == user.id, LabelStudioAccount.ls_server == server))
    if account is not None:
        return account.ls_user_id
    ls_user_id = gateway.ensure_account(user.email, user.display_name)
    session.add(LabelStudioAccount(user_id=user.id, ls_user_id=ls_user_id, ls_server=server,
                                   email=user.email))
    session.flush()
    audit.record(session, "label_studio.link_account", "user", user.id,
                 after={"ls_user_id": ls_user_id, "server": server})
    return ls_user_id


def link_accounts(session: Session, gateway: LabelStudioGateway, users, server: str) -> int:
    """Make sure each of `users` has an account on `server`; return how many were made.

    Label Studio's user list is read once, not once per person.
    """
    linked = set(session.scalars(select(LabelStudioAccount.user_id).where(
        LabelStudioAccount.ls_server == server)))
    missing = [u for u in users if u.id not in linked]
    if not missing:
        return 0
    existing = gateway.accounts_by_email()
    for user in missing:
        ls_user_id = existing.get(user.email.lower())
        if ls_user_id is None:
            ls_user_id = gateway.ensure_account(user.email, user.display_name)
        session.add(LabelStudioAccount(user_id=user.id, ls_user_id=ls_user_id,
                                       ls_server=server, email=user.email))
        session.flush()
        audit.record(session, "label_studio.link_account", "user", user.id,
                     after={"ls_user_id": ls_user_id, "server": server})
    return len(missing)


def deactivate_accounts(session: Session, user: User, gateways) -> list[str]:
    """Take a deactivated person's accounts out of every Label Studio organization.

    `gateways(server)` returns the gateway of a server. Returns the servers that could not
    be reached; the next reconciliation tries them again (`deactivate_pending`).
    """
    failed = []
    for account in session.scalars(select(LabelStudioAccount).where(
            LabelStudioAccount.user_id == user.id, LabelStudioAccount.deactivated_at.is_(None))):
        try:
            gateways(account.ls_server).deactivate_account(account.ls_user_id)
        except (LabelStudioError, ServiceError) as err:
            log.warning("could not deactivate %s on %s: %s", user.email, account.ls_server, err)
            failed.append(account.ls_server)
            continue
        account.deactivated_at = utcnow()
        audit.record(session, "label_studio.deactivate_account", "user", user.id,
                     after={"ls_user_id": account.ls_user_id, "server": account.ls_server})
    return failed


def deactivate_pending(session: Session, gateways) -> int:
    """Deactivate the Label Studio accounts of people deactivated here; return how many."""
    done = 0
    pending = session.scalars(select(User).join(
        LabelStudioAccount, LabelStudioAccount.user_id == User.id).where(
        User.is_active_account.is_(False), LabelStudioAccount.deactivated_at.is_(None))
        .distinct()).all()
    for user in pending:
        if not deactivate_accounts(session, user, gateways):
            done += 1
    return done
