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


def test_with_label_studio_the_demo_work_is_waiting_and_each_person_gets_one_address(app, session):
    from tests.fakes.fake_label_studio import FakeLabelStudio

    fake = FakeLabelStudio()
    app.config.update(LABEL_STUDIO_GATEWAY=fake, PUBLIC_URL="http://127.0.0.1:5000")
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    batch = batches.batch_by_ref(session, "demo-batch-1")
    assert batch.ls_project_id is not None and batch.state == "annotating"
    assert len(fake.list_tasks(batch.ls_project_id)) == 12
    lines = [line.split() for line in result.output.splitlines() if "/login?next=" in line]
    assert len(lines) == 10  # one per demo person: role, name, address, e-mail, password
    by_email = {line[-2]: line for line in lines}
    annotator = by_email["annotator@demo.labelgate"]
    assert "http://127.0.0.1:5000/login?next=/my/work" in annotator
    # That address and that password are all an annotator needs to reach their tasks.
    client = app.test_client()
    signed_in = client.post("/login?next=/my/work", data={
        "email": "annotator@demo.labelgate", "password": annotator[-1]})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/my/work"
    page = client.get("/my/work").get_data(as_text=True)
    assert f'href="/work/batches/{batch.id}"' in page
    assert client.get(f"/work/batches/{batch.id}").status_code in (200, 503)
    # Seeding again changes nothing and pushes nothing twice.
    again = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert again.exit_code == 0 and len(fake.list_tasks(batch.ls_project_id)) == 12
