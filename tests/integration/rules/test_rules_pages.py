"""Rules pages: who reads what, publishing from the browser, the lifecycle buttons, the diff."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.models import RuleVersion
from app.services import rules
from app.services.users import grant_role
from tests.factories import login, make_user
from tests.integration.rules.conftest import KEY, MINOR, SHIPPED, actions, variant

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def published(app, session, people):
    """1.0.0 active (written by the author, approved by qa), 1.1.0 a draft."""
    with app.app_context():
        v1 = rules.publish(session, SHIPPED, author=people["author"]).version
        rules.approve(session, v1, people["qa"])
        rules.activate(session, v1, people["qa"])
        rules.publish(session, variant("1.1.0", MINOR), author=people["author"])
        session.commit()
    return people


def _as(client, people, who: str):
    assert login(client, people[who].email).status_code == 302
    return client


def _status(session, version: str) -> str:
    session.expire_all()
    return session.scalar(select(RuleVersion.status).where(RuleVersion.version == version))


@pytest.mark.parametrize(
    ("headers", "words"),
    [(EN, ["Labeling rules", "Active version"]), (ZH, ["标注规则", "生效版本"])],
)
def test_every_signed_in_user_sees_the_rule_sets(client, published, headers, words):
    page = _as(client, published, "annotator").get("/rules/", headers=headers)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert all(word in text for word in words) and KEY in text


@pytest.mark.parametrize("headers", [EN, ZH])
def test_an_annotator_reads_the_active_rules_but_not_the_draft(client, published, headers):
    client = _as(client, published, "annotator")
    listing = client.get(f"/rules/{KEY}", headers=headers).get_data(as_text=True)
    assert "1.0.0" in listing and "1.1.0" not in listing
    active = client.get(f"/rules/{KEY}/1.0.0", headers=headers)
    assert active.status_code == 200
    text = active.get_data(as_text=True)
    assert "Rating instruction–response pairs" in text and "labelgate-rules" in text
    assert f"/rules/{KEY}/1.0.0/retire" not in text  # no lifecycle buttons
    assert client.get(f"/rules/{KEY}/1.1.0", headers=headers).status_code == 403
    assert client.get(f"/rules/{KEY}/diff?from=1.0.0&to=1.1.0").status_code == 403


@pytest.mark.parametrize("who", ["author", "qa", "admin", "auditor"])
def test_draft_readers_see_drafts_with_hash_and_approval(client, session, published, who):
    if who == "auditor":
        published["auditor"] = make_user(session, email="aud@example.test", roles=("auditor",))
    client = _as(client, published, who)
    assert "1.1.0" in client.get(f"/rules/{KEY}").get_data(as_text=True)
    page = client.get(f"/rules/{KEY}/1.1.0", headers=ZH)
    assert page.status_code == 200 and "草稿" in page.get_data(as_text=True)
    active = client.get(f"/rules/{KEY}/1.0.0").get_data(as_text=True)
    with client.application.app_context():
        sha = rules.get_version(session, KEY, "1.0.0").content_sha256
    assert sha in active and "qa@example.test" in active and "author@example.test" in active


@pytest.mark.parametrize("who", ["annotator", "qa", "auditor"])
def test_only_rule_authors_and_admins_publish(client, session, people, who):
    if who == "auditor":
        people["auditor"] = make_user(session, email="aud@example.test", roles=("auditor",))
    client = _as(client, people, who)
    assert client.get("/rules/publish").status_code == 403
    assert client.post("/rules/publish", data={"text": variant("1.0.0")}).status_code == 403


@pytest.mark.parametrize("headers", [EN, ZH])
def test_a_rule_author_publishes_by_pasting(client, session, people, headers):
    client = _as(client, people, "author")
    assert client.get("/rules/publish", headers=headers).status_code == 200
    response = client.post("/rules/publish", data={"text": variant("1.0.0")}, headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/rules/{KEY}/1.0.0")
    assert _status(session, "1.0.0") == "draft"
    assert actions(session)[-1] == "rules.publish"


def test_a_rule_author_publishes_by_uploading(client, session, people):
    client = _as(client, people, "admin")
    upload = (io.BytesIO(SHIPPED.read_bytes()), "response-quality.en.yaml")
    response = client.post(
        "/rules/publish", data={"file": upload}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    assert _status(session, "1.0.0") == "draft"


@pytest.mark.parametrize(
    ("headers", "summary"),
    [
        (EN, "The rule file has 1 error(s); nothing was published."),
        (ZH, "规则文件有 1 个错误，未发布任何内容。"),
    ],
)
def test_a_broken_file_shows_its_findings_on_the_form(client, session, people, headers, summary):
    client = _as(client, people, "author")
    broken = variant("1.0.0").replace("task_type: rating", "task_type: guessing")
    response = client.post("/rules/publish", data={"text": broken}, headers=headers)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert summary in text and "error[E103]" in text
    assert session.scalar(select(RuleVersion.id)) is None


def test_a_refused_version_shows_the_reason_on_the_form(client, session, published):
    client = _as(client, published, "author")
    changed = variant("1.0.0", MINOR)  # other content under the published 1.0.0
    response = client.post("/rules/publish", data={"text": changed})
    assert response.status_code == 400
    assert "already published with other content" in response.get_data(as_text=True)


def test_an_empty_form_is_refused(client, people):
    client = _as(client, people, "author")
    response = client.post("/rules/publish", data={"text": "  "})
    assert response.status_code == 400
    assert "Upload a rule file or paste one." in response.get_data(as_text=True)


def test_a_qa_lead_approves_and_activates_from_the_page(client, session, published):
    client = _as(client, published, "qa2")
    page = client.get(f"/rules/{KEY}/1.1.0").get_data(as_text=True)
    assert f"/rules/{KEY}/1.1.0/approve" in page
    done = client.post(f"/rules/{KEY}/1.1.0/approve", follow_redirects=True)
    assert "response-quality@1.1.0 approved." in done.get_data(as_text=True)
    assert _status(session, "1.1.0") == "approved"
    client.post(f"/rules/{KEY}/1.1.0/activate")
    assert (_status(session, "1.0.0"), _status(session, "1.1.0")) == ("retired", "active")
    assert actions(session)[-3:] == ["rules.approve", "rules.retire", "rules.activate"]


def test_the_author_cannot_approve_from_the_page(client, session, published):
    with client.application.app_context():
        grant_role(session, published["author"], "qa_lead")
        session.commit()
    client = _as(client, published, "author")
    done = client.post(f"/rules/{KEY}/1.1.0/approve", follow_redirects=True)
    assert "may not approve it" in done.get_data(as_text=True)
    assert _status(session, "1.1.0") == "draft"


@pytest.mark.parametrize("who", ["annotator", "author"])
def test_others_cannot_press_the_lifecycle_buttons(client, session, published, who):
    client = _as(client, published, who)
    assert client.post(f"/rules/{KEY}/1.1.0/approve").status_code == 403
    assert client.post(f"/rules/{KEY}/1.0.0/retire").status_code == 403
    assert (_status(session, "1.0.0"), _status(session, "1.1.0")) == ("active", "draft")


def test_retiring_from_the_page_records_the_reason(client, session, published):
    client = _as(client, published, "admin")
    client.post(f"/rules/{KEY}/1.0.0/retire", data={"reason": "task finished"})
    assert _status(session, "1.0.0") == "retired"
    assert actions(session)[-1] == "rules.retire"


@pytest.mark.parametrize(
    ("headers", "change"),
    [
        (EN, "target accuracy 0.95 → 0.96"),
        (ZH, "目标准确率 0.95 → 0.96"),
    ],
)
def test_the_diff_page_shows_changes_and_the_files_side_by_side(client, published, headers, change):
    client = _as(client, published, "qa")
    page = client.get(f"/rules/{KEY}/diff?from=1.0.0&to=1.1.0", headers=headers)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert change in text
    assert "target_accuracy: 0.95" in text and "target_accuracy: 0.96" in text
    assert 'class="diff-replace"' in text


def test_unknown_sets_and_versions_answer_404(client, published):
    client = _as(client, published, "qa")
    assert client.get("/rules/nope").status_code == 404
    assert client.get(f"/rules/{KEY}/9.9.9").status_code == 404
    assert client.post(f"/rules/{KEY}/9.9.9/approve").status_code == 404
