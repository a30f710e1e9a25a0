"""Verdicts by webhook, the verification pages and the CLI, as people use them."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.models import Arbitration, Item, ReviewTask, SupervisionCheck, VerificationRecord
from app.services.label_studio import webhook_secret
from app.services.verification import plans, reviews
from app.services.verification.reviews import review_webhook_secret
from tests.factories import login, make_user
from tests.integration.verification.conftest import AQL_1, rule_file


def _pushed(world, n=20):
    batch = world.batch(n)
    plans.draw_plan(world.session, batch, seed=21)
    reviews.assign_reviews(world.session, batch)
    world.run(reviews.push_reviews, world.session, world.fake, batch)
    world.session.commit()
    world.fake.state.deliveries.clear()
    return batch


def test_verdicts_arrive_by_webhook_and_outsiders_are_quarantined(client, make_world, tmp_path):
    world = make_world(rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1))
    batch = _pushed(world)
    tasks = world.session.scalars(select(ReviewTask).order_by(ReviewTask.id)).all()
    owner = next(u for u in world.reviewers if u.id == tasks[0].reviewer_id)
    other = next(u for u in world.reviewers if u.id != tasks[0].reviewer_id)
    annotator = world.annotators[0]
    for user in (owner, other, annotator):
        world.direct(user, tasks[0].ls_task_id, world.verdict(), 3.0)
    url = f"/webhooks/label-studio/review/{batch.id}"
    statuses = []
    for delivery in world.fake.deliveries:
        assert delivery.url.endswith(url)
        statuses.append(
            client.post(
                url,
                data=json.dumps(delivery.body),
                headers=delivery.headers,
                content_type="application/json",
            ).status_code
        )
    assert statuses == [200, 200, 200]
    rows = world.session.scalars(select(VerificationRecord).order_by(VerificationRecord.id)).all()
    assert [r.quarantined for r in rows] == [False, True, True]
    assert rows[1].quarantine_reason == "not_assigned"
    assert rows[2].quarantine_reason in ("not_assigned", "worked_on_batch")
    assert rows[0].action_taken == "accepted as correct" and rows[0].verifier_id == owner.id
    # The annotation webhook's secret does not open the review webhook, nor a wrong one.
    body = world.fake.deliveries[0].body
    for secret in ("", "nope", webhook_secret(batch.id, client.application)):
        response = client.post(url, json=body, headers={"X-Labelgate-Secret": secret})
        assert response.status_code == 401
    with client.application.app_context():
        assert review_webhook_secret(batch.id) != webhook_secret(batch.id)


def test_pages_show_the_plan_curve_progress_and_each_roles_queue(client, make_world, tmp_path):
    world = make_world(rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1))
    batch = _pushed(world)
    lead = make_user(world.session, email="lead@example.test", roles=("qa_lead",))
    login(client, lead.email)
    page = client.get(f"/batches/{batch.id}/verification")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in text and "<polyline" in text and "AQL" in text
    plan = plans.latest_plan(world.session, batch.id)
    assert str(plan.seed) in text and plan.reason in text
    csv = client.get(f"/batches/{batch.id}/verification/records.csv")
    assert csv.status_code == 200 and csv.data.decode().startswith("id,item,verifier")
    client.post("/logout")
    reviewer = world.reviewers[0]
    login(client, reviewer.email)
    mine = client.get("/my/reviews").get_data(as_text=True)
    assert "Review my tasks" in mine and f"/reviews/batches/{batch.id}" in mine
    assert batch.name in mine
    client.post("/logout")
    # Chinese for a Chinese-speaking lead.
    client.post("/language", data={"locale": "zh_CN"})
    login(client, lead.email)
    zh = client.get(f"/batches/{batch.id}/verification").get_data(as_text=True)
    assert "抽检特性（OC）曲线" in zh and "生成方案" in zh


def test_an_arbitrator_decides_in_the_workbench(client, make_world, tmp_path):
    world = make_world(rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1))
    batch = world.batch(5)
    item = world.session.scalar(select(Item).where(Item.batch_id == batch.id))
    row = Arbitration(
        batch_id=batch.id,
        item_id=item.id,
        control="accuracy",
        labels_considered=[
            {"annotator": world.annotators[0].id, "label": "accurate"},
            {"annotator": world.annotators[1].id, "label": "inaccurate"},
        ],
    )
    world.session.add(row)
    world.session.commit()
    arbitrator = make_user(world.session, email="arb@example.test", roles=("arbitrator",))
    login(client, arbitrator.email)
    assert "inaccurate" in client.get("/arbitration/").get_data(as_text=True)
    response = client.post(
        f"/arbitration/{row.id}", data={"outcome": "submit", "label": "nonsense"}
    )
    assert response.status_code == 302
    world.session.refresh(row)
    assert row.status == "open"
    client.post(f"/arbitration/{row.id}", data={"outcome": "submit", "label": "accurate"})
    world.session.refresh(row)
    assert row.status == "decided" and row.arbitrator_id == arbitrator.id


def test_cli_plans_checks_decides_and_refuses_release_without_a_traceback(
    app, make_world, tmp_path
):
    world = make_world(rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1))
    batch = world.batch(30)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["verify", "plan", batch.name, "--seed", "42"])
    assert result.exit_code == 0, result.output
    assert "seed 42" in result.output and "ISO 2859-1" in result.output
    result = runner.invoke(args=["verify", "plan", batch.name, "--check"])
    assert result.exit_code == 0 and "reproduces the stored sample" in result.output
    assert runner.invoke(args=["verify", "assign", batch.name]).exit_code == 0
    result = runner.invoke(args=["verify", "decide", batch.name])
    assert result.exit_code == 1 and "outstanding" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(args=["release", batch.name, "--out", str(tmp_path / "r")])
    assert result.exit_code == 1 and "its verification is not decided" in result.output
    result = runner.invoke(args=["verify", "status", batch.name])
    assert result.exit_code == 0 and "Reviewed 0, waiting" in result.output
    tasks = world.session.scalar(select(func.count(ReviewTask.id)))
    assert tasks == plans.latest_plan(world.session, batch.id).sample_size
    result = runner.invoke(args=["verify", "push", batch.name])
    assert result.exit_code == 0 and f"{tasks} review tasks imported" in result.output
    for task in world.session.scalars(select(ReviewTask)):
        reviewer = next(u for u in world.reviewers if u.id == task.reviewer_id)
        world.direct(reviewer, task.ls_task_id, world.verdict(), 2.0)
    result = runner.invoke(args=["verify", "sync"])  # every batch under review
    assert result.exit_code == 0 and f"{batch.name}: {tasks} new verdicts" in result.output
    result = runner.invoke(args=["verify", "decide", batch.name])
    assert result.exit_code == 0, result.output
    assert "Decision: accepted" in result.output and "CI" in result.output
    result = runner.invoke(args=["verify", "agreement", batch.name])
    assert result.exit_code == 0 and "krippendorff_alpha" in result.output
    result = runner.invoke(args=["release", batch.name, "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "Released 30 items" in result.output and "manifest.json sha256" in result.output


def test_push_and_sync_run_as_background_jobs_from_the_page(app, client, make_world, tmp_path):
    app.config["JOBS_INLINE"] = True
    world = make_world(rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1))
    batch = world.batch(20)
    lead = make_user(world.session, email="lead@example.test", roles=("qa_lead",))
    login(client, lead.email)
    for action in ("plan", "assign", "push"):
        response = client.post(f"/batches/{batch.id}/verification/{action}")
        assert response.status_code == 302
    from app.models import Job

    jobs = world.session.scalars(select(Job)).all()
    assert [(j.kind, j.state) for j in jobs] == [("verify_push", "done")]
    assert jobs[0].result["imported"] == jobs[0].total > 0
    world.session.expire_all()
    assert all(t.ls_task_id for t in world.session.scalars(select(ReviewTask)))


def test_cli_arbitrates_and_supervises(app, make_world, tmp_path):
    world = make_world(rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1))
    batch = world.batch(5)
    item = world.session.scalar(select(Item).where(Item.batch_id == batch.id))
    row = Arbitration(
        batch_id=batch.id,
        item_id=item.id,
        control="accuracy",
        labels_considered=[
            {"annotator": world.annotators[0].id, "label": "accurate"},
            {"annotator": world.annotators[1].id, "label": "inaccurate"},
        ],
    )
    world.session.add(row)
    world.session.commit()
    make_user(world.session, email="arb@example.test", roles=("arbitrator",))
    make_user(world.session, email="sup@example.test", roles=("supervisor",))
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["arbitrate", "list", batch.name])
    assert listed.exit_code == 0 and "accurate" in listed.output and "inaccurate" in listed.output
    by_annotator = runner.invoke(
        args=[
            "arbitrate",
            "decide",
            str(row.id),
            "--as",
            world.annotators[0].email,
            "--outcome",
            "discard",
        ]
    )
    assert by_annotator.exit_code == 1 and "Only an arbitrator" in by_annotator.output
    done = runner.invoke(
        args=[
            "arbitrate",
            "decide",
            str(row.id),
            "--as",
            "arb@example.test",
            "--outcome",
            "submit",
            "--label",
            "accurate",
        ]
    )
    assert done.exit_code == 0 and "decided: submit" in done.output
    drawn = runner.invoke(
        args=[
            "supervise",
            "draw",
            batch.name,
            "--as",
            "sup@example.test",
            "--role",
            "arbitrator",
            "--seed",
            "4",
        ]
    )
    assert drawn.exit_code == 0 and "drew 1 pieces of work" in drawn.output
    check = world.session.scalar(select(SupervisionCheck))
    early = runner.invoke(
        args=[
            "supervise",
            "close",
            str(check.id),
            "--as",
            "sup@example.test",
            "--risks",
            "none",
            "--handling",
            "none needed",
        ]
    )
    assert early.exit_code == 1 and "not judged yet" in early.output
    judged = runner.invoke(
        args=[
            "supervise",
            "judge",
            str(check.id),
            str(row.id),
            "--as",
            "sup@example.test",
            "--upheld",
        ]
    )
    assert judged.exit_code == 0 and "1 of 1 judged" in judged.output
    closed = runner.invoke(
        args=[
            "supervise",
            "close",
            str(check.id),
            "--as",
            "sup@example.test",
            "--risks",
            "none",
            "--handling",
            "none needed",
        ]
    )
    assert closed.exit_code == 0 and "1 of 1 held up" in closed.output


def test_security_disagreements_show_only_to_arbitrators_granted_the_rule_set(client, make_world):
    from labeling_rules import SETS_DIR

    world = make_world(SETS_DIR / "content-safety.en.yaml")
    batch = world.batch(3)
    item = world.session.scalar(select(Item).where(Item.batch_id == batch.id))
    row = Arbitration(
        batch_id=batch.id,
        item_id=item.id,
        control="risks",
        labels_considered=[{"annotator": world.annotators[0].id, "label": ["privacy"]}],
    )
    world.session.add(row)
    world.session.commit()
    from app.services import users

    outsider = make_user(world.session, email="arb@example.test", roles=("arbitrator",))
    granted = make_user(world.session, email="arb-sec@example.test", roles=())
    users.grant_role(world.session, granted, "arbitrator", rule_set=world.rules.id)
    world.session.commit()
    login(client, outsider.email)
    assert item.data["content"] not in client.get("/arbitration/").get_data(as_text=True)
    refused = client.post(f"/arbitration/{row.id}", data={"outcome": "discard"})
    assert refused.status_code == 403
    client.post("/logout")
    login(client, granted.email)
    assert item.data["content"] in client.get("/arbitration/").get_data(as_text=True)
