"""The annotator's door in real Chromium against a real Label Studio (issue 14).

Three annotators sign in to Labelgate only and label their tasks in Label Studio's editor
inside Labelgate's page; Labelgate's export and Label Studio's own export then agree
exactly (who, what, under which rule version). The same people, acting as a curious
annotator would, cannot sign in to Label Studio, cannot open a task not theirs by URL or
through the door's API, never see another annotator's answer, cannot see security items
without a grant, and lose access at their next request once deactivated. A verifier then
does a review round through the same door.
"""

from __future__ import annotations

import csv
import io
import json
import re

import httpx
import pytest
from sqlalchemy import select

from app.models import Annotation, Assignment, Batch, Item, ReviewTask, VerificationRecord
from app.services import assignment, batches, datasets, push, qualifications
from app.services import users as user_service
from app.services.verification import decisions, plans, reviews
from labeling_rules import SETS_DIR
from tests.factories import (
    PASSWORD,
    jsonl,
    make_active_version,
    make_qualified_annotators,
    make_user,
    quality_items,
)
from tests.integration.verification.conftest import AQL_1, rule_file

pytestmark = [pytest.mark.integration, pytest.mark.browser]

# One answer per control of response-quality (a radio's input is named after its value).
ANSWERS = ("no_risk_noticed", "follows", "accurate", "useful", "not_time_sensitive",
           "coherent", "clear")


@pytest.fixture
def door(app, session, live, label_studio_gateway, label_studio_server, tmp_path):
    """A batch of 10 items (one labeled by all three) pushed to the real Label Studio."""
    app.config.update(LABEL_STUDIO_GATEWAY=label_studio_gateway, WTF_CSRF_ENABLED=True)
    datasets.register_dataset(session, name="prompts", modality="text",
                              source_type="licensed", licence="CC-BY-4.0")
    version = make_active_version(session, rule_file(tmp_path, "response-quality.en.yaml",
                                                     sampling=AQL_1))
    tag = f"door{live.port}"
    annotators = make_qualified_annotators(session, version, 3, prefix=f"{tag}-ann")
    verifiers = make_qualified_annotators(session, version, 2, prefix=f"{tag}-rev",
                                          role="reviewer", name="Verifier")
    make_user(session, email=f"{tag}-lead@example.test", roles=("qa_lead",))
    batch = batches.import_batch(session, jsonl(quality_items(10)), source="items.jsonl",
                                 dataset_name="prompts", rule_set_key="response-quality",
                                 batch_name=f"door-{live.port}")
    session.commit()
    assignment.assign_batch(session, batch, seed=7)
    with app.app_context():
        push.push_batch(session, label_studio_gateway, batch)
    session.commit()
    created = [batch.ls_project_id]
    yield {"batch": batch, "version": version, "annotators": annotators,
           "verifiers": verifiers, "lead": f"{tag}-lead@example.test", "created": created,
           "tag": tag}
    for project_id in created:
        label_studio_gateway.delete_project(project_id)


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1")


def _editor_ready(page) -> None:
    page.wait_for_selector("#editor .lsf-choice__checkbox, #editor .ant-radio-wrapper",
                           timeout=60_000)


def _label_current_task(page, overall: int) -> None:
    """Answer every required control in the editor, as a person clicks, and submit."""
    _editor_ready(page)
    for value in ANSWERS:
        page.locator(f"#editor label:has(input[name='{value}'])").click()
    page.locator("#editor .ant-rate-star").nth(overall - 1).click()
    with page.expect_navigation(timeout=60_000):
        page.locator("#editor button:has-text('Submit')").click()


def _work_through_queue(page, base: str, batch_id: int, overall: int) -> int:
    """Label every task of the signed-in annotator's queue; return how many."""
    page.locator("header nav").get_by_role("link", name="My work").click()
    page.get_by_role("link", name="Label my tasks").click()
    done = 0
    while page.locator("#editor").count():
        _label_current_task(page, overall)
        done += 1
        assert done < 20, "the queue never ended"
    assert "Every task in your queue is done" in page.inner_text("main")
    return done


def _labelgate_export(client: httpx.Client, batch_id: int) -> set[tuple]:
    answer = client.get(f"/batches/{batch_id}/annotations.csv")
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    return {(int(r["ls_annotation_id"]), r["annotator"], r["rule_version"],
             json.dumps(json.loads(r["result"]), sort_keys=True)) for r in rows}


def _label_studio_export(server, project_id: int, version_label: str) -> set[tuple]:
    """Label Studio's own export of the project, authors named by Label Studio's accounts."""
    headers = {"Authorization": f"Token {server.token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as ls:
        tasks = ls.get(f"/api/projects/{project_id}/export",
                       params={"exportType": "JSON"}).json()
        project = ls.get(f"/api/projects/{project_id}/").json()
        emails = {u["id"]: u["email"] for u in ls.get("/api/users/").json()}
    assert version_label in project["title"]  # which rule version, in Label Studio's words
    found = set()
    for task in tasks:
        for ann in task["annotations"]:
            result = [{k: r[k] for k in ("from_name", "to_name", "type", "value")}
                      for r in ann["result"]]
            found.add((ann["id"], emails[ann["completed_by"]], version_label,
                       json.dumps(result, sort_keys=True)))
    return found


def _normalised(rows: set[tuple]) -> set[tuple]:
    out = set()
    for ls_id, email, version, result in rows:
        regions = [{k: r[k] for k in ("from_name", "to_name", "type", "value")}
                   for r in json.loads(result)]
        out.add((ls_id, email, version, json.dumps(regions, sort_keys=True)))
    return out


def test_three_annotators_label_in_the_editor_and_both_exports_agree(
    app, session, browser, live, door, label_studio_server, artifacts_dir
):
    batch, version = door["batch"], door["version"]
    made = 0
    for n, annotator in enumerate(door["annotators"]):
        context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 950})
        page = context.new_page()
        _sign_in(page, live.url, annotator.email)
        made += _work_through_queue(page, live.url, batch.id, overall=3 + n)
        if n == 0:
            page.goto(f"{live.url}/work/batches/{batch.id}")  # the finished queue
            page.get_by_role("link", name="Task 1", exact=True).click()
            _editor_ready(page)
            assert "Submitted" in page.inner_text("#door-message")
            assert page.locator("#editor input[type=radio]:checked").count() == len(ANSWERS)
            # ... and shown so (Label Studio's own styles are on the page).
            assert page.locator("#editor .ant-radio-wrapper-checked").count() == len(ANSWERS)
            page.screenshot(path=str(artifacts_dir / "door-annotator.png"), full_page=True)
        context.close()
    assigned = session.scalars(select(Assignment).where(Assignment.batch_id == batch.id)).all()
    assert made == len(assigned) == 12  # 9 items by one annotator, 1 item by all three

    session.expire_all()
    rows = session.scalars(select(Annotation).where(Annotation.batch_id == batch.id)).all()
    assert len(rows) == 12 and not any(r.quarantined for r in rows)
    assert {r.source for r in rows} <= {"door", "webhook"}
    assert all(r.rule_version_id == version.id for r in rows)
    assert all(r.lead_time and r.lead_time > 0 for r in rows)  # measured by Labelgate
    assert {(r.user_id, r.item_id) for r in rows} == {(a.user_id, a.item_id) for a in assigned}

    with httpx.Client(base_url=live.url, timeout=60) as lead:
        lead.post("/login", data={"email": door["lead"], "password": PASSWORD,
                                  "csrf_token": _csrf(lead, "/login")})
        ours = _labelgate_export(lead, batch.id)
    theirs = _label_studio_export(label_studio_server, batch.ls_project_id, version.label)
    assert len(ours) == 12
    assert _normalised(ours) == theirs


def _csrf(client: httpx.Client, path: str) -> str:
    page = client.get(path).text
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_a_curious_annotator_gets_nothing_past_the_door(
    app, session, browser, live, door, label_studio_gateway, label_studio_server
):
    batch = door["batch"]
    first, second, _third = door["annotators"]
    overlapped = session.scalar(select(Item).where(Item.batch_id == batch.id, Item.overlap > 1))
    mine = set(session.scalars(select(Assignment.item_id).where(
        Assignment.user_id == second.id, Assignment.batch_id == batch.id)))
    not_mine = next(i.id for i in batch.items if i.id not in mine)

    # The first annotator answers the overlapped item with the lowest rating.
    context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 950})
    page = context.new_page()
    _sign_in(page, live.url, first.email)
    page.goto(f"{live.url}/work/batches/{batch.id}?unit=item:{overlapped.id}")
    _label_current_task(page, overall=1)
    context.close()

    context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 950})
    page = context.new_page()
    # 1. No second password: the workbench's password does not open Label Studio.
    page.goto(f"{label_studio_server.url}/user/login/")
    page.fill("input[name=email]", second.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/user/login" in page.url
    jar = {c["name"]: c["value"] for c in context.cookies(label_studio_server.url)}
    me = httpx.get(f"{label_studio_server.url}/api/current-user/whoami", cookies=jar, timeout=30)
    assert me.status_code == 401  # no Label Studio session came of it

    _sign_in(page, live.url, second.email)
    # 2. Another annotator's task: not by URL, not through the door's API.
    answer = page.goto(f"{live.url}/work/batches/{batch.id}?unit=item:{not_mine}")
    assert answer.status == 404
    page.goto(f"{live.url}/work/batches/{batch.id}?unit=item:{overlapped.id}")
    _editor_ready(page)
    token = page.evaluate("JSON.parse(document.getElementById('door-boot').textContent).csrf")
    for unit in (f"item:{not_mine}", f"review:{not_mine}", "item:999999"):
        status = page.evaluate(
            """([url, token, unit]) => fetch(url, {method: 'POST', headers: {
                 'Content-Type': 'application/json', 'X-CSRFToken': token},
                 body: JSON.stringify({unit: unit, result: []})}).then(r => r.status)""",
            [f"{live.url}/door/annotate/{batch.id}/submit", token, unit])
        assert status == 404, unit
    # 3. The overlapped item shows nothing of the first annotator's answer.
    boot = json.loads(page.locator("#door-boot").text_content())
    assert boot["result"] is None and not boot["submitted"]
    assert page.locator("#editor input[type=radio]:checked").count() == 0
    assert page.locator("#editor .ant-rate-star-full").count() == 0
    assert "overall" not in json.dumps(boot["data"])
    # 4. Security items need a grant for their rule set (L2).
    security = _security_batch(app, session, label_studio_gateway, second, door)
    assert page.goto(f"{live.url}/work/batches/{security.id}").status == 403
    status = page.evaluate(
        """([url, token]) => fetch(url, {method: 'POST', headers: {'Content-Type':
             'application/json', 'X-CSRFToken': token}, body: JSON.stringify({unit:
             'item:' + String(0), result: []})}).then(r => r.status)""",
        [f"{live.url}/door/annotate/{security.id}/submit", token])
    assert status in (403, 404)
    unit = f"item:{security.items[0].id}"
    status = page.evaluate(
        """([url, token, unit]) => fetch(url, {method: 'POST', headers: {'Content-Type':
             'application/json', 'X-CSRFToken': token}, body: JSON.stringify({unit: unit,
             result: []})}).then(r => r.status)""",
        [f"{live.url}/door/annotate/{security.id}/submit", token, unit])
    assert status == 403
    # 5. Deactivated: the very next request fails, and the Label Studio account goes too.
    page.goto(f"{live.url}/work/batches/{batch.id}?unit=item:{overlapped.id}")
    _editor_ready(page)
    with app.app_context():
        from app.services import accounts
        from app.services.label_studio import gateway_by_server

        user = session.merge(second)
        user_service.deactivate_user(session, user, reason="left the team")
        assert accounts.deactivate_accounts(session, user, gateway_by_server()) == []
        session.commit()
    status = page.evaluate(
        """([url, token]) => fetch(url, {method: 'POST', headers: {'Content-Type':
             'application/json', 'X-CSRFToken': token, 'Accept': 'application/json'},
             body: JSON.stringify({unit: 'x', result: []})}).then(r => r.status)""",
        [f"{live.url}/door/annotate/{batch.id}/draft", token])
    assert status == 401
    page.goto(f"{live.url}/work/batches/{batch.id}")
    assert "/login" in page.url
    from app.models import LabelStudioAccount

    account = session.scalar(select(LabelStudioAccount).where(
        LabelStudioAccount.user_id == second.id))
    assert account.deactivated_at is not None
    members = httpx.get(f"{label_studio_server.url}/api/organizations/1/memberships",
                        headers={"Authorization": f"Token {label_studio_server.token}"},
                        params={"page_size": 1000}, timeout=30).json()["results"]
    [member] = [m["user"] for m in members if m["user"]["id"] == account.ls_user_id]
    assert member["email"] == "Deleted" and member["active_organization"] is None
    context.close()


def _security_batch(app, session, gateway, annotator, door) -> Batch:
    """A content-safety batch assigned to `annotator`, who holds no grant for it."""
    version = make_active_version(session, SETS_DIR / "content-safety.en.yaml")
    qualifications.grant(session, annotator, version.rule_set, version.major)
    session.commit()
    rows = [{"id": f"s-{i}", "prompt": f"Prompt {i}", "content": f"Content {i}"}
            for i in range(3)]
    batch = batches.import_batch(session, jsonl(rows), source="s.jsonl", dataset_name="prompts",
                                 rule_set_key="content-safety",
                                 batch_name=f"security-{door['tag']}")
    session.commit()
    for item in batch.items:  # given to them by hand: the door still asks for the grant
        session.add(Assignment(item_id=item.id, batch_id=batch.id, user_id=annotator.id,
                               role="annotator", rule_version_id=version.id))
    session.commit()
    with app.app_context():
        push.push_batch(session, gateway, batch)
    session.commit()
    door["created"].append(batch.ls_project_id)
    return batch


def test_a_verifier_reviews_through_the_same_door(
    app, session, browser, live, door, label_studio_gateway, label_studio_server
):
    batch = door["batch"]
    for annotator in door["annotators"]:  # the annotators' work, through the door too
        context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 950})
        page = context.new_page()
        _sign_in(page, live.url, annotator.email)
        _work_through_queue(page, live.url, batch.id, overall=4)
        context.close()
    with app.app_context():
        plan = plans.draw_plan(session, session.get(Batch, batch.id), seed=5)
        session.commit()
        reviews.assign_reviews(session, batch)
        reviews.push_reviews(session, label_studio_gateway, batch)
        session.commit()
    from app.models import ReviewProject

    door["created"].append(session.scalar(select(ReviewProject.ls_project_id)))
    tasks = session.scalars(select(ReviewTask).where(ReviewTask.batch_id == batch.id)).all()
    assert len(tasks) == plan.sample_size
    for verifier in door["verifiers"]:
        mine = [t for t in tasks if t.reviewer_id == verifier.id]
        if not mine:
            continue
        context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 950})
        page = context.new_page()
        _sign_in(page, live.url, verifier.email)
        page.locator("header nav").get_by_role("link", name="My reviews").click()
        page.get_by_role("link", name="Review my tasks").click()
        judged = 0
        while page.locator("#editor").count():
            _editor_ready(page)
            assert "Annotation under review" in page.inner_text("#editor")
            page.locator("#editor label:has(input[name='Correct'])").click()
            with page.expect_navigation(timeout=60_000):
                page.locator("#editor button:has-text('Submit')").click()
            judged += 1
        assert judged == len(mine)
        context.close()
    session.expire_all()
    records = session.scalars(select(VerificationRecord).where(
        VerificationRecord.batch_id == batch.id)).all()
    assert len(records) == len(tasks) and not any(r.quarantined for r in records)
    assert {r.verifier_id for r in records} <= {v.id for v in door["verifiers"]}
    decision = decisions.decide(session, session.get(Batch, batch.id))
    session.commit()
    assert decision.decision == "accepted" and decision.reviewed == plan.sample_size
    # Label Studio's own record of the verdicts names each verifier.
    project = session.scalar(select(ReviewProject.ls_project_id))
    exported = label_studio_gateway.export_annotations(project)
    authors = {label_studio_gateway.user_email(a.completed_by_id) for a in exported}
    assert authors == {v.email for v in door["verifiers"] if any(
        t.reviewer_id == v.id for t in tasks)}


def test_a_draft_survives_a_reload_and_a_skip_needs_a_reason(
    app, session, browser, live, door, label_studio_gateway
):
    from app.models import DoorTask

    batch = door["batch"]
    annotator = door["annotators"][0]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 950})
    page = context.new_page()
    _sign_in(page, live.url, annotator.email)
    page.goto(f"{live.url}/work/batches/{batch.id}")
    _editor_ready(page)
    first = json.loads(page.locator("#door-boot").text_content())["unit"]
    for value in ANSWERS[:2]:  # half an answer, then the page is left
        page.locator(f"#editor label:has(input[name='{value}'])").click()
    page.wait_for_function("document.getElementById('door-message').textContent.length > 0",
                           timeout=15_000)
    assert "草稿" in page.inner_text("#door-message")  # kept, said in Chinese
    page.reload()
    _editor_ready(page)
    assert "草稿" in page.inner_text("#door-message")
    assert page.locator("#editor input[type=radio]:checked").count() == 2
    # Two more with the editor's own keys (a choice's digit, as the editor shows it; its
    # letter keys after the tenth choice do not match their hints in 1.23.2), the rest by
    # hand; then Ctrl+Enter submits and the next task opens.
    for key in ("6", "9"):
        page.keyboard.press(key)
        page.wait_for_timeout(150)
    for value in ANSWERS[4:]:
        page.locator(f"#editor label:has(input[name='{value}'])").click()
    checked = page.eval_on_selector_all("#editor input[type=radio]:checked",
                                        "els => els.map(e => e.name)")
    assert sorted(checked) == sorted(ANSWERS), checked
    page.locator("#editor .ant-rate-star").nth(3).click()
    with page.expect_navigation(timeout=60_000):
        page.keyboard.press("Control+Enter")
    second = json.loads(page.locator("#door-boot").text_content())["unit"]
    assert second != first
    # Skipping asks why; an empty reason is refused, a reason moves on.
    page.once("dialog", lambda dialog: dialog.accept(""))
    page.locator("#door-skip").click()
    page.wait_for_timeout(300)
    assert json.loads(page.locator("#door-boot").text_content())["unit"] == second
    page.once("dialog", lambda dialog: dialog.accept("the response is cut off"))
    with page.expect_navigation(timeout=60_000):
        page.locator("#door-skip").click()
    context.close()
    session.expire_all()
    done = session.scalar(select(Annotation).where(
        Annotation.item_id == int(first.removeprefix("item:")),
        Annotation.user_id == annotator.id))
    assert done.result["overall"] == 4 and done.result["readability"] == "clear"
    task = session.scalar(select(DoorTask).where(DoorTask.unit_key == second,
                                                 DoorTask.user_id == annotator.id))
    assert task.skip_reason == "the response is cut off" and task.draft is None
    row = session.scalar(select(Annotation).where(
        Annotation.ls_annotation_id == task.ls_annotation_id))
    assert row.was_cancelled and not row.quarantined
    [held] = label_studio_gateway.export_annotations(batch.ls_project_id, None, [row.ls_task_id])
    assert held.was_cancelled and held.completed_by_id == row.ls_user_id
