"""Agreement, consensus and arbitration (P7); supervisors' spot-checks (P8)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AgreementReport, Arbitration, ConsensusLabel, Item, ReviewTask, User
from app.services.errors import Forbidden
from app.services.verification import agreement, decisions, plans, reviews, supervision
from tests.factories import make_user
from tests.integration.verification.conftest import AQL_1, rule_file

OVERLAP_ALL = "    fraction: 1.0\n    k: 3\n"


def _labelled(world, n, answers):
    batch = world.batch(n, answers=answers)
    return batch


def test_agreement_per_batch_label_and_pair_with_ci_then_consensus_and_arbitration(
    make_world, tmp_path
):
    world = make_world(
        rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1, overlap=OVERLAP_ALL)
    )
    ids = [u.id for u in world.annotators]

    def answers(user, item_id):
        # Everyone agrees on "accuracy" except on every fifth item, where all three differ.
        k = item_id % 3
        if item_id % 5 == 0:
            return {
                "accuracy": ["accurate", "minor_errors", "inaccurate"][ids.index(user.id)],
                "overall": 1 + ids.index(user.id),
            }
        return {"accuracy": ["accurate", "minor_errors", "inaccurate"][k], "overall": 1 + k}

    batch = _labelled(world, 30, answers)
    reports = agreement.compute(world.session, batch)
    world.session.commit()
    by_control = {r.control: r for r in reports}
    acc = by_control["accuracy"]
    assert acc.coefficient == "krippendorff_alpha" and acc.items == 30
    assert 0.5 < acc.estimate < 0.95 and acc.ci_low <= acc.estimate <= acc.ci_high
    assert set(acc.per_label) == {"accurate", "minor_errors", "inaccurate"}
    assert len(acc.per_pair) == 3 and all(p["n"] == 30 for p in acc.per_pair)
    assert by_control["risk_flag"].estimate is None  # one label only: nothing to agree on
    assert by_control["risk_flag"].observed_agreement == 1.0
    disputed = {i.id for i in batch.items if i.id % 5 == 0}
    arbitrations = world.session.scalars(select(Arbitration)).all()
    assert {(a.item_id, a.control) for a in arbitrations} == {
        (i, c) for i in disputed for c in ("accuracy", "overall")
    }
    consensus = world.session.scalars(
        select(ConsensusLabel).where(ConsensusLabel.control == "accuracy")
    ).all()
    assert {c.item_id for c in consensus} == {i.id for i in batch.items} - disputed
    assert all(c.method == "majority_vote" and c.support == 1.0 for c in consensus)
    # Only an arbitrator who did not annotate the item decides; the decision is recorded.
    target = arbitrations[0]
    with pytest.raises(Forbidden):
        agreement.decide(
            world.session,
            target,
            world.session.get(User, ids[0]),
            outcome="submit",
            label="accurate",
        )
    world.session.rollback()
    arbitrator = make_user(world.session, email="arb@example.test", roles=("arbitrator",))
    decided = agreement.decide(
        world.session,
        target,
        arbitrator,
        outcome="submit",
        label=str(target.labels_considered[1]["label"]),
        note="second reading is right",
    )
    world.session.commit()
    assert decided.status == "decided" and decided.arbitrator_id == arbitrator.id
    label = world.session.scalar(
        select(ConsensusLabel).where(
            ConsensusLabel.item_id == target.item_id, ConsensusLabel.control == target.control
        )
    )
    assert label.method == "arbitration"
    assert label.label["value"] == target.labels_considered[1]["label"]
    # Dawid-Skene as the consensus method keeps the arbitrator's decision.
    first_estimate = acc.estimate
    agreement.compute(world.session, batch, method="dawid_skene")
    world.session.commit()
    world.session.refresh(label)
    assert label.method == "arbitration"
    assert world.session.scalar(
        select(AgreementReport).where(AgreementReport.control == "accuracy")
    ).estimate == pytest.approx(first_estimate)


def test_supervisor_spot_checks_reviewers_against_second_reviews(make_world, tmp_path):
    world = make_world(
        rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1), n_reviewers=3
    )
    batch = world.batch(30)
    plans.draw_plan(world.session, batch, seed=9)
    reviews.assign_reviews(world.session, batch)
    world.run(reviews.push_reviews, world.session, world.fake, batch)
    world.session.commit()
    world.review(batch)
    decisions.decide(world.session, batch)
    supervisor = make_user(world.session, email="sup@example.test", roles=("supervisor",))
    check = supervision.draw(world.session, batch, supervisor, role="reviewer", size=4, seed=1)
    world.run(reviews.push_reviews, world.session, world.fake, batch)
    world.session.commit()
    seconds = world.session.scalars(
        select(ReviewTask).where(ReviewTask.purpose == "second_review")
    ).all()
    assert len(seconds) == 4
    firsts = {
        t.item_id: t.reviewer_id
        for t in world.session.scalars(select(ReviewTask).where(ReviewTask.purpose == "sample"))
    }
    assert all(t.reviewer_id != firsts[t.item_id] for t in seconds)  # another verifier
    disagree_on = seconds[0].item_id
    world.review(batch, lambda task: task.item_id != disagree_on, purpose="second_review")
    world.session.refresh(check)
    facts = supervision.summary(check)
    assert facts == {"sampled": 4, "judged": 4, "agreed": 3, "agreement": 0.75}
    closed = supervision.close(
        world.session,
        check,
        supervisor,
        risks="one reviewer passed a wrong overall rating",
        handling="retraining scheduled for the reviewer",
    )
    world.session.commit()
    assert closed.status == "closed" and closed.risks.startswith("one reviewer")
    # Arbitrators: the supervisor upholds or overturns sampled decisions.
    item = world.session.scalar(select(Item).where(Item.batch_id == batch.id))
    row = Arbitration(
        batch_id=batch.id,
        item_id=item.id,
        control="overall",
        labels_considered=[{"annotator": 1, "label": 1}, {"annotator": 2, "label": 5}],
    )
    world.session.add(row)
    arbitrator = make_user(world.session, email="arb2@example.test", roles=("arbitrator",))
    agreement.decide(world.session, row, arbitrator, outcome="discard", note="unclear item")
    check = supervision.draw(world.session, batch, supervisor, role="arbitrator", seed=2)
    supervision.judge_arbitration(
        world.session, check, supervisor, row.id, upheld=False, note="the item was clear enough"
    )
    closed = supervision.close(
        world.session,
        check,
        supervisor,
        risks="over-eager discards",
        handling="talked it through with the arbitrator",
    )
    world.session.commit()
    assert supervision.summary(closed)["agreed"] == 0
