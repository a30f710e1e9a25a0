"""The audit trail is append-only and hash-chained; tampering is named (L1)."""

from __future__ import annotations

from sqlalchemy import text

from app.services import audit
from app.services import datasets as dataset_service
from tests.factories import make_user


def _seed_events(session, n: int = 6) -> None:
    for i in range(n):
        dataset_service.register_dataset(session, name=f"ds{i}", modality="text",
                                         source_type="licensed", licence="CC-BY-4.0")
    session.commit()


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_chain_verifies_when_untouched(app, session):
    _seed_events(session)
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "intact: 6 events" in result.output


def test_editing_a_row_in_sql_is_named(app, session):
    _seed_events(session)
    target = session.execute(text("SELECT id, seq FROM audit_events WHERE seq = 3")).one()
    session.execute(text("UPDATE audit_events SET actor = 'someone-else' WHERE id = :id"),
                    {"id": target.id})
    session.commit()
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 1
    assert f"event id {target.id} (seq 3) was altered" in result.output


def test_deleting_a_row_in_sql_is_named(app, session):
    _seed_events(session)
    session.execute(text("DELETE FROM audit_events WHERE seq = 4"))
    session.commit()
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 1
    assert "event seq 4 is missing (removed)" in result.output


def test_deleting_the_newest_row_is_named(app, session):
    _seed_events(session)
    session.execute(text("DELETE FROM audit_events WHERE seq = 6"))
    session.commit()
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 1
    assert "newest events were removed" in result.output


def test_inserting_a_forged_row_is_named(app, session):
    _seed_events(session, 3)
    row = session.execute(text("SELECT * FROM audit_events WHERE seq = 3")).mappings().one()
    session.execute(text("UPDATE audit_events SET seq = 5 WHERE seq = 3"))
    forged = dict(row)
    forged.pop("id")
    forged["seq"] = 3
    forged["action"] = "forged.action"
    cols = ", ".join(forged)
    session.execute(text(f"INSERT INTO audit_events ({cols}) VALUES "
                         f"({', '.join(':' + c for c in forged)})"),
                    {k: (v if not isinstance(v, dict) else __import__('json').dumps(v))
                     for k, v in forged.items()})
    session.commit()
    report = audit.verify_chain(session)
    assert not report.ok and report.seq == 3


def test_every_event_records_actor_and_request(client, session):
    make_user(session, email="admin@example.test", roles=("admin",))
    client.post("/login", data={"email": "admin@example.test",
                                "password": "correct horse battery staple"})
    client.post("/admin/users/new", data={"email": "new@example.test", "display_name": "New",
                                          "password": "another long password",
                                          "roles": ["annotator"]},
                headers={"X-Request-Id": "req-123"})
    event = session.execute(text(
        "SELECT actor, request_id, client_address FROM audit_events "
        "WHERE action = 'user.create' ORDER BY seq DESC LIMIT 1")).one()
    assert event.actor == "user:admin@example.test"
    assert event.request_id == "req-123"
    assert event.client_address == "127.0.0.1"
