"""The practice set is labeled through the door into a real Label Studio, and scored against
gold (issue 6); the trainee's answers are stored there as the trainee."""

from __future__ import annotations

import pytest

from app.services import door, practice
from tests.factories import ls_result, make_active_version, make_user

pytestmark = pytest.mark.integration


def test_practice_answers_given_through_the_door_are_scored(app, session, label_studio_gateway):
    gateway = label_studio_gateway
    version = make_active_version(session)
    user = make_user(session, email=f"trainee{version.id}-{id(session)}@example.test",
                     roles=("annotator",))
    with app.app_context():
        attempt = practice.start_practice(session, gateway, user, version)
        session.commit()
        try:
            rules, items = practice._items(version)
            gold = {item.key: item.gold for item in items}
            queue = door.queue(session, user, door.PRACTICE, attempt.id)
            assert len(queue.entries) == len(items) >= 20
            for n, entry in enumerate(queue.entries):
                answer = dict(gold[entry.key.split(":", 2)[2]])
                if n < 2:  # two deliberate mistakes
                    answer["overall"] = 1 if answer.get("overall") != 1 else 5
                unit = door.unit(session, user, door.PRACTICE, attempt.id, entry.key)
                door.open_unit(session, user, unit)
                door.submit(session, gateway, user, unit, ls_result(rules, answer))
            author = gateway.find_user_by_email(user.email).id
            exported = gateway.export_annotations(attempt.ls_project_id)
            assert {a.completed_by_id for a in exported} == {author}  # as the trainee
            practice.score_attempt(session, gateway, user, attempt)
            session.commit()
        finally:
            gateway.delete_project(attempt.ls_project_id)
    assert attempt.n == len(items) and attempt.correct == len(items) - 2
    assert attempt.ci_low < attempt.accuracy < attempt.ci_high
    assert attempt.passed == (attempt.accuracy >= rules.quality.target_accuracy)
    assert attempt.answers["raw"]  # every answer kept as Label Studio gave it
