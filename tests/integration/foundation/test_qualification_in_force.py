""""In force" is decided once (workflow.qualifications); its SQL twin on the model selects
exactly the qualifications the Python form accepts, case by case, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import select

from app.models import Qualification, RuleSetRecord, utcnow
from tests.factories import make_user
from workflow import QualificationStatus, in_force


def test_the_sql_form_of_in_force_agrees_with_the_definition(session):
    user = make_user(session, email="q@example.test")
    rule_set = RuleSetRecord(key="rs", kind="functional", language="en", title="RS")
    session.add(rule_set)
    session.flush()
    now = utcnow()
    days = [-30, -1, 0, 1, 30]
    rows = []
    for status, granted, until, ended in itertools.product(
            list(QualificationStatus), [-10, 0, 5], [-5, 2, 20], [None, -3, 3]):
        rows.append(Qualification(
            user_id=user.id, rule_set_id=rule_set.id, major_version=1, status=status,
            source="granted", granted_at=now + timedelta(days=granted),
            valid_until=now + timedelta(days=until),
            ended_at=None if ended is None else now + timedelta(days=ended)))
    session.add_all(rows)
    session.commit()
    sizes = []
    for day in days:
        at = now + timedelta(days=day)
        by_sql = set(session.scalars(select(Qualification.id).where(Qualification.in_force(at))))
        by_definition = {q.id for q in rows if in_force(
            status=q.status, granted_at=q.granted_at, valid_until=q.valid_until,
            ended_at=q.ended_at, at=at)}
        assert by_sql == by_definition, day
        assert {q.id for q in rows if q.in_force(at)} == by_definition
        sizes.append(len(by_definition))
    assert max(sizes) > 0 and min(sizes) < len(rows)  # the grid holds both answers
