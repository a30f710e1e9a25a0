"""Sign-in, throttling, deactivation and API tokens (P9, L1)."""

from __future__ import annotations

from sqlalchemy import select

from app.models import AuditEvent
from app.services import users as user_service
from tests.factories import PASSWORD, login, make_user


def test_login_and_logout(client, session):
    make_user(session, email="ann@example.test")
    response = login(client, "ann@example.test")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_message(client, session):
    make_user(session, email="ann@example.test")
    wrong = login(client, "ann@example.test", "not the password")
    unknown = login(client, "nobody@example.test", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert b"Wrong e-mail or password." in wrong.data
    assert b"Wrong e-mail or password." in unknown.data


def test_repeated_failures_are_throttled(client, session):
    make_user(session, email="ann@example.test")
    for _ in range(10):
        assert login(client, "ann@example.test", "bad password!").status_code == 401
    # Even the right password is refused until the minute has passed.
    throttled = login(client, "ann@example.test", PASSWORD)
    assert throttled.status_code == 429
    assert b"Too many failed attempts" in throttled.data


def test_deactivation_ends_session_and_tokens_on_next_request(app, client, session):
    user = make_user(session, email="ann@example.test", roles=("qa_lead",))
    _token, text = user_service.create_api_token(session, user, "script")
    session.commit()
    login(client, "ann@example.test")
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {text}"}).status_code == 200

    user_service.deactivate_user(session, user, reason="left the company")
    session.commit()

    assert client.get("/").status_code == 302  # back to the login page
    api = client.get("/api/v1/me", headers={"Authorization": f"Bearer {text}"})
    assert api.status_code == 401
    assert api.get_json()["status"] == 401
    assert login(client, "ann@example.test").status_code == 401
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "user.deactivate" in actions and "auth.refused_inactive" in actions


def test_api_without_token_is_401_json_and_without_role_403_json(client, session):
    user = make_user(session, roles=("annotator",))
    _token, text = user_service.create_api_token(session, user, "script")
    session.commit()
    anonymous = client.get("/api/v1/datasets")
    assert anonymous.status_code == 401 and anonymous.is_json
    forbidden = client.get("/api/v1/datasets", headers={"Authorization": f"Bearer {text}"})
    assert forbidden.status_code == 403 and forbidden.is_json
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer lg_forged"})
    assert bad.status_code == 401


def test_api_ignores_the_session_cookie(client, session):
    make_user(session, email="qa@example.test", roles=("qa_lead",))
    login(client, "qa@example.test")
    # A signed-in browser cannot be used to call the API: tokens only (no CSRF hole).
    assert client.get("/api/v1/me").status_code == 401


def test_token_is_stored_hashed_and_shown_once(session):
    user = make_user(session)
    token, text = user_service.create_api_token(session, user, "ci")
    session.commit()
    assert text not in (token.token_hash, token.prefix)
    assert user_service.user_for_token(session, text).id == user.id
