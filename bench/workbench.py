"""Workbench data for the benchmarks, made through the services (rules, users, batches)."""

from __future__ import annotations

import json
import secrets

from flask import Flask
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app import create_app
from app.models import Assignment, Batch, Item, LabelStudioAccount, RuleVersion, User
from app.services import batches, datasets, qualifications, users
from app.services.actor import Actor, acting_as
from app.services.rule_versions import rule_set_of
from labeling_rules import SETS_DIR

RULE_SET = "response-quality"
PASSWORD = "bench-password-123456"


def bench_app(database_url: str, **config) -> Flask:
    """Return the workbench app on `database_url` (CSRF off for scripted form posts)."""
    return create_app(
        {
            "DATABASE_URL": database_url,
            "WTF_CSRF_ENABLED": False,
            "BABEL_DEFAULT_LOCALE": "en",
            **config,
        }
    )


def active_rules(session: Session) -> RuleVersion:
    """Publish, approve and activate the shipped response-quality rules; return the version."""
    from app.services.rules import lifecycle, publishing

    author = users.create_user(session, "author@bench.test", "Author", PASSWORD, ["rule_author"])
    lead = users.create_user(session, "lead@bench.test", "Lead", PASSWORD, ["qa_lead", "admin"])
    datasets.register_dataset(
        session, name="bench", modality="text", source_type="licensed", licence="CC-BY-4.0"
    )
    session.flush()
    with acting_as(Actor.system("bench")):
        version = publishing.publish(
            session, SETS_DIR / f"{RULE_SET}.en.yaml", author=author
        ).version
        lifecycle.approve(session, version, lead)
        lifecycle.activate(session, version, lead)
    session.commit()
    return version


def item_rows(n: int, *, start: int = 0) -> list[dict]:
    """Return `n` instruction–response rows."""
    return [
        {
            "id": f"b-{i}",
            "instruction": f"Summarise item {i} in one sentence.",
            "response": f"Item {i} is about the number {i} and its neighbours.",
        }
        for i in range(start, start + n)
    ]


def import_items(session: Session, n: int, name: str) -> Batch:
    """Import a batch of `n` items through the import service."""
    raw = "".join(json.dumps(r) + "\n" for r in item_rows(n)).encode()
    with acting_as(Actor.system("bench")):
        batch = batches.import_batch(
            session,
            raw,
            source=f"{name}.jsonl",
            dataset_name="bench",
            rule_set_key=RULE_SET,
            batch_name=name,
        )
    session.commit()
    return batch


def annotator_for_label_studio(
    session: Session, version: RuleVersion, ls_user_id: int, email: str, batch: Batch
):
    """Give every item to the qualified annotator linked to Label Studio user `ls_user_id`
    (made on first use: one Label Studio account belongs to one person)."""
    account = session.scalar(select(LabelStudioAccount).where(
        LabelStudioAccount.ls_server == batch.ls_server,
        LabelStudioAccount.ls_user_id == ls_user_id))
    if account is not None:
        user = session.get(User, account.user_id)
    else:
        user = users.create_user(
            session,
            f"annotator-{secrets.token_hex(3)}@bench.test",
            "Bench annotator",
            PASSWORD,
            ["annotator"],
        )
        session.flush()
        qualifications.grant(session, user, version.rule_set, version.major)
        session.add(LabelStudioAccount(user_id=user.id, ls_user_id=ls_user_id, email=email,
                                       ls_server=batch.ls_server))
    item_ids = session.scalars(select(Item.id).where(Item.batch_id == batch.id)).all()
    session.execute(
        insert(Assignment),
        [
            {
                "item_id": i,
                "batch_id": batch.id,
                "user_id": user.id,
                "role": "annotator",
                "rule_version_id": version.id,
            }
            for i in item_ids
        ],
    )
    session.commit()
    return user


def record_task_ids(session: Session, batch: Batch, ids_by_item: dict[int, int]) -> None:
    """Store the Label Studio task id of each item (bulk update by primary key)."""
    session.execute(
        update(Item),
        [{"id": item_id, "ls_task_id": task_id} for item_id, task_id in ids_by_item.items()],
    )
    session.commit()


def ls_result(version: RuleVersion, overall: int = 4) -> list[dict]:
    """Return a Label Studio result answering every required control of the rules."""
    result = []
    for control in rule_set_of(version).controls:
        if not control.required and control.name != "overall":
            continue
        value = (
            overall
            if control.name == "overall"
            else (control.labels[0].value if control.labels else "")
        )
        if control.type == "rating":
            payload, kind = {"rating": value}, "rating"
        elif control.type == "text_correction":
            payload, kind = {"text": [value]}, "textarea"
        else:
            payload, kind = {"choices": [value]}, "choices"
        result.append(
            {
                "from_name": control.name,
                "to_name": control.applies_to,
                "type": kind,
                "value": payload,
            }
        )
    return result
