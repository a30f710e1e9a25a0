"""Every route × every role (and anonymous, and a deactivated user) gets exactly the access
the design grants. A new route must be added to EXPECTED, or this test fails."""

from __future__ import annotations

import pytest

from app.services import users as user_service
from tests.factories import login, make_user

ANON = "anonymous"
ANY = "authenticated"
SECRET = "secret header"  # Machine-to-machine: a per-object secret, no role admits it.
ROLES = user_service.ROLES
READERS = {"admin", "qa_lead", "auditor", "rule_author", "supervisor"}

# endpoint -> who may reach it: ANON (everyone), ANY (every signed-in user) or a set of roles.
EXPECTED: dict[str, object] = {
    "static": ANON,
    "auth.login": ANON,
    "auth.logout": ANY,
    "home.index": ANY,
    "home.healthz": ANON,
    "home.language": ANON,
    "home.account": ANY,
    "home.create_token": ANY,
    "home.revoke_token": ANY,
    "admin.users": {"admin"},
    "admin.new_user": {"admin"},
    "admin.user": {"admin"},
    "admin.grant": {"admin"},
    "admin.revoke": {"admin"},
    "admin.deactivate": {"admin"},
    "admin.reactivate": {"admin"},
    "audit.events": {"auditor", "admin"},
    "audit.export": {"auditor", "admin"},
    "audit.verify": {"auditor", "admin"},
    "datasets.index": READERS,
    "datasets.export": READERS,
    "datasets.new": {"admin", "qa_lead"},
    # Rules pages: everyone signed in reads versions in force; drafts are refused per version.
    "rules.index": ANY,
    "rules.rule_set": ANY,
    "rules.version": ANY,
    "rules.diff": ANY,
    "rules.publish": {"rule_author", "admin"},
    "rules.approve": {"qa_lead"},
    "rules.activate": {"qa_lead", "admin"},
    "rules.retire": {"qa_lead", "admin"},
    "api.me": ANY,
    "api.datasets": READERS,
    "api.create_dataset": {"admin", "qa_lead"},
    # Authenticated by the per-batch secret header, not by a role (see test_webhooks).
    "webhooks.label_studio": SECRET,
    "batches.index": {"qa_lead", "admin", "supervisor", "auditor"},
    "batches.export": {"qa_lead", "admin", "supervisor", "auditor"},
    "batches.import_batch": {"qa_lead", "admin"},
    "batches.show": {"qa_lead", "admin", "supervisor", "auditor"},
    "batches.assign": {"qa_lead", "admin"},
    "batches.push": {"qa_lead", "admin"},
    "batches.sync": {"qa_lead", "admin"},
    "batches.job_status": {"qa_lead", "admin", "supervisor", "auditor"},
    "batches.quarantine": {"qa_lead", "admin", "supervisor"},
    "batches.annotations_csv": {"qa_lead", "admin", "supervisor", "auditor"},
    "deliveries.index": {"qa_lead", "admin"},
    "deliveries.retry": {"qa_lead", "admin"},
    "deliveries.dismiss": {"qa_lead", "admin"},
    "batches.my_work": {"annotator"},
    # Verification (issue 7): leads act, readers look, each role has its own queue.
    "webhooks.label_studio_review": SECRET,
    "verification.batch": {"qa_lead", "admin", "supervisor", "auditor"},
    "verification.export_csv": {"qa_lead", "admin", "supervisor", "auditor"},
    "verification.plan": {"qa_lead", "admin"},
    "verification.assign": {"qa_lead", "admin"},
    "verification.push": {"qa_lead", "admin"},
    "verification.sync": {"qa_lead", "admin"},
    "verification.decide": {"qa_lead", "admin"},
    "verification.correct": {"qa_lead", "admin"},
    "verification.measure_agreement": {"qa_lead", "admin"},
    "verification.my_reviews": {"reviewer"},
    "verification.arbitration_queue": {"arbitrator"},
    "verification.arbitrate": {"arbitrator"},
    "verification.supervision_index": {"supervisor"},
    "verification.supervision_draw": {"supervisor"},
    "verification.supervision_check": {"supervisor"},
    "verification.supervision_judge": {"supervisor"},
    "verification.supervision_close": {"supervisor"},
    # QA dashboard (issue 8): QA leads supervise there; annotators and reviewers are refused.
    "dashboard.overview_page": {"qa_lead", "admin", "supervisor", "auditor"},
    "dashboard.batch": {"qa_lead", "admin", "supervisor", "auditor"},
    "dashboard.annotators_page": {"qa_lead", "admin", "supervisor", "auditor"},
    "dashboard.annotator": {"qa_lead", "admin", "supervisor", "auditor"},
    "dashboard.agreement_page": {"qa_lead", "admin", "supervisor", "auditor"},
    "dashboard.export": {"qa_lead", "admin", "supervisor", "auditor"},
    # Compliance evidence packs (issue 9): for inspectors and those who answer them.
    "reports.index": {"auditor", "qa_lead", "admin"},
    "reports.generate": {"auditor", "qa_lead", "admin"},
    "reports.show": {"auditor", "qa_lead", "admin"},
    "reports.file": {"auditor", "qa_lead", "admin"},
    "reports.download": {"auditor", "qa_lead", "admin"},
    # The annotator's door (issue 14): each kind of work to its role; what is in a queue is
    # the service's to decide (tests/web/test_door_browser.py); the editor's files are public.
    "door.annotate": {"annotator"},
    "door.review": {"reviewer"},
    "door.practice": {"annotator", "reviewer"},
    "door.submit": ANY,
    "door.skip": ANY,
    "door.draft": ANY,
    "door.editor_file": ANON,
    "door.editor_font": ANON,
    "training.index": {"annotator"},
    "training.lesson": {"annotator"},
    "training.start_exam": {"annotator"},
    "training.exam": {"annotator"},
    "training.start_practice": {"annotator"},
    "training.score_practice": {"annotator"},
    "training.qualifications": {"qa_lead", "admin", "auditor", "supervisor"},
    "training.reinstate": {"qa_lead"},
    "training.records": {"qa_lead", "admin", "auditor", "supervisor"},
    "training.records_csv": {"qa_lead", "admin", "auditor", "supervisor"},
}

PERSONAS = (ANON, "deactivated", *ROLES)


def _may(expected, persona: str) -> bool:
    if expected == SECRET:
        return False
    if expected == ANON:
        return True
    if persona in (ANON, "deactivated"):
        return False
    return expected == ANY or persona in expected


def _requests(app, ids: dict[str, int]):
    """Yield (endpoint, method, url) for every route."""
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            values = {arg: ids.get(arg, 1) for arg in rule.arguments}
            if rule.endpoint == "static":
                values = {"filename": "app.css"}
            methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
            for method in methods:
                yield rule.endpoint, method, url_for(rule.endpoint, **values)


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(EXPECTED), (
        f"routes without an access entry: {sorted(endpoints - set(EXPECTED))}; "
        f"entries without a route: {sorted(set(EXPECTED) - endpoints)}"
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(app, session, persona):
    target = make_user(session, email="target@example.test", roles=("annotator",))
    # Someone else's token: revoking it must not end the persona's own API access.
    target_token, _text = user_service.create_api_token(session, target, "not yours")
    session.commit()
    client = app.test_client()
    headers = {}
    if persona != ANON:
        roles = ROLES if persona == "deactivated" else (persona,)
        user = make_user(session, email=f"{persona}@example.test", roles=roles)
        _token, text = user_service.create_api_token(session, user, "matrix")
        session.commit()
        assert login(client, user.email).status_code == 302
        headers = {"Authorization": f"Bearer {text}"}
        if persona == "deactivated":
            user_service.deactivate_user(session, session.merge(user))
            session.commit()
    ids = {"user_id": target.id, "token_id": target_token.id}
    wrong = []
    for endpoint, method, url in _requests(app, ids):
        if endpoint == "auth.logout":
            continue  # Checked last: it ends the session the other checks need.
        wrong += _check(client, headers, persona, endpoint, method, url)
    wrong += _check(client, headers, persona, "auth.logout", "POST", "/logout")
    assert not wrong, f"{persona}: " + "; ".join(wrong)


def _check(client, headers, persona, endpoint, method, url) -> list[str]:
    is_api = url.startswith("/api/")
    response = client.open(url, method=method, headers=headers if is_api else {},
                           data={} if method == "POST" else None)
    status = response.status_code
    response.close()  # Static files are streamed from an open file.
    to_login = status == 302 and "/login" in response.headers.get("Location", "")
    denied = status in (401, 403) or (to_login and endpoint != "auth.logout")
    may = _may(EXPECTED[endpoint], persona)
    if status >= 500:
        return [f"{method} {url} answered {status}"]
    if may and denied:
        return [f"{method} {url} refused ({status}) but should be allowed"]
    if not may and not denied and endpoint != "auth.logout":
        return [f"{method} {url} allowed ({status}) but should be refused"]
    if not may and is_api and status != 401 and persona in (ANON, "deactivated"):
        return [f"{method} {url} should answer 401 JSON, answered {status}"]
    if not may and is_api and persona not in (ANON, "deactivated") and status != 403:
        return [f"{method} {url} should answer 403 JSON, answered {status}"]
    return []
