"""Verification end to end against a real Label Studio server and a live workbench.

Three annotators label a batch through the door; a plan is drawn; two independent verifiers
(never the batch's annotators) judge the sampled annotations through the door, in a real
review project built from the rules; an annotator can neither open a review task at the
door nor have a verdict made in Label Studio itself count (quarantined, after the review
webhook's notice); the batch is decided with a confidence interval.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from app.models import Annotation, Assignment, ReviewTask, VerificationRecord
from app.services import assignment, batches, datasets, door, push
from app.services.rule_versions import rule_set_of
from app.services.verification import decisions, plans, reviews
from tests.factories import (
    jsonl,
    ls_result,
    make_active_version,
    make_qualified_annotators,
    quality_items,
)
from tests.integration.verification.conftest import AQL_1, NO_OVERLAP, rule_file

pytestmark = pytest.mark.integration


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
    verifiers = make_qualified_annotators(session, version, 2, prefix=f"{tag}-rev",
                                          role="reviewer", name="Verifier")
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

    # 1. Annotate through the door: stored in Label Studio as each annotator, and here.
    rules = rule_set_of(version)

    def through_door(user, kind, key, result):
        with app.app_context():
            unit = door.unit(session, user, kind, batch.id, key)
            door.open_unit(session, user, unit)
            return door.submit(session, gateway, user, unit, result)

    for user in annotators:
        for item_id in session.scalars(
            select(Assignment.item_id).where(
                Assignment.user_id == user.id, Assignment.role == "annotator"
            )
        ).all():
            through_door(user, door.ANNOTATE, f"item:{item_id}", ls_result(rules, {"overall": 4}))
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
        shown = {e.key for e in door.queue(session, user, door.REVIEW, batch.id).entries}
        assert shown == {f"review:{t.id}" for t in tasks if t.reviewer_id == user.id}

    # 3. Verifiers judge through the door; one verdict says "incorrect". An annotator may
    #    not open a review task; one written as them in Label Studio itself is quarantined.
    wrong = tasks[0].id
    for task in tasks:
        verifier = next(u for u in verifiers if u.id == task.reviewer_id)
        through_door(verifier, door.REVIEW, f"review:{task.id}", _verdict(task.id != wrong))
    with pytest.raises(door.NotInQueue):
        through_door(annotators[0], door.REVIEW, f"review:{tasks[1].id}", _verdict(True))
    session.rollback()
    intruder = gateway.ensure_account(annotators[0].email, annotators[0].display_name)
    gateway.create_annotation(tasks[1].ls_task_id, _verdict(True), 1.0, completed_by=intruder)
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
