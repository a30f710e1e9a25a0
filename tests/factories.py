"""Small factories with overridable defaults for test data."""

from __future__ import annotations

import itertools

from app.services import users as user_service

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_user(session, *, email: str | None = None, name: str | None = None,
              roles=("annotator",), password: str = PASSWORD, commit: bool = True):
    """Create a user with roles."""
    n = next(_counter)
    user = user_service.create_user(session, email or f"user{n}@example.test",
                                    name or f"User {n}", password, list(roles))
    if commit:
        session.commit()
    return user


def login(client, email: str, password: str = PASSWORD):
    """Sign in through the login form; return the response."""
    return client.post("/login", data={"email": email, "password": password})
