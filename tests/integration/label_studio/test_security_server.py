"""Security data on a Label Studio server of its own (L2), beside the functional one.

Functional work stays on the default server; a security rule set's batches, review project
and practice set go to the security server; annotations made through the door are stored
there as the annotator; ids that repeat across the two servers never collide here.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from app.models import Annotation, Batch, LabelStudioAccount, PracticeAttempt
from app.services import assignment, batches, datasets, door, practice, push
from app.services.label_studio import gateway, gateway_for
from app.services.rule_versions import rule_set_of
from labeling_rules import SETS_DIR
from tests.factories import (
    jsonl,
    ls_result,
    make_active_version,
    make_qualified_annotators,
    quality_items,
)

pytestmark = pytest.mark.integration


def _titles(server) -> set[str]:
    answer = httpx.get(f"{server.url}/api/projects/", params={"page_size": 1000},
                       headers={"Authorization": f"Token {server.token}"}, timeout=30)
    answer.raise_for_status()
    return {p["title"] for p in answer.json()["results"]}


def test_security_work_lives_on_its_own_label_studio_server(
    app, session, live, label_studio_server, security_label_studio_server
):
    app.config.update(
        LABEL_STUDIO_URL=label_studio_server.url,
        LABEL_STUDIO_API_KEY=label_studio_server.token,
        LABEL_STUDIO_SECURITY_URL=security_label_studio_server.url,
        LABEL_STUDIO_SECURITY_API_KEY=security_label_studio_server.token,
    )
    datasets.register_dataset(session, name="mixed", modality="text", source_type="licensed")
    functional = make_active_version(session)
    security = make_active_version(session, SETS_DIR / "content-safety.en.yaml")
    tag = f"l2-{live.port}"
    annotators = make_qualified_annotators(session, functional, 1, prefix=f"{tag}-f")
    guards = make_qualified_annotators(session, security, 1, prefix=f"{tag}-s")
    with app.app_context():
        plain = batches.import_batch(session, jsonl(quality_items(3)), source="f.jsonl",
                                     dataset_name="mixed", rule_set_key="response-quality",
                                     batch_name=f"{tag}-functional")
        rows = [{"id": f"s-{i}", "prompt": f"Prompt {i}", "content": f"Content {i}"}
                for i in range(3)]
        risky = batches.import_batch(session, jsonl(rows), source="s.jsonl",
                                     dataset_name="mixed", rule_set_key="content-safety",
                                     batch_name=f"{tag}-security")
        session.commit()
        assert (plain.ls_server, risky.ls_server) == ("default", "security")
        for batch in (plain, risky):
            assignment.assign_batch(session, batch, seed=1)
            push.push_batch(session, gateway_for(batch), batch)
            session.commit()
        created = [(gateway_for(b), b.ls_project_id) for b in (plain, risky)]
        try:
            # Each batch's project lives on its own server only.
            assert any(t.startswith(f"{tag}-security") for t in
                       _titles(security_label_studio_server))
            assert not any(t.startswith(f"{tag}-security") for t in _titles(label_studio_server))
            assert not any(t.startswith(f"{tag}-functional") for t in
                           _titles(security_label_studio_server))
            # Work through the door lands on the right server, as the right person.
            for batch, person, version in ((plain, annotators[0], functional),
                                           (risky, guards[0], security)):
                rules = rule_set_of(version)
                for entry in door.queue(session, person, door.ANNOTATE, batch.id).entries:
                    unit = door.unit(session, person, door.ANNOTATE, batch.id, entry.key)
                    door.submit(session, gateway_for(unit), person, unit, ls_result(rules))
            stored = session.scalars(select(Annotation)).all()
            assert {(a.batch_id, a.ls_server) for a in stored} == {
                (plain.id, "default"), (risky.id, "security")}
            assert not any(a.quarantined for a in stored)
            security_ids = {a.ls_annotation_id for a in stored if a.ls_server == "security"}
            held = {a.id for a in gateway(server="security").export_annotations(
                risky.ls_project_id)}
            assert held == security_ids
            accounts = session.scalars(select(LabelStudioAccount).where(
                LabelStudioAccount.user_id == guards[0].id)).all()
            assert [a.ls_server for a in accounts] == ["security"]
            # The security rule set's practice set lives there too.
            attempt = practice.start_practice(
                session, gateway(server="security"), guards[0], security)
            session.commit()
            assert attempt.ls_server == "security"
            created.append((gateway(server="security"), attempt.ls_project_id))
            assert session.scalar(select(PracticeAttempt.ls_server)) == "security"
            assert session.get(Batch, risky.id).ls_server == "security"
        finally:
            for client, project_id in created:
                client.delete_project(project_id)
