"""Plans: ISO 2859-1 decisions on seeded error rates, reproducible samples, independence."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from app.models import Annotation, BatchDecision, ReviewTask, SwitchingState
from app.services.verification import decisions, plans, reviews
from tests.integration.verification.conftest import AQL_1, NO_OVERLAP, rule_file


def _decide_with_error_rate(world, n, rate, name):
    batch = world.batch(n, name=name)
    plan = plans.draw_plan(world.session, batch, seed=2026)
    world.session.commit()
    reviews.assign_reviews(world.session, batch)
    world.run(reviews.push_reviews, world.session, world.fake, batch)
    world.session.commit()
    items = sorted(i.id for i in batch.items)
    # The wrong items are spread evenly over the batch: 1 in every 1/rate.
    bad = {items[i] for i in range(0, n, round(1 / rate))} if rate else set()
    world.review(batch, lambda task: task.item_id not in bad)
    decision = decisions.decide(world.session, batch)
    world.session.commit()
    return plan, decision, batch


def test_aql_1_rejects_a_ten_percent_batch_and_accepts_a_half_percent_one(make_world, tmp_path):
    world = make_world(
        rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1, overlap=NO_OVERLAP)
    )
    plan, decision, batch = _decide_with_error_rate(world, 400, 0.10, "bad")
    assert (plan.kind, plan.code_letter, plan.sample_size) == ("aql", "H", 50)
    assert (plan.accept_number, plan.reject_number) == (1, 2)
    assert 0 < plan.producer_risk < 0.1 and plan.consumer_risk == 0.10
    assert decision.decision == "rejected" and batch.state == "rejected"
    assert decision.defects >= 2 and decision.reviewed == 50
    assert decision.ci_low < decision.accuracy < decision.ci_high
    plan2, decision2, batch2 = _decide_with_error_rate(world, 400, 0.005, "good")
    assert decision2.decision == "accepted" and batch2.state == "accepted"
    assert decision2.ci_low <= decision2.accuracy <= decision2.ci_high <= 1.0
    # The switching state moved on with the two lots.
    state = world.session.scalar(select(SwitchingState))
    assert state.lots == 2 and state.state == "normal"
    # A second rejection within five lots tightens inspection for the rule set's next batch.
    _plan3, decision3, _batch3 = _decide_with_error_rate(world, 100, 0.25, "bad-again")
    assert decision3.decision == "rejected" and decision3.inspection_next == "tightened"
    world.session.refresh(state)
    assert (state.lots, state.state) == (3, "tightened")
    batch4 = world.batch(100, name="next")
    plan4 = plans.draw_plan(world.session, batch4, seed=1)
    assert plan4.inspection == "tightened" and "tightened inspection" in plan4.reason


def test_the_stored_seed_reproduces_the_sample_and_every_annotator_is_checked(make_world, tmp_path):
    world = make_world(rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1))
    batch = world.batch(60)
    plan = plans.draw_plan(world.session, batch, seed=77)
    world.session.commit()
    assert plans.redraw_sample(world.session, plan) == plan.sample
    annotators = Counter(world.session.get(Annotation, ann).user_id for _i, ann in plan.sample)
    assert set(annotators) == {u.id for u in world.annotators}
    assert len(plan.sample) == plan.sample_size >= 1


def test_verifiers_never_annotated_in_the_batch(make_world, tmp_path):
    world = make_world(rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1))
    # The first annotator is also a qualified reviewer: V3 keeps them off this batch.
    from app.services import users

    both = world.annotators[0]
    users.grant_role(world.session, both, "reviewer")
    world.session.commit()
    world.reviewers.append(both)
    batch = world.batch(40)
    eligible = {u.id for u in reviews.eligible_verifiers(world.session, batch)}
    assert eligible == {u.id for u in world.reviewers[:3]}  # not the annotator-reviewer
    plans.draw_plan(world.session, batch, seed=1)
    reviews.assign_reviews(world.session, batch)
    world.session.commit()
    reviewer_ids = set(world.session.scalars(select(ReviewTask.reviewer_id)))
    annotator_ids = {u.id for u in world.annotators}
    assert reviewer_ids and not reviewer_ids & annotator_ids
    assert reviewer_ids <= {u.id for u in world.reviewers}
    assert world.session.scalar(select(BatchDecision)) is None


def test_exact_and_precision_plans_store_their_terms_and_risks(make_world, tmp_path):
    from qa.sampling import design_plan, sample_size_for_accuracy

    exact = "    kind: exact\n    aql: 1.0\n    ltpd: 8.0\n    alpha: 0.05\n    beta: 0.1\n"
    world = make_world(
        rule_file(tmp_path, "response-quality.en.yaml", sampling=exact, overlap=NO_OVERLAP)
    )
    batch = world.batch(300)
    plan = plans.draw_plan(world.session, batch, seed=5)
    expected = design_plan(0.01, 0.08, alpha=0.05, beta=0.1, lot_size=300)
    assert (plan.sample_size, plan.accept_number) == (expected.n, expected.accept)
    assert plan.producer_risk <= 0.05 and plan.consumer_risk <= 0.1
    assert (plan.aql, plan.ltpd, plan.code_letter) == (1.0, 8.0, None)
    precision = "    kind: precision\n    margin: 0.05\n    confidence: 0.95\n"
    other = tmp_path / "precision"
    other.mkdir()
    from app.services.rule_versions import rule_set_of
    from tests.factories import make_active_version

    newer = make_active_version(
        world.session,
        rule_file(other, "response-quality.en.yaml", sampling=precision, overlap=NO_OVERLAP),
        version="1.0.1",
    )
    world.rules = rule_set_of(newer)
    batch2 = world.batch(300, name="b2")
    plan2 = plans.draw_plan(world.session, batch2, seed=5)
    assert plan2.kind == "precision" and plan2.rule_version_id == newer.id
    assert plan2.sample_size == sample_size_for_accuracy(0.05, confidence=0.95, population=300)


def test_discontinued_inspection_refuses_plans_until_resumed(make_world, tmp_path):
    import pytest

    from app.services.errors import Conflict

    world = make_world(rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1))
    batch = world.batch(20)
    state = SwitchingState(
        rule_set_id=world.version.rule_set_id,
        aql=1.0,
        level="II",
        state="discontinued",
        switching_score=0,
        recent=[],
        tightened_run=0,
        tightened_rejects=5,
        lots=9,
    )
    world.session.add(state)
    world.session.commit()
    with pytest.raises(Conflict, match="discontinued"):
        plans.draw_plan(world.session, batch, seed=1)
    world.session.rollback()
    plans.resume_inspection(world.session, batch, "retrained two annotators, rules clarified")
    plan = plans.draw_plan(world.session, batch, seed=1)
    world.session.commit()
    assert plan.inspection == "tightened"
