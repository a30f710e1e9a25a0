"""Hostile requests to the forms and the webhook: CSRF, wrong secrets, oversize bodies, and
script or SQL text in every text field."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import func, select, text

from app.extensions import csrf
from app.models import ApiToken, AuditEvent, Base, Batch, Dataset, RoleGrant, User
from app.services.label_studio import webhook_secret
from labeling_rules import SETS_DIR
from tests.factories import jsonl, login, make_active_version, make_user, quality_items
from tests.integration.faults.fault_data import annotation_body, pushed_batch

pytestmark = pytest.mark.integration
PAYLOAD = "<script>alert('lg')</script>\"'><img src=x onerror=alert(1)>'; DROP TABLE users;--"
RAW_MARKERS = ("<script>alert", "<img src=x")


def _row_counts(session) -> dict[str, int]:
    session.expire_all()
    return {
        table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in Base.metadata.sorted_tables
    }


def _exempt(app, endpoint: str) -> bool:
    view = app.view_functions[endpoint]
    name = f"{view.__module__}.{view.__name__}"
    blueprint = endpoint.rsplit(".", 1)[0] if "." in endpoint else None
    return name in csrf._exempt_views or app.blueprints.get(blueprint) in csrf._exempt_blueprints


def test_every_form_post_without_a_csrf_token_is_refused_and_changes_nothing(app, session):
    pushed_batch(session, 3)
    admin = make_user(
        session,
        email="root@example.test",
        roles=(
            "admin",
            "qa_lead",
            "rule_author",
            "supervisor",
            "auditor",
            "reviewer",
            "arbitrator",
            "annotator",
        ),
    )
    client = app.test_client()
    assert login(client, admin.email).status_code == 302
    app.config["WTF_CSRF_ENABLED"] = True
    before = _row_counts(session)
    checked = []
    with app.test_request_context():
        from flask import url_for

        routes = [
            (rule.endpoint, url_for(rule.endpoint, **{a: 1 for a in rule.arguments}))
            for rule in app.url_map.iter_rules()
            if "POST" in rule.methods
        ]
    for endpoint, url in routes:
        if _exempt(app, endpoint):
            continue
        answer = client.post(
            url, data={"name": "x", "email": "a@b.test", "reason": "r", "locale": "en", "text": "x"}
        )
        assert answer.status_code == 400, f"{endpoint} {url} answered {answer.status_code}"
        checked.append(endpoint)
    assert _row_counts(session) == before
    assert len(checked) >= 20 and "batches.push" in checked and "auth.logout" in checked
    # Still signed in: the refused logout ended nothing.
    assert client.get("/batches/").status_code == 200


def test_a_webhook_with_a_wrong_or_missing_secret_is_refused_and_stores_nothing(app, session):
    batch, version = pushed_batch(session, 2)
    from app.services.rule_versions import rule_set_of

    body = json.dumps(annotation_body(batch, batch.items[0], rule_set_of(version), 77))
    before = _row_counts(session)
    client = app.test_client()
    for headers in (
        {},
        {"X-Labelgate-Secret": ""},
        {"X-Labelgate-Secret": "0" * 64},
        {"X-Labelgate-Secret": webhook_secret(batch.id + 1, app)},
        {"X-Labelgate-Secret": webhook_secret(batch.id, app)[:-1]},
    ):
        answer = client.post(
            f"/webhooks/label-studio/{batch.id}",
            data=body,
            headers={**headers, "Content-Type": "application/json"},
        )
        assert answer.status_code == 401 and answer.is_json
    # An unknown batch answers 401 too, so the status never tells which ids exist.
    assert client.post("/webhooks/label-studio/99999", data=body).status_code == 401
    assert _row_counts(session) == before


def test_oversize_bodies_are_refused_with_413(app, session):
    batch, _version = pushed_batch(session, 1)
    client = app.test_client()
    secret = {
        "X-Labelgate-Secret": webhook_secret(batch.id, app),
        "Content-Type": "application/json",
    }
    big = b'{"action": "ANNOTATION_CREATED", "pad": "' + b"x" * (6 * 2**20) + b'"}'
    make_user(session, email="lead@example.test", roles=("qa_lead",))
    before = _row_counts(session)
    assert (
        client.post(f"/webhooks/label-studio/{batch.id}", data=big, headers=secret).status_code
        == 413
    )
    login(client, "lead@example.test")
    # Raw bytes, not a file field: the test client would spool a file of its own.
    huge = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    answer = client.post(
        "/batches/import", data=huge, content_type="multipart/form-data; boundary=lgboundary"
    )
    assert answer.status_code == 413
    after = _row_counts(session)
    after.pop("audit_events"), before.pop("audit_events")  # the sign-in is audited
    after.pop("audit_head", None), before.pop("audit_head", None)
    assert after == before


def _page(client, url: str) -> str:
    answer = client.get(url)
    assert answer.status_code == 200, url
    return answer.get_data(as_text=True)


def _inert(html: str) -> None:
    assert not any(marker in html for marker in RAW_MARKERS), "unescaped script in the page"
    # Shown, escaped for HTML (or for JSON inside HTML by Jinja's tojson).
    assert "&lt;script&gt;alert(" in html or "\\u003cscript\\u003ealert(" in html


def test_script_and_sql_in_every_text_field_are_stored_verbatim_and_shown_escaped(app, session):
    make_active_version(session)
    make_user(
        session, email="root@example.test", roles=("admin", "qa_lead", "rule_author", "auditor")
    )
    client = app.test_client()
    login(client, "root@example.test")

    dataset = {
        "name": PAYLOAD[:120],
        "modality": "text",
        "source_type": "licensed",
        "licence": PAYLOAD,
        "collection_record": PAYLOAD,
        "contract_reference": PAYLOAD,
        "user_authorisation_reference": PAYLOAD,
        "notes": PAYLOAD,
    }
    assert client.post("/datasets/new", data=dataset).status_code == 302
    stored = session.scalar(select(Dataset))
    assert (stored.name, stored.licence, stored.notes) == (PAYLOAD[:120], PAYLOAD, PAYLOAD)
    _inert(_page(client, "/datasets/"))

    assert (
        client.post(
            "/admin/users/new",
            data={
                "email": "victim@example.test",
                "display_name": PAYLOAD[:120],
                "password": "a long enough password 1",
                "roles": ["annotator"],
            },
        ).status_code
        == 302
    )
    victim = session.scalar(select(User).where(User.email == "victim@example.test"))
    assert victim.display_name == PAYLOAD[:120]
    _inert(_page(client, "/admin/users"))
    assert (
        client.post(
            f"/admin/users/{victim.id}/grant", data={"role": "reviewer", "rule_set": PAYLOAD[:120]}
        ).status_code
        == 302
    )
    assert (
        session.scalar(
            select(RoleGrant.rule_set).where(
                RoleGrant.user_id == victim.id, RoleGrant.role == "reviewer"
            )
        )
        == PAYLOAD[:120]
    )
    _inert(_page(client, f"/admin/users/{victim.id}"))
    assert (
        client.post(f"/admin/users/{victim.id}/deactivate", data={"reason": PAYLOAD}).status_code
        == 302
    )
    _inert(_page(client, "/audit/"))

    assert client.post("/account/tokens", data={"name": PAYLOAD[:120]}).status_code == 302
    assert session.scalar(select(ApiToken.name)) == PAYLOAD[:120]
    _inert(_page(client, "/account"))

    answer = client.post(
        "/batches/import",
        data={
            "file": (
                io.BytesIO(jsonl([{**r, "response": PAYLOAD} for r in quality_items(2)])),
                "items.jsonl",
            ),
            "dataset": PAYLOAD[:120],
            "rule_set": "response-quality",
            "name": PAYLOAD[:160],
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    batch = session.scalar(select(Batch))
    assert batch.name == PAYLOAD[:160] and batch.items[0].data["response"] == PAYLOAD
    _inert(_page(client, "/batches/"))
    _inert(_page(client, f"/batches/{batch.id}"))

    rule_file = (SETS_DIR / "response-quality.en.yaml").read_text(encoding="utf-8")
    hostile = re.sub(r"(?m)^title: .*$", f"title: {json.dumps(PAYLOAD)}", rule_file, count=1)
    hostile = re.sub(r"(?m)^version: .*$", "version: 9.0.0", hostile, count=1)
    answer = client.post("/rules/publish", data={"text": hostile})
    assert answer.status_code in (200, 302), answer.get_data(as_text=True)[:500]
    _inert(_page(client, "/rules/response-quality/9.0.0"))
    # The SQL in every field was data, never code: every table is still there.
    assert session.execute(text("SELECT COUNT(*) FROM users")).scalar_one() >= 2
    assert session.scalar(select(func.count(AuditEvent.id))) > 0
