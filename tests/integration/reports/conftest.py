"""A seeded end-to-end run for the compliance report: a functional and a security dataset,
each batch annotated through the door into the in-memory Label Studio, spot-checked or
fully reviewed, decided.

Helpers plant the three gaps the report must name: an annotator without a valid pass
record, a batch never spot-checked, and a security batch decided with an item unreviewed.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import (
    Assignment,
    Batch,
    BatchDecision,
    BatchState,
    Item,
    Qualification,
    ReviewTask,
    User,
)
from app.services import assignment, batches, datasets, door, push, qualifications, sync, users
from app.services.verification import decisions, plans, reviews, verdicts
from labeling_rules import SETS_DIR
from tests.factories import (
    jsonl,
    ls_result,
    make_active_version,
    make_qualified_annotators,
    make_user,
    quality_items,
)
from tests.fakes.fake_label_studio import FakeLabelStudio
from tests.integration.verification.conftest import AQL_1, World, rule_file


class Run(World):
    """A World over one rule version whose batches go into a dataset of its own."""

    def __init__(self, *args, dataset: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.dataset = dataset

    def rows(self, n: int, start: int = 1) -> list[dict]:
        """Return `n` items fitting the rule set."""
        if self.rules.kind == "functional":
            return quality_items(n, start=start)
        return [
            {"id": f"s-{i}", "prompt": f"Prompt {i}", "content": f"Content {i}"}
            for i in range(start, start + n)
        ]

    def import_assign_push(self, n: int, name: str, start: int = 1) -> Batch:
        """Import, assign and push a batch of `n` items."""
        s = self.session
        batch = batches.import_batch(
            s,
            jsonl(self.rows(n, start)),
            source=f"{name}.jsonl",
            dataset_name=self.dataset,
            rule_set_key=self.rules.id,
            batch_name=name,
        )
        s.commit()
        assignment.assign_batch(s, batch, seed=5)
        self.run(push.push_batch, s, self.fake, batch)
        s.commit()
        return batch

    def annotate(self, batch: Batch, *, in_label_studio: bool = False) -> None:
        """Have every assigned annotator answer through the door (or, `in_label_studio`,
        have their answers written in Label Studio itself); sync the batch in."""
        s = self.session
        for user in self.annotators:
            for item_id in s.scalars(
                select(Assignment.item_id).where(
                    Assignment.user_id == user.id,
                    Assignment.batch_id == batch.id,
                    Assignment.role == "annotator",
                )
            ).all():
                if in_label_studio:
                    self.direct(user, s.get(Item, item_id).ls_task_id, ls_result(self.rules))
                else:
                    self.submit(user, door.ANNOTATE, batch.id, f"item:{item_id}",
                                ls_result(self.rules))
        self.run(sync.sync_batch, s, self.fake, batch)
        s.commit()

    def verify(self, batch: Batch, *, leave_unreviewed: int = 0) -> None:
        """Draw the plan, have the sample reviewed (all correct) and decide the batch."""
        s = self.session
        plans.draw_plan(s, batch, seed=11)
        reviews.assign_reviews(s, batch)
        self.run(reviews.push_reviews, s, self.fake, batch)
        s.commit()
        skipped = set(sorted(i.id for i in batch.items)[:leave_unreviewed])
        if skipped:
            self._review_but(batch, skipped)
            return
        self.review(batch, lambda task: True)
        decisions.decide(s, batch)
        s.commit()

    def _review_but(self, batch: Batch, skipped: set[int]) -> None:
        s = self.session
        for task in s.scalars(
            select(ReviewTask).where(ReviewTask.batch_id == batch.id).order_by(ReviewTask.id)
        ).all():
            if task.item_id in skipped:
                continue
            reviewer = next(u for u in self.reviewers if u.id == task.reviewer_id)
            self.submit(reviewer, door.REVIEW, batch.id, f"review:{task.id}", self.verdict())
        self.run(verdicts.sync_reviews, s, self.fake, batch)
        s.commit()


def _people(session, version, prefix: str, n: int, role: str) -> list[User]:
    return make_qualified_annotators(session, version, n, prefix=prefix, role=role, name=prefix)


@pytest.fixture
def fake(app):
    gateway = FakeLabelStudio()
    app.config["LABEL_STUDIO_GATEWAY"] = gateway
    return gateway


@pytest.fixture
def seeded(app, session, fake, tmp_path):
    """A clean run: one functional and one security batch, each verified and accepted."""
    datasets.register_dataset(
        session, name="prompts", modality="text", source_type="licensed", licence="CC-BY-4.0"
    )
    datasets.register_dataset(
        session,
        name="safety",
        modality="text",
        source_type="collected",
        collection_record="Collected from the support queue, 2025-06",
    )
    functional = make_active_version(
        session, rule_file(tmp_path, "response-quality.en.yaml", sampling=AQL_1)
    )
    security = make_active_version(session, SETS_DIR / "content-safety.en.yaml")
    make_user(session, email="arb@example.test", roles=("arbitrator",))
    make_user(session, email="sup@example.test", roles=("supervisor",))
    leaver = make_user(session, email="leaver@example.test", roles=("annotator",))
    users.deactivate_user(session, leaver)  # someone who left: P9 has something to check
    session.commit()
    runs = {}
    for key, version, dataset in (
        ("functional", functional, "prompts"),
        ("security", security, "safety"),
    ):
        annotators = _people(session, version, f"{key[:3]}-ann", 3, "annotator")
        reviewers = _people(session, version, f"{key[:3]}-rev", 3, "reviewer")
        runs[key] = Run(app, session, fake, version, annotators, reviewers, dataset=dataset)
    f1 = runs["functional"].import_assign_push(30, "f1")
    runs["functional"].annotate(f1)
    runs["functional"].verify(f1)
    s1 = runs["security"].import_assign_push(20, "s1")
    runs["security"].annotate(s1)
    runs["security"].verify(s1)
    return runs


def plant_unqualified_annotator(run: Run) -> str:
    """Revoke one annotator's pass after assignment; they annotate anyway. Return the email."""
    s = run.session
    batch = run.import_assign_push(12, "f2", start=100)
    victim = run.annotators[0]
    record = s.scalar(select(Qualification).where(Qualification.user_id == victim.id))
    qualifications.end(
        s, record, qualifications.QualificationStatus.REVOKED, "exam result withdrawn"
    )
    s.commit()
    # The door refuses them now; what they do in Label Studio itself still arrives.
    run.annotate(batch, in_label_studio=True)
    return victim.email


def plant_unchecked_batch(run: Run) -> str:
    """Mark an annotated functional batch accepted though nobody spot-checked it."""
    s = run.session
    batch = run.import_assign_push(10, "f3", start=200)
    run.annotate(batch)
    # The workbench refuses to accept a batch without a decision; this stands for a record
    # changed outside it (a restore, a hand edit), which is what an assessor must catch.
    batch.state = BatchState.ACCEPTED
    s.commit()
    return batch.name


def plant_partly_reviewed_security_batch(run: Run) -> tuple[str, str]:
    """Decide a security batch with one item unreviewed; return its name and the item id."""
    s = run.session
    batch = run.import_assign_push(10, "s2", start=300)
    run.annotate(batch)
    run.verify(batch, leave_unreviewed=1)
    first = sorted(batch.items, key=lambda i: i.id)[0]
    plan = plans.latest_plan(s, batch.id)
    # `decide` refuses while a review is outstanding; a decision recorded around it is
    # exactly the gap V2 exists to catch.
    s.add(
        BatchDecision(
            batch_id=batch.id,
            plan_id=plan.id,
            decision="accepted",
            reviewed=len(batch.items) - 1,
            defects=0,
            confidence=0.95,
            ci_method="wilson",
            reasons=[],
            decided_by="outside",
        )
    )
    batch.state = BatchState.ACCEPTED
    s.commit()
    return batch.name, first.external_id
