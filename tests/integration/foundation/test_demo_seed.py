"""`labelgate demo seed` (run by `make run`) builds a usable demo, and is idempotent."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from app.models import Batch, RuleVersion, User
from app.services import assignment, batches


def test_demo_seed_twice_gives_one_user_per_role_and_an_assignable_batch(app, session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    roles = {r for u in session.scalars(select(User)) for r in u.active_roles()}
    assert roles == {"admin", "rule_author", "qa_lead", "supervisor", "reviewer", "arbitrator",
                     "annotator", "auditor"}
    assert session.scalar(select(func.count(RuleVersion.id)).where(
        RuleVersion.status == "active")) == 4
    assert session.scalar(select(func.count(Batch.id))) == 1
    batch = batches.batch_by_ref(session, "demo-batch-1")
    assert assignment.assign_batch(session, batch) == 14  # 11 items × 1 + 1 item × 3
    text = (Path(app.instance_path) / "demo-credentials.txt").read_text(encoding="utf-8")
    assert "admin@demo.labelgate\tadmin\t" in text
