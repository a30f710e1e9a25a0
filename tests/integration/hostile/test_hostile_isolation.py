"""Security annotation data (L2) is readable only by those granted its rule set, or by an
administrator or auditor; a global QA lead or supervisor does not see it."""

from __future__ import annotations

import pytest

from app.models import Annotation, Item
from app.services import batches, datasets
from app.services import users as user_service
from labeling_rules import SETS_DIR
from tests.factories import jsonl, login, make_active_version, make_user, quality_items

pytestmark = pytest.mark.integration


@pytest.fixture
def two_batches(session):
    """A functional batch and a security batch, each with a quarantined annotation."""
    datasets.register_dataset(session, name="func", modality="text", source_type="licensed")
    datasets.register_dataset(session, name="sec", modality="text", source_type="licensed")
    functional_version = make_active_version(session)
    security_version = make_active_version(session, SETS_DIR / "content-safety.en.yaml")
    functional = batches.import_batch(
        session,
        jsonl(quality_items(2)),
        source="f.jsonl",
        dataset_name="func",
        rule_set_key="response-quality",
        batch_name="functional-batch",
    )
    rows = [{"id": f"s{i}", "content": f"risky text {i}"} for i in range(2)]
    security = batches.import_batch(
        session,
        jsonl(rows),
        source="s.jsonl",
        dataset_name="sec",
        rule_set_key="content-safety",
        batch_name="security-batch",
    )
    session.flush()
    for n, (batch, version) in enumerate(
        ((functional, functional_version), (security, security_version))
    ):
        item = session.query(Item).filter_by(batch_id=batch.id).first()
        session.add(
            Annotation(
                ls_annotation_id=900 + n,
                ls_task_id=1,
                item_id=item.id,
                batch_id=batch.id,
                rule_version_id=version.id,
                result_raw=[],
                source="sync",
                quarantined=True,
                quarantine_reason=f"reason of {batch.name}",
            )
        )
    session.commit()
    return functional, security


def _people(session) -> dict[str, str]:
    make_user(session, email="lead@example.test", roles=("qa_lead",))
    make_user(session, email="supervisor@example.test", roles=("supervisor",))
    make_user(session, email="auditor@example.test", roles=("auditor",))
    make_user(session, email="admin@example.test", roles=("admin",))
    granted = make_user(session, email="seclead@example.test", roles=())
    user_service.grant_role(session, granted, "qa_lead", rule_set="content-safety")
    session.commit()
    return {
        "lead@example.test": "no",
        "supervisor@example.test": "no",
        "auditor@example.test": "yes",
        "admin@example.test": "yes",
        "seclead@example.test": "yes",
    }


@pytest.mark.parametrize(
    "email",
    [
        "lead@example.test",
        "supervisor@example.test",
        "auditor@example.test",
        "admin@example.test",
        "seclead@example.test",
    ],
)
def test_security_batches_open_only_to_those_granted_them(app, session, two_batches, email):
    functional, security = two_batches
    may = _people(session)[email] == "yes"
    client = app.test_client()
    assert login(client, email).status_code == 302

    for page in (
        "/batches/{}",
        "/batches/{}/verification",
        "/dashboard/batches/{}",
        "/batches/{}/verification/records.csv",
    ):
        secured = client.get(page.format(security.id)).status_code
        plain = client.get(page.format(functional.id)).status_code
        # Granted people get what they get for a functional batch; others are refused.
        assert secured == (plain if may else 403), f"{page}: {secured} vs {plain}"

    listing = client.get("/batches/").get_data(as_text=True)
    export = client.get("/batches/export.csv").get_data(as_text=True)
    assert ("security-batch" in listing) == may and ("security-batch" in export) == may
    if email != "auditor@example.test":  # the quarantine list is not an auditor's page
        quarantine = client.get("/quarantine/").get_data(as_text=True)
        assert ("reason of security-batch" in quarantine) == may
        assert "reason of functional-batch" in quarantine
    assert client.get(f"/batches/{functional.id}").status_code == 200
    assert "functional-batch" in listing and "functional-batch" in export
