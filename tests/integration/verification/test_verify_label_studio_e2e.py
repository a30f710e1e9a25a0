"""Issue 7 end to end against a real Label Studio server and a live workbench.

Three annotators label a batch through Label Studio; a plan is drawn; two independent
verifiers (never the batch's annotators) judge the sampled annotations in a real review
project built from the rules; their verdicts arrive by the review webhook; an annotator's
attempt to verify is quarantined; the batch is decided with a confidence interval.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from app.models import Annotation, Assignment, Item, ReviewQueue, ReviewTask, VerificationRecord
from app.services import assignment, batches, datasets, push, qualifications
from app.services.rule_versions import rule_set_of
from app.services.verification import decisions, plans, reviews
from tests.factories import (
    jsonl,
    ls_result,
    make_active_version,
    make_qualified_annotators,
    make_user,
    quality_items,
)
from tests.integration.verification.conftest import AQL_1, NO_OVERLAP, rule_file

pytestmark = pytest.mark.integration
PASSWORD = "verifier-pass-123"


def _wait_for(session, model, count: int, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    seen = 0
    while time.monotonic() < deadline:
        session.expire_all()
        seen = session.scalar(select(func.count(model.id)))
        if seen >= count:
            return seen
        time.sleep(0.2)
    return seen


def _verdict(correct: bool) -> list[dict]:
    # What Label Studio's review form submits: the choice's text as the rules display it.
    return [
        {
            "from_name": "verdict",
            "to_name": "review_label",
            "type": "choices",
            "value": {"choices": ["Correct" if correct else "Incorrect"]},
        }
    ]


@pytest.fixture
def ls(app, label_studio_gateway):
    app.config["LABEL_STUDIO_GATEWAY"] = label_studio_gateway
    created = []
    yield label_studio_gateway, created
    for project_id in created:
        label_studio_gateway.delete_project(project_id)


def test_annotate_plan_verify_in_label_studio_and_decide_with_ci(app, session, live, ls, tmp_path):
    gateway, created = ls
    datasets.register_dataset(
        session, name="prompts", modality="text", source_type="licensed", licence="CC-BY-4.0"
    )
    version = make_active_version(
        session, rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1, overlap=NO_OVERLAP)
    )
    tag = f"v{live.port}"
    annotators = make_qualified_annotators(session, version, 3, prefix=f"{tag}-ann")
    verifiers = []
    for i in (1, 2):
        user = make_user(
            session,
            email=f"{tag}-rev{i}@example.test",
            name=f"Verifier {i}",
            roles=("reviewer",),
            commit=False,
        )
        qualifications.grant(session, user, version.rule_set, version.major)
        verifiers.append(user)
    session.commit()
    for user in annotators + verifiers:  # known passwords, so the test can act as each
        gateway.ensure_user(user.email, user.display_name, password=PASSWORD)
    batch = batches.import_batch(
        session,
        jsonl(quality_items(30)),
        source="items.jsonl",
        dataset_name="prompts",
        rule_set_key="response-quality",
        batch_name=f"e2e-verify-{live.port}",
    )
    session.commit()
    assignment.assign_batch(session, batch, seed=3)
    with app.app_context():
        push.push_batch(session, gateway, batch)
        session.commit()
    created.append(batch.ls_project_id)

    # 1. Annotate in Label Studio; the annotations arrive by webhook.
    rules = rule_set_of(version)
    for user in annotators:
        me = gateway.as_user(gateway.user_token(user.email, PASSWORD))
        for (item_id,) in session.execute(
            select(Assignment.item_id).where(
                Assignment.user_id == user.id, Assignment.role == "annotator"
            )
        ):
            me.create_annotation(
                session.get(Item, item_id).ls_task_id,
                ls_result(rules, {"overall": 4}),
                lead_time=7.0,
            )
    assert _wait_for(session, Annotation, 30) == 30

    # 2. A plan is drawn, reproducibly; verifiers are chosen among non-annotators.
    plan = plans.draw_plan(session, batch, seed=2026)
    session.commit()
    assert plans.redraw_sample(session, plan) == plan.sample
    assert reviews.assign_reviews(session, batch) == plan.sample_size
    with app.app_context():
        assert reviews.push_reviews(session, gateway, batch) == plan.sample_size
        session.commit()
    project = session.scalar(select(ReviewTask.ls_task_id).limit(1))
    assert project is not None
    from app.models import ReviewProject

    review_project = session.scalar(select(ReviewProject))
    created.append(review_project.ls_project_id)
    tasks = session.scalars(select(ReviewTask).order_by(ReviewTask.position)).all()
    assert {t.reviewer_id for t in tasks} <= {u.id for u in verifiers}
    assert not {t.reviewer_id for t in tasks} & {u.id for u in annotators}  # V3
    for user in verifiers:  # each verifier's queue shows exactly their review tasks
        queue = session.scalar(select(ReviewQueue).where(ReviewQueue.user_id == user.id))
        shown = {t.id for t in gateway.list_tasks(review_project.ls_project_id, queue.ls_view_id)}
        assert shown == {t.ls_task_id for t in tasks if t.reviewer_id == user.id}

    # 3. Verifiers judge in Label Studio; one verdict says "incorrect". An annotator who
    #    tries to verify too is quarantined.
    wrong = tasks[0].id
    for task in tasks:
        verifier = next(u for u in verifiers if u.id == task.reviewer_id)
        me = gateway.as_user(gateway.user_token(verifier.email, PASSWORD))
        me.create_annotation(task.ls_task_id, _verdict(task.id != wrong), lead_time=4.0)
    intruder = gateway.as_user(gateway.user_token(annotators[0].email, PASSWORD))
    intruder.create_annotation(tasks[1].ls_task_id, _verdict(True), lead_time=1.0)
    assert _wait_for(session, VerificationRecord, len(tasks) + 1) == len(tasks) + 1
    records = session.scalars(select(VerificationRecord)).all()
    quarantined = [r for r in records if r.quarantined]
    assert len(quarantined) == 1 and quarantined[0].ls_user_id is not None
    counted = [r for r in records if not r.quarantined]
    assert all(r.verifier_id in {u.id for u in verifiers} and r.reviewed_at for r in counted)

    # 4. The decision, with the accuracy estimate and its confidence interval.
    decision = decisions.decide(session, batch)
    session.commit()
    n = plan.sample_size
    assert decision.reviewed == n and decision.defects == 1
    assert decision.accuracy == pytest.approx((n - 1) / n)
    assert 0.0 < decision.ci_low < decision.accuracy < decision.ci_high <= 1.0
    expected = "accepted" if 1 <= plan.accept_number else "rejected"
    assert decision.decision == expected == batch.state
