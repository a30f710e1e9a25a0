"""The practice set is labeled in a real Label Studio and scored against gold (issue 6)."""

from __future__ import annotations

import pytest

from app.services import practice
from tests.factories import ls_result, make_active_version, make_user

pytestmark = pytest.mark.integration
PASSWORD = "trainee-pass-1234"


def test_practice_answers_given_in_label_studio_are_scored(app, session, label_studio_gateway):
    gateway = label_studio_gateway
    version = make_active_version(session)
    user = make_user(session, email=f"trainee{version.id}-{id(session)}@example.test",
                     roles=("annotator",))
    gateway.ensure_user(user.email, user.display_name, password=PASSWORD)
    with app.app_context():
        attempt = practice.start_practice(session, gateway, user, version)
        session.commit()
        try:
            rules, items = practice._items(version)
            gold = {item.key: item.gold for item in items}
            me = gateway.as_user(gateway.user_token(user.email, PASSWORD))
            tasks = gateway.list_tasks(attempt.ls_project_id)
            assert len(tasks) == len(items) >= 20
            for n, task in enumerate(tasks):
                answer = dict(gold[task.data["lg_practice_key"]])
                if n < 2:  # two deliberate mistakes
                    answer["overall"] = 1 if answer.get("overall") != 1 else 5
                me.create_annotation(task.id, ls_result(rules, answer), lead_time=15.0)
            practice.score_attempt(session, gateway, user, attempt)
            session.commit()
        finally:
            gateway.delete_project(attempt.ls_project_id)
    assert attempt.n == len(items) and attempt.correct == len(items) - 2
    assert attempt.ci_low < attempt.accuracy < attempt.ci_high
    assert attempt.passed == (attempt.accuracy >= rules.quality.target_accuracy)
    assert attempt.answers["raw"]  # every answer kept as Label Studio gave it
