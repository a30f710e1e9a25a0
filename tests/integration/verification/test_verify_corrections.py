"""Corrections (V5), a second round, release with its manifest, and every refusal named."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from app.models import Annotation, Correction, Item, ReviewTask, VerificationRecord
from app.services import door, sync
from app.services.errors import Conflict
from app.services.verification import corrections, decisions, plans, release, reviews
from tests.factories import ls_result
from tests.integration.verification.conftest import AQL_1, NO_OVERLAP, rule_file


def _rejected(world, n=60, rate=0.2):
    batch = world.batch(n)
    plans.draw_plan(world.session, batch, seed=3)
    reviews.assign_reviews(world.session, batch)
    world.run(reviews.push_reviews, world.session, world.fake, batch)
    world.session.commit()
    items = sorted(i.id for i in batch.items)
    bad = {items[i] for i in range(0, n, round(1 / rate))}
    world.review(batch, lambda task: task.item_id not in bad)
    decision = decisions.decide(world.session, batch)
    world.session.commit()
    assert decision.decision == "rejected"
    return batch


def _correct(world, batch, *, fix=True):
    """Correctors annotate their items through the door; the sync links the corrections."""
    for c in world.session.scalars(select(Correction).where(Correction.status == "assigned")).all():
        corrector = next(u for u in world.annotators if u.id == c.corrector_id)
        world.submit(corrector, door.ANNOTATE, batch.id, f"item:{c.item_id}",
                     ls_result(world.rules, {"overall": 5 if fix else 1}))
    world.run(sync.sync_batch, world.session, world.fake, batch)
    made = corrections.collect(world.session, batch)
    world.run(reviews.push_reviews, world.session, world.fake, batch)
    world.session.commit()
    return made


def test_corrections_carry_all_six_fields_and_are_re_reviewed_before_archiving(
    make_world, tmp_path
):
    world = make_world(
        rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1, overlap=NO_OVERLAP),
        n_annotators=4,
    )
    batch = _rejected(world)
    assert "Batch b1: it was rejected." in _refusal(world, tmp_path, "b1")
    with pytest.raises(Conflict):  # no second round before the corrections
        plans.draw_plan(world.session, batch, seed=4)
    world.session.rollback()
    made = corrections.start(world.session, batch, seed=1)
    world.session.commit()
    flagged = world.session.scalars(
        select(VerificationRecord).where(VerificationRecord.correct.is_(False))
    ).all()
    assert len(made) == len(flagged) > 0
    assert {r.action_taken for r in flagged} == {"sent for correction"}
    assert _correct(world, batch) == len(made)
    for c in made:
        world.session.refresh(c)
        original = world.session.get(Annotation, c.original_annotation_id)
        assert c.original_annotator_id == original.user_id != c.corrector_id  # V5: 6 fields
        assert c.original_content == original.result and c.original_at is not None
        assert c.corrected_content["overall"] == 5 and c.corrected_at >= c.original_at
        assert c.status == "corrected" and c.archived_at is None
    # Each correction is re-reviewed by an independent verifier, then archived.
    re_reviews = world.session.scalars(
        select(ReviewTask).where(ReviewTask.purpose == "re_review")
    ).all()
    assert len(re_reviews) == len(made)
    assert not {t.reviewer_id for t in re_reviews} & {u.id for u in world.annotators}
    failing = made[0].id
    world.review(batch, lambda task: task.correction_id != failing, purpose="re_review")
    states = {c.id: c.status for c in world.session.scalars(select(Correction))}
    assert states[failing] == "re_review_failed"
    assert {s for cid, s in states.items() if cid != failing} == {"archived"}
    # The failed correction is itself corrected anew by yet another annotator.
    again = corrections.start(world.session, batch, seed=2)
    world.session.commit()
    assert len(again) == 1 and again[0].original_annotator_id == made[0].corrector_id
    assert again[0].corrector_id not in {made[0].corrector_id, made[0].original_annotator_id}
    _correct(world, batch)
    world.review(batch, purpose="re_review")
    assert {c.status for c in world.session.scalars(select(Correction))} == {
        "archived",
        "superseded",
    }
    # Now a second round samples the corrected batch, and it is accepted.
    plan = plans.draw_plan(world.session, batch, seed=5)
    reviews.assign_reviews(world.session, batch)
    world.run(reviews.push_reviews, world.session, world.fake, batch)
    world.session.commit()
    assert plan.round == 2
    world.review(batch, purpose="sample")
    assert decisions.decide(world.session, batch).decision == "accepted"
    world.session.commit()
    row = release.release(world.session, [batch.name], tmp_path / "out")
    world.session.commit()
    text = (tmp_path / "out" / "labels.jsonl").read_text(encoding="utf-8")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert (
        hashlib.sha256(text.encode()).hexdigest()
        == row.labels_sha256
        == manifest["files"]["labels.jsonl"]["sha256"]
    )
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(lines) == 60 == manifest["counts"]["items"]
    corrected = [line for line in lines if line["verification"]["corrected"]]
    assert len(corrected) == len(made) and all(line["labels"]["overall"] == 5 for line in corrected)
    first = lines[0]
    assert first["rule_version"] == world.version.label and first["annotators"]
    assert first["provenance"]["dataset"] == "prompts" and first["provenance"]["source_sha256"]
    assert [d["decision"] for d in manifest["batches"][0]["decisions"]] == ["rejected", "accepted"]
    assert batch.state == "released"


def _accepted(world, n, name, answers=None):
    batch = world.batch(n, name=name, answers=answers)
    plans.draw_plan(world.session, batch, seed=8)
    reviews.assign_reviews(world.session, batch)
    world.run(reviews.push_reviews, world.session, world.fake, batch)
    world.session.commit()
    world.review(batch)
    assert decisions.decide(world.session, batch).decision == "accepted"
    world.session.commit()
    return batch


def _refusal(world, tmp_path, *names):
    with pytest.raises(Conflict) as err:
        release.release(world.session, list(names), tmp_path / "-".join(names))
    world.session.rollback()
    assert not (tmp_path / "-".join(names)).exists()
    return err.value.message


def test_release_refuses_each_refused_case_and_names_why(make_world, tmp_path):
    from app.models import User
    from app.services.verification import agreement
    from tests.factories import make_user

    world = make_world(
        rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1), n_annotators=4
    )
    world.batch(10, name="unverified")
    assert "Batch unverified: it is not verified." in _refusal(world, tmp_path, "unverified")
    batch = world.batch(20, name="verifying")
    plans.draw_plan(world.session, batch, seed=1)
    world.session.commit()
    assert "its verification is not decided" in _refusal(world, tmp_path, "verifying")
    void = world.batch(10, name="void")
    plans.draw_plan(world.session, void, seed=1)
    reviews.assign_reviews(world.session, void)
    world.run(reviews.push_reviews, world.session, world.fake, void)
    world.session.commit()
    judged = world.review(void, illegal_items={i.id for i in void.items})
    from app.models import BatchDecision

    voids = world.session.scalars(select(BatchDecision).where(BatchDecision.batch_id == void.id))
    assert [d.decision for d in voids] == ["void"]  # the first finding voids it
    assert judged == 1  # and the door takes no more verdicts for a void batch
    assert "Batch void: it is void." in _refusal(world, tmp_path, "void")
    # Overlapped items on which the three annotators all disagree about the overall rating.
    overlapped = set()

    def answers(user, item_id):
        if world.session.get(Item, item_id).overlap > 1:
            overlapped.add(item_id)
            return {"overall": 1 + 2 * [u.id for u in world.annotators].index(user.id) % 5}
        return None

    split = _accepted(world, 30, "split", answers)
    assert "agreement on its overlapped items was not computed" in _refusal(
        world, tmp_path, "split"
    )
    agreement.compute(world.session, split)
    world.session.commit()
    message = _refusal(world, tmp_path, "split")
    assert "on overall is" in message and "below the rule set's threshold 0.80" in message
    assert f"{len(overlapped)} disagreements await an arbitrator" in message
    arbitrator = make_user(world.session, email="arb@example.test", roles=("arbitrator",))
    from app.models import Arbitration

    for row in world.session.scalars(select(Arbitration)).all():
        agreement.decide(
            world.session,
            row,
            world.session.get(User, arbitrator.id),
            outcome="submit",
            label="3",
            note="the middle rating fits",
        )
    world.session.commit()
    message = _refusal(world, tmp_path, "split")
    assert "await an arbitrator" not in message and "below the rule set's threshold" in message
    # Several batches at once: every reason is named, nothing is written.
    message = _refusal(world, tmp_path, "unverified", "void")
    assert "it is not verified" in message and "it is void" in message
