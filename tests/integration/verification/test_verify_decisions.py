"""Decisions: illegal content voids at once; security batches are reviewed in full (V1, V2)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditEvent, BatchDecision, VerificationRecord
from app.services.errors import Conflict
from app.services.verification import coverage, decisions, plans, reviews
from labeling_rules import SETS_DIR
from tests.integration.verification.conftest import AQL_1, NO_OVERLAP, rule_file


def _planned(world, n, name="b1"):
    batch = world.batch(n, name=name)
    plans.draw_plan(world.session, batch, seed=11)
    reviews.assign_reviews(world.session, batch)
    world.run(reviews.push_reviews, world.session, world.fake, batch)
    world.session.commit()
    return batch


def test_one_illegal_content_verdict_voids_the_batch_at_once(make_world, tmp_path):
    world = make_world(rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1))
    batch = _planned(world, 30)
    tasks = {
        t.item_id
        for t in reviews.sample_tasks(world.session, plans.latest_plan(world.session, batch.id))
    }
    illegal = next(iter(sorted(tasks)))
    world.review(batch, illegal_items={illegal})
    world.session.refresh(batch)
    assert batch.state == "void"
    decision = world.session.scalar(select(BatchDecision))
    assert decision.decision == "void" and decision.reasons[0]["code"] == "illegal_content"
    record = world.session.scalar(
        select(VerificationRecord).where(VerificationRecord.item_id == illegal)
    )
    assert record.illegal_content and record.action_taken == "batch voided"
    assert record.verifier_id and record.reviewed_at and record.correct is not None  # V6
    assert world.session.scalar(select(AuditEvent).where(AuditEvent.action == "batch.void"))
    with pytest.raises(Conflict):
        decisions.decide(world.session, batch)


def _security_world(make_world):
    world = make_world(SETS_DIR / "content-safety.en.yaml")
    return world


@pytest.mark.parametrize(("failures", "expected"), [(3, "void"), (2, "accepted")])
def test_a_security_batch_is_reviewed_in_full_and_void_above_five_percent(
    make_world, failures, expected
):
    world = _security_world(make_world)
    batch = _planned(world, 50)
    plan = plans.latest_plan(world.session, batch.id)
    assert plan.kind == "full_review" and plan.sample_size == 50  # every item (V2)
    bad = set(sorted(i.id for i in batch.items)[:failures])  # 3 of 50 = 6 %, 2 of 50 = 4 %
    # Security data is risky by design: flagging it as such does not void the batch (V1 is
    # for functional batches); the failure rate does (V2).
    world.review(batch, lambda task: task.item_id not in bad, illegal_items={max(bad) + 1})
    assert batch.state == "verifying"
    decision = decisions.decide(world.session, batch)
    world.session.commit()
    assert decision.decision == expected and batch.state == expected
    assert decision.defects == failures and decision.reviewed == 50
    assert decision.reasons[0]["code"] == (
        "security_failures_exceed" if expected == "void" else "security_failures_within"
    )


def test_deciding_before_every_sampled_review_is_in_is_refused(make_world, tmp_path):
    world = make_world(rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1))
    batch = _planned(world, 20)
    with pytest.raises(Conflict, match="outstanding"):
        decisions.decide(world.session, batch)


def test_security_coverage_warns_below_three_percent_and_two_hundred_per_risk(make_world, tmp_path):
    world = _security_world(make_world)
    batch = world.batch(10, answers={"risks": ["subversion"]})
    report = coverage.dataset_coverage(world.session, batch.dataset_id)
    assert report.security == report.total == 12  # 10 items, one of them by 3 annotators
    assert report.per_risk == {"A.1.1": 12}
    assert [w for w in report.warnings if "A.1.1" in w and "200" in w]
    # Functional work in the same dataset brings the security share below 3 %.
    from tests.factories import make_active_version

    functional = make_active_version(
        world.session,
        rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1, overlap=NO_OVERLAP),
    )
    from app.services import qualifications
    from app.services import users as user_service
    from app.services.rule_versions import rule_set_of

    for user in world.annotators:  # the security annotators take functional work too
        user_service.grant_role(world.session, user, "annotator")
        qualifications.grant(world.session, user, functional.rule_set, functional.major)
    world.session.commit()
    world.rules = rule_set_of(functional)
    world.batch(400, name="functional")
    report = coverage.dataset_coverage(world.session, batch.dataset_id)
    assert report.total == 412 and round(report.share, 4) == round(12 / 412, 4)
    assert any("3 %" in w for w in report.warnings)


def test_a_sequential_plan_stops_as_soon_as_it_can_decide(make_world, tmp_path):
    sprt = "    kind: sprt\n    p0: 0.01\n    p1: 0.1\n    alpha: 0.05\n    beta: 0.1\n"
    world = make_world(rule_file(tmp_path, "response-quality.en.yaml", sampling=sprt))
    batch = _planned(world, 120)
    plan = plans.latest_plan(world.session, batch.id)
    assert plan.kind == "sprt" and plan.sample_size < 120 and len(plan.sample) == 120
    world.review(batch, lambda task: False)  # every sampled annotation is wrong
    decision = decisions.decide(world.session, batch)
    world.session.commit()
    assert decision.decision == "rejected" and decision.reviewed < plan.sample_size + 1
    assert decision.reasons[0]["code"] == "sprt_reject"
