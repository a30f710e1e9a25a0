"""A batch annotated through the door into the in-memory Label Studio, ready for
verification, and its people."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.models import Assignment, Batch, ReviewTask
from app.services import assignment, batches, datasets, door, push, sync
from app.services.rule_versions import rule_set_of
from app.services.verification import verdicts
from labeling_rules import SETS_DIR
from tests.factories import (
    jsonl,
    ls_result,
    make_active_version,
    make_qualified_annotators,
    quality_items,
)
from tests.fakes.fake_label_studio import FakeLabelStudio


def rule_file(
    tmp_path, name: str, *, sampling: str | None = None, overlap: str | None = None
) -> str:
    """Write a shipped rule set with its sampling (and overlap) block replaced."""
    text = (SETS_DIR / name).read_text(encoding="utf-8")
    if sampling is not None:
        text = re.sub(r"(?m)^  sampling:\n(    .*\n)+", "  sampling:\n" + sampling, text, count=1)
    if overlap is not None:
        text = re.sub(r"(?m)^  overlap:\n(    .*\n)+", "  overlap:\n" + overlap, text, count=1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


AQL_1 = "    kind: aql\n    aql: 1.0\n    level: II\n    inspection: normal\n"
NO_OVERLAP = "    fraction: 0.0\n    k: 2\n"


class World:
    """Everything a verification test needs, with small steps it can take."""

    def __init__(self, app, session, fake, version, annotators, reviewers):
        self.app, self.session, self.fake = app, session, fake
        self.version, self.annotators, self.reviewers = version, annotators, reviewers
        self.rules = rule_set_of(version)

    def run(self, fn, *args, **kwargs):
        """Run a service inside the app's context (it reads settings)."""
        with self.app.app_context():
            return fn(*args, **kwargs)

    def batch(self, n: int, name: str = "b1", rows=None, answers=None) -> Batch:
        """Import, assign, push and annotate a batch of `n` items; sync it in."""
        s = self.session
        items = rows or (
            quality_items(n)
            if self.rules.kind == "functional"
            else [
                {"id": f"s-{i}", "prompt": f"Prompt {i}", "content": f"Content {i}"}
                for i in range(n)
            ]
        )
        batch = batches.import_batch(
            s,
            jsonl(items),
            source="items.jsonl",
            dataset_name="prompts",
            rule_set_key=self.rules.id,
            batch_name=name,
        )
        s.commit()
        assignment.assign_batch(s, batch, seed=5)
        self.run(push.push_batch, s, self.fake, batch)
        s.commit()
        for user in self.annotators:
            for (item_id,) in s.execute(
                select(Assignment.item_id).where(
                    Assignment.user_id == user.id,
                    Assignment.batch_id == batch.id,
                    Assignment.role == "annotator",
                )
            ).all():
                given = answers(user, item_id) if callable(answers) else answers
                self.submit(user, door.ANNOTATE, batch.id, f"item:{item_id}",
                            ls_result(self.rules, given))
        self.run(sync.sync_batch, s, self.fake, batch)
        s.commit()
        return batch

    def direct(self, user, ls_task_id: int, result: list[dict], lead_time: float = 3.0):
        """Annotate in Label Studio itself as `user`, bypassing the door (an administrator
        can write as anyone there): the workbench learns of it only from Label Studio."""
        ls_user = self.fake.ensure_account(user.email, user.display_name)
        return self.fake.create_annotation(ls_task_id, result, lead_time, completed_by=ls_user)

    def submit(self, user, kind: str, scope_id: int, key: str, result: list[dict]):
        """Submit `result` through the door as `user` (stored in Label Studio and here)."""
        def act():
            unit = door.unit(self.session, user, kind, scope_id, key)
            door.open_unit(self.session, user, unit)
            return door.submit(self.session, self.fake, user, unit, result)
        return self.run(act)

    def verdict(
        self, *, correct: bool = True, illegal: bool = False, defects: tuple[str, ...] = ()
    ) -> list[dict]:
        """Return a Label Studio review result."""
        result = [
            {
                "from_name": "verdict",
                "to_name": "review_label",
                "type": "choices",
                "value": {"choices": ["correct" if correct else "incorrect"]},
            }
        ]
        if defects:
            result.append(
                {
                    "from_name": "defects",
                    "to_name": "review_label",
                    "type": "choices",
                    "value": {"choices": list(defects)},
                }
            )
        if illegal:
            result.append(
                {
                    "from_name": "illegal_content",
                    "to_name": "review_label",
                    "type": "choices",
                    "value": {"choices": ["illegal"]},
                }
            )
        return result

    def review(
        self, batch: Batch, judge=lambda task: True, *, purpose: str | None = None, illegal_items=()
    ) -> int:
        """Have each task's verifier judge it through the door; return how many did.

        Once a batch is void the door takes no more verdicts: the rest are left undone.
        """
        s = self.session
        stmt = select(ReviewTask).where(
            ReviewTask.batch_id == batch.id, ReviewTask.completed_at.is_(None)
        )
        if purpose:
            stmt = stmt.where(ReviewTask.purpose == purpose)
        done = 0
        for task in s.scalars(stmt.order_by(ReviewTask.id)).all():
            reviewer = next(u for u in self.reviewers if u.id == task.reviewer_id)
            correct = judge(task)
            defects = () if correct else self.rules.defect_codes[:1]
            result = self.verdict(
                correct=correct, illegal=task.item_id in illegal_items, defects=defects
            )
            try:
                self.submit(reviewer, door.REVIEW, batch.id, f"review:{task.id}", result)
            except door.DoorRefused as refused:
                s.rollback()
                assert refused.code == "closed" and s.get(Batch, batch.id).state == "void"
                continue
            done += 1
        self.run(verdicts.sync_reviews, s, self.fake, batch)
        s.commit()
        return done


@pytest.fixture
def fake(app):
    gateway = FakeLabelStudio()
    app.config["LABEL_STUDIO_GATEWAY"] = gateway
    return gateway


def _world(app, session, fake, path=None, *, n_annotators=3, n_reviewers=3) -> World:
    datasets.register_dataset(
        session, name="prompts", modality="text", source_type="licensed", licence="CC-BY-4.0"
    )
    version = make_active_version(session, path)
    annotators = make_qualified_annotators(session, version, n_annotators)
    reviewers = make_qualified_annotators(session, version, n_reviewers, prefix="rev",
                                          role="reviewer", name="Reviewer")
    return World(app, session, fake, version, annotators, reviewers)


@pytest.fixture
def make_world(app, session, fake):
    """Return a builder of worlds over a given rule file."""
    return lambda path=None, **kw: _world(app, session, fake, path, **kw)
