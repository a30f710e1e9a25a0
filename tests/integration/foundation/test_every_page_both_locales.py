"""Every page renders in Simplified Chinese and in English (issue 11), for a user holding
every role, over the demo organisation's data."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.models import Batch, Dataset, RuleSetRecord, RuleVersion, User
from app.services import users as user_service
from tests.factories import login, make_user

HAN = re.compile(r"[\u4e00-\u9fff]")


def _ids(session) -> dict[str, object]:
    version = session.scalar(select(RuleVersion).where(RuleVersion.status == "active"))
    return {
        "user_id": session.scalar(select(User.id)),
        "batch_id": session.scalar(select(Batch.id)),
        "dataset_id": session.scalar(select(Dataset.id)),
        "key": session.scalar(select(RuleSetRecord.key).where(
            RuleSetRecord.id == version.rule_set_id)),
        "rule_set": session.scalar(select(RuleSetRecord.key).where(
            RuleSetRecord.id == version.rule_set_id)),
        "version": version.version,
        "module": "legal-awareness",
    }


@pytest.mark.parametrize("accept, lang", [("zh-CN,zh;q=0.9", "zh-CN"), ("en-US,en;q=0.9", "en")])
def test_every_get_page_renders_in_both_languages(app, session, accept, lang):
    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    make_user(session, email="all@example.test", roles=user_service.ROLES)
    client = app.test_client()
    assert login(client, "all@example.test").status_code == 302
    ids = _ids(session)
    rendered = 0
    problems = []
    with app.test_request_context():
        from flask import url_for

        urls = []
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            if rule.rule.startswith(("/api/", "/webhooks/")) or rule.endpoint.endswith(
                    ("export", "_csv", ".csv", "download", "status", ".pdf")):
                continue
            if not set(rule.arguments) <= set(ids):
                continue
            urls.append(url_for(rule.endpoint, **{a: ids[a] for a in rule.arguments}))
    for url in urls:
        response = client.get(url, headers={"Accept-Language": accept})
        body = response.get_data(as_text=True)
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
            continue
        if response.status_code == 200 and response.mimetype == "text/html":
            rendered += 1
            if f'<html lang="{lang}">' not in body:
                problems.append(f"{url}: not rendered in {lang}")
            if lang == "zh-CN" and not HAN.search(body):
                problems.append(f"{url}: no Chinese text")
            if "Traceback" in body:
                problems.append(f"{url}: shows a traceback")
    assert not problems, problems
    assert rendered >= 20
