"""Who is acting: a signed-in user, an API token's user, or a named system job."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The author of a state change, as the audit trail records it."""

    name: str
    user_id: int | None = None
    request_id: str | None = None
    client_address: str | None = None

    @classmethod
    def system(cls, job: str) -> Actor:
        """Return the actor for a named system job (e.g. ``system:sync``)."""
        return cls(name=f"system:{job}")

    @classmethod
    def for_user(cls, user, *, request_id=None, client_address=None) -> Actor:
        """Return the actor for a user."""
        return cls(
            name=f"user:{user.email}",
            user_id=user.id,
            request_id=request_id,
            client_address=client_address,
        )


_current: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("actor", default=None)


def current_actor() -> Actor:
    """Return the actor in force; outside any request or job this is ``system:cli``."""
    return _current.get() or Actor.system("cli")


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Make `actor` the author of every change inside the block."""
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def set_actor(actor: Actor | None) -> contextvars.Token:
    """Set the actor for the rest of this context (a request); return the reset token."""
    return _current.set(actor)


def reset_actor(token: contextvars.Token) -> None:
    """Undo `set_actor`."""
    _current.reset(token)
