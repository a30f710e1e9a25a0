"""Issue 6 walk: no access → training → failed exam → cool-down → pass → practice → assigned →
a major rule change → lapsed → retrained → assigned again; every step audited."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import Assignment, AuditEvent, ExamAttempt, Item, PracticeAttempt, User
from app.services import assignment, batches, datasets, door, practice, training
from app.services import rules as rules_service
from app.services.errors import ServiceError
from app.services.rule_versions import active_version, rule_set_of
from labeling_rules import SETS_DIR
from tests.factories import jsonl, login, ls_result, make_user, quality_items
from tests.fakes.fake_label_studio import FakeLabelStudio

RULE_FILE = Path(SETS_DIR) / "response-quality.en.yaml"


@pytest.fixture
def world(app, session):
    fake = FakeLabelStudio()
    app.config.update(LABEL_STUDIO_GATEWAY=fake, TRAINING_COOLDOWN_MINUTES=60)
    author = make_user(session, email="author@example.test", roles=("rule_author",))
    lead = make_user(session, email="lead@example.test", roles=("qa_lead",))
    with app.app_context():
        _publish_and_activate(session, RULE_FILE.read_text(encoding="utf-8"), author, lead)
    datasets.register_dataset(session, name="prompts", modality="text", source_type="licensed")
    session.commit()
    return fake, author, lead


def _publish_and_activate(session, text, author, lead):
    published = rules_service.publish(session, text, author=author, source_name=RULE_FILE.name)
    rules_service.approve(session, published.version, lead)
    rules_service.activate(session, published.version, lead)
    session.commit()
    return published.version


def _answer(client, attempt_id, *, right: bool):
    """Submit an exam through the page, all answers right or all wrong."""
    from app.extensions import db

    with client.application.app_context():
        attempt = db.session.get(ExamAttempt, attempt_id)
        paper = training.paper(db.session, attempt)
    data = {}
    for q in paper.questions:
        wrong = [o.id for o in q.options if o.id not in q.correct][:1]
        data[f"q:{q.id}"] = list(q.correct) if right else wrong
    response = client.post(f"/training/exam/{attempt_id}", data=data)
    assert response.status_code == 302


def _take_all_exams(app, client, session, user, *, fail_first: bool):
    with app.app_context():
        overview = training.overview(session, user)
    (entry,) = overview
    for index, status in enumerate(entry.modules):
        url = f"/training/{entry.rule_set.key}/{status.module.name}/exam"
        response = client.post(url)
        attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
        if fail_first and index == 0:
            _answer(client, attempt_id, right=False)
            # The cool-down refuses an immediate retake, with when it ends.
            refused = client.post(url, follow_redirects=True)
            assert "You can retake this exam after" in refused.get_data(as_text=True)
            app.config["TRAINING_COOLDOWN_MINUTES"] = 0  # the cool-down has passed
            response = client.post(url)
            attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
        _answer(client, attempt_id, right=True)
    return entry.version


def _do_practice(app, session, fake, user):
    with app.app_context():
        version = active_version(session, "response-quality")
        attempt = practice.start_practice(session, fake, user, version)
        session.commit()
        rules, items = practice._items(version)
        gold = {item.key: item.gold for item in items}
        for entry in door.queue(session, user, door.PRACTICE, attempt.id).entries:
            unit = door.unit(session, user, door.PRACTICE, attempt.id, entry.key)
            door.submit(session, fake, user, unit,
                        ls_result(rules, gold[entry.key.split(":", 2)[2]]))
        practice.score_attempt(session, fake, user, attempt)
        session.commit()
    return attempt


def _assignable(app, session, user) -> bool:
    batch = batches.import_batch(session, jsonl(quality_items(3, start=len(
        session.scalars(select(Item)).all()) + 1)), source="x.jsonl", dataset_name="prompts",
        rule_set_key="response-quality")
    try:
        assignment.assign_batch(session, batch)
    except ServiceError:
        session.rollback()
        return False
    session.commit()
    return session.scalar(select(Assignment.id).where(Assignment.user_id == user.id,
                                                      Assignment.batch_id == batch.id)) is not None


def test_the_whole_walk_is_enforced_and_audited(app, session, world):
    fake, author, lead = world
    ann = make_user(session, email="ann@example.test", roles=("annotator",))
    client = app.test_client()
    login(client, ann.email)

    assert not _assignable(app, session, ann)  # no access before training
    page = client.get("/training/").get_data(as_text=True)
    assert "not yet qualified" in page and "legal" in page.lower()

    _take_all_exams(app, client, session, ann, fail_first=True)
    assert not _assignable(app, session, ann)  # exams alone are not enough
    attempt = _do_practice(app, session, fake, ann)
    assert attempt.passed and attempt.accuracy == 1.0
    assert _assignable(app, session, ann)

    # A major change: qualifications on version 1 lapse; annotations would be quarantined.
    text = RULE_FILE.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^version: .*$", "version: 2.0.0", text, count=1)
    # Redefining a label is a major change (the practice gold still fits it).
    text = text.replace("language, or missing punctuation throughout.",
                        "language, missing punctuation throughout, or text in mixed scripts.")
    with app.app_context():
        new = _publish_and_activate(session, text, author, lead)
    assert new.major == 2
    assert not _assignable(app, session, ann)

    app.config["TRAINING_COOLDOWN_MINUTES"] = 60
    _take_all_exams(app, client, session, session.get(User, ann.id), fail_first=False)
    _do_practice(app, session, fake, ann)
    assert _assignable(app, session, ann)

    actions = [a for (a,) in session.execute(select(AuditEvent.action).order_by(AuditEvent.seq))]
    for expected in ("exam.start", "exam.submit", "practice.start", "practice.score",
                     "qualification.grant", "rules.activate", "qualification.lapsed",
                     "batch.assign"):
        assert expected in actions, expected
    assert actions.count("qualification.grant") == 2
    failed = session.scalars(select(ExamAttempt).where(ExamAttempt.passed.is_(False))).all()
    assert len(failed) == 1 and failed[0].duration_seconds is not None
    assert failed[0].answers["given"] and failed[0].answers["paper"]["questions"]
    assert session.scalar(select(PracticeAttempt.id).where(PracticeAttempt.passed.is_(False))) \
        is None
    assert rule_set_of(new).version == "2.0.0"
