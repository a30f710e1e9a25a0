"""A seeded end-to-end run for the dashboard: a batch annotated with overlap in the in-memory
Label Studio, agreement measured, a plan drawn and reviewed, the batch decided, one
disagreement arbitrated, gold practice scored, one annotator working too fast, one suspended,
one annotation quarantined. Tests then compare the pages with what `qa` computes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from app.models import (
    Annotation,
    Arbitration,
    Batch,
    PracticeAttempt,
    Qualification,
    RuleVersion,
    User,
    utcnow,
)
from app.services import qualifications
from app.services.verification import agreement, decisions, plans, reviews
from tests.factories import make_user
from tests.fakes.fake_label_studio import FakeLabelStudio
from tests.integration.verification.conftest import AQL_1, World, _world, rule_file

OVERLAP_HALF = "    fraction: 0.5\n    k: 3\n"
ACCURACY = ("accurate", "minor_errors", "inaccurate")
QA_LEAD = "lead@example.test"
GOLD = {1: (20, 18), 2: (25, 20)}  # annotator number -> (gold items, correct)


@dataclass
class SeededRun:
    """What the run made, for tests to look at."""

    world: World
    batch: Batch
    lead: User
    arbitrator: User
    fast: User
    suspended: User


def _answers(ids: list[int]):
    def answer(user, item_id):
        k = ids.index(user.id)
        if item_id % 5 == 0:  # all three differ: no majority, an arbitrator decides
            return {"accuracy": ACCURACY[k], "overall": 1 + k}
        if item_id % 7 == 0 and k == 1:  # annotator 2 strays now and then
            return {"accuracy": "inaccurate", "overall": 2}
        return {"accuracy": ACCURACY[item_id % 2], "overall": 4 + item_id % 2}

    return answer


def _lead_times(session, batch: Batch, fast: User) -> None:
    """Give Label Studio-like times: the fast annotator 1 s, the others 6–30 s."""
    for ann in session.scalars(select(Annotation).where(Annotation.batch_id == batch.id)):
        ann.lead_time = 1.0 if ann.user_id == fast.id else 6.0 + (ann.item_id * 7) % 25
    session.commit()


def seeded_run(app, session, tmp_path) -> SeededRun:
    """Run annotation, agreement, verification and arbitration over one batch."""
    fake = FakeLabelStudio()
    app.config["LABEL_STUDIO_GATEWAY"] = fake
    path = rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1, overlap=OVERLAP_HALF)
    world = _world(app, session, fake, path)
    ids = [u.id for u in world.annotators]
    batch = world.batch(40, name="week-1", answers=_answers(ids))
    fast = world.annotators[0]
    _lead_times(session, batch, fast)
    last = session.scalar(select(func.max(Annotation.id)).where(Annotation.batch_id == batch.id))
    session.execute(
        update(Annotation)
        .where(Annotation.id == last)
        .values(quarantined=True, quarantine_reason="made outside the annotator's queue")
    )
    session.commit()
    agreement.compute(session, batch)
    session.commit()
    plans.draw_plan(session, batch, seed=11)
    reviews.assign_reviews(session, batch)
    world.run(reviews.push_reviews, session, fake, batch)
    session.commit()
    second = world.annotators[1].id
    world.review(batch, lambda task: session.get(Annotation, task.annotation_id).user_id != second)
    decisions.decide(session, batch)
    session.commit()
    arbitrator = make_user(
        session, email="arb@example.test", name="Arbitrator", roles=("arbitrator",)
    )
    row = session.scalars(select(Arbitration).order_by(Arbitration.id)).first()
    agreement.decide(
        session,
        row,
        arbitrator,
        outcome="submit",
        label="accurate" if row.control == "accuracy" else "3",
        note="read the response twice",
    )
    session.commit()
    _gold(session, world)
    suspended = world.annotators[2]
    record = session.scalar(select(Qualification).where(Qualification.user_id == suspended.id))
    qualifications.end(
        session, record, qualifications.QualificationStatus.SUSPENDED, "accuracy below target"
    )
    lead = make_user(session, email=QA_LEAD, name="Qiu Lead", roles=("qa_lead",))
    return SeededRun(world, batch, lead, arbitrator, fast, suspended)


def _gold(session, world: World) -> None:
    version = session.scalar(select(RuleVersion).where(RuleVersion.id == world.version.id))
    now = utcnow()
    for number, (n, correct) in GOLD.items():
        user = world.annotators[number - 1]
        session.add(
            PracticeAttempt(
                user_id=user.id,
                rule_version_id=version.id,
                n=n,
                correct=correct,
                accuracy=correct / n,
                target=0.8,
                passed=True,
                state="scored",
                finished_at=now,
            )
        )
    session.commit()
