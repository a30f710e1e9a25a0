"""The gateway contract: the same assertions against the in-memory fake and a real server.

If the fake passes where the real server fails (or the other way round), the fake has
drifted from Label Studio and the unit tests built on it no longer prove anything.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from app.integrations.label_studio_gateway import (
    ITEM_ID_FIELD,
    WEBHOOK_SECRET_HEADER,
    LabelStudioError,
    LabelStudioGateway,
    parse_webhook,
    tasks_to_import,
)
from tests.fakes.fake_label_studio import FakeLabelStudio

LABEL_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="verdict" toName="text">
    <Choice value="safe"/><Choice value="unsafe"/>
  </Choices>
</View>"""
ANNOTATORS = ("ann1", "ann2", "ann3")
PASSWORD = "annotator-pass-1"


@dataclass
class Backend:
    """A gateway plus the one thing only an operator of that backend can do."""

    name: str
    gateway: LabelStudioGateway
    disable_webhook: Callable[[int], None]


@pytest.fixture(params=["fake", pytest.param("real", marks=pytest.mark.integration)])
def backend(request: pytest.FixtureRequest) -> Backend:
    """Return the fake or a gateway to the session's real Label Studio."""
    if request.param == "fake":
        fake = FakeLabelStudio(deliver_http=True)
        return Backend("fake", fake, fake.disable_webhook)
    from app.integrations.label_studio import connect

    server = request.getfixturevalue("label_studio_server")

    def disable(webhook_id: int) -> None:
        """Switch the webhook off through the REST API, as an administrator could."""
        answer = httpx.patch(
            f"{server.url}/api/webhooks/{webhook_id}/",
            json={"is_active": False},
            headers={"Authorization": f"Token {server.token}"},
            timeout=30,
        )
        answer.raise_for_status()

    return Backend("real", connect(server.url, server.token), disable)


@pytest.fixture
def project(backend: Backend) -> Iterator[int]:
    """Create a project for one test and delete it afterwards."""
    project_id = backend.gateway.ensure_project(
        f"Contract {uuid.uuid4().hex[:8]}", LABEL_CONFIG, "<p>Label each text.</p>", 2
    )
    yield project_id
    backend.gateway.delete_project(project_id)


def make_tasks(count: int, start: int = 0) -> list[dict[str, str]]:
    """Return tasks with item ids."""
    return [{"text": f"text number {n}", ITEM_ID_FIELD: f"item-{n}"}
            for n in range(start, start + count)]


def verdict(choice: str) -> list[dict]:
    """Return an annotation result choosing ``choice``."""
    value = {"choices": [choice]}
    return [{"from_name": "verdict", "to_name": "text", "type": "choices", "value": value}]


def test_project_is_created_then_updated_in_place(backend: Backend, project: int) -> None:
    gateway = backend.gateway
    assert gateway.check().edition == gateway.edition() == "community"
    settings = gateway.project_settings(project)
    assert (settings.label_config, settings.max_annotations) == (LABEL_CONFIG, 2)

    same = gateway.ensure_project("Renamed project", LABEL_CONFIG, "<p>New</p>", 3, project)

    assert same == project
    settings = gateway.project_settings(project)
    assert (settings.title, settings.instructions_html) == ("Renamed project", "<p>New</p>")
    assert settings.max_annotations == 3


def test_invalid_or_missing_projects_are_reported(backend: Backend) -> None:
    with pytest.raises(LabelStudioError) as refused:
        backend.gateway.ensure_project("Broken", "<View><Text", "", 1)
    assert refused.value.status == 400
    with pytest.raises(LabelStudioError) as missing:
        backend.gateway.list_tasks(987654)
    assert missing.value.status == 404
    with pytest.raises(ValueError):
        backend.gateway.ensure_project("No annotations", LABEL_CONFIG, "", 0)


def test_push_resumes_by_item_id_without_duplicates(backend: Backend, project: int) -> None:
    gateway = backend.gateway
    gateway.import_tasks(project, make_tasks(20))
    listed = gateway.list_tasks(project)
    assert sorted(task.item_id for task in listed) == sorted(f"item-{n}" for n in range(20))

    missing = tasks_to_import(listed, make_tasks(22))  # two items are new
    assert [task[ITEM_ID_FIELD] for task in missing] == ["item-20", "item-21"]
    gateway.import_tasks(project, missing)
    gateway.import_tasks(project, tasks_to_import(gateway.list_tasks(project), make_tasks(22)))

    assert len(gateway.list_tasks(project)) == 22


def test_the_administrator_writes_as_each_annotator_and_exports_name_them(
    backend: Backend, project: int
) -> None:
    gateway = backend.gateway
    gateway.import_tasks(project, make_tasks(9))
    tasks = gateway.list_tasks(project)
    suffix = uuid.uuid4().hex[:8]
    emails = {key: f"{key}.{suffix}@labelgate.test" for key in ANNOTATORS}
    user_ids = {key: gateway.ensure_account(emails[key], key.title()) for key in ANNOTATORS}
    assert gateway.ensure_account(emails["ann1"].upper(), "Ann One") == user_ids["ann1"]
    assert gateway.find_user_by_email(emails["ann1"]).first_name == "Ann One"
    assert gateway.user_email(user_ids["ann2"]) == emails["ann2"]
    assert gateway.accounts_by_email()[emails["ann3"]] == user_ids["ann3"]

    since = datetime.now(UTC)
    made = {}
    for n, task in enumerate(tasks[:6]):
        key = ANNOTATORS[n % 3]
        stored = gateway.create_annotation(task.id, verdict("safe"), 4.5,
                                           completed_by=user_ids[key])
        assert (stored.completed_by_id, stored.task_id, stored.lead_time) == (
            user_ids[key], task.id, 4.5)
        made[stored.id] = key
        if n == 2:
            after_first = datetime.now(UTC)

    exported = gateway.export_annotations(project)
    assert {a.id: a.completed_by_id for a in exported} == {
        i: user_ids[key] for i, key in made.items()}
    by_task = {task.id: task for task in tasks}
    for annotation in exported:
        assert annotation.item_id == by_task[annotation.task_id].item_id
        assert (annotation.result, annotation.lead_time) == (verdict("safe"), 4.5)
        assert annotation.created_at >= since.replace(microsecond=0)
    later = gateway.export_annotations(project, updated_since=after_first)
    assert sorted(made[a.id] for a in later) == ["ann1", "ann2", "ann3"]
    assert gateway.export_annotations(project, updated_since=datetime.now(UTC)) == []
    just_two = gateway.export_annotations(project, None, [tasks[0].id, tasks[1].id])
    assert {a.task_id for a in just_two} == {tasks[0].id, tasks[1].id}


def test_an_update_keeps_the_author_and_a_skip_is_a_cancelled_annotation(
    backend: Backend, project: int
) -> None:
    gateway = backend.gateway
    gateway.import_tasks(project, make_tasks(2))
    first, second = gateway.list_tasks(project)
    author = gateway.ensure_account(f"upd.{uuid.uuid4().hex[:8]}@labelgate.test", "Upd")
    made = gateway.create_annotation(first.id, verdict("safe"), 3.0, completed_by=author)

    changed = gateway.update_annotation(made.id, verdict("unsafe"), 7.5)

    assert (changed.id, changed.completed_by_id) == (made.id, author)
    assert (changed.result, changed.lead_time) == (verdict("unsafe"), 7.5)
    assert changed.updated_at > made.updated_at
    skipped = gateway.create_annotation(second.id, [], 1.0, completed_by=author,
                                        was_cancelled=True)
    assert skipped.was_cancelled and skipped.result == []
    [exported] = gateway.export_annotations(project, None, [first.id])
    assert (exported.result, exported.completed_by_id) == (verdict("unsafe"), author)


def test_accounts_made_for_the_door_cannot_sign_in_and_can_be_taken_out(
    backend: Backend, project: int
) -> None:
    gateway = backend.gateway
    email = f"door.{uuid.uuid4().hex[:8]}@labelgate.test"
    account = gateway.ensure_account(email, "Door")
    for password in ("", PASSWORD, "x" * 12):
        with pytest.raises(LabelStudioError):
            gateway.user_token(email, password)
    gateway.deactivate_account(account)
    gateway.deactivate_account(account)  # idempotent
    gateway.import_tasks(project, make_tasks(1))
    [task] = gateway.list_tasks(project)
    # Past work stays attributed: writing as a removed account still names it.
    stored = gateway.create_annotation(task.id, verdict("safe"), 1.0, completed_by=account)
    assert stored.completed_by_id == account


def test_accounts_made_by_invitation_can_sign_in(backend: Backend) -> None:
    gateway = backend.gateway
    email = f"admin.{uuid.uuid4().hex[:8]}@labelgate.test"
    user_id = gateway.ensure_user(email, "Admin Two", PASSWORD)
    assert gateway.ensure_user(email.upper(), "Admin Two") == user_id
    with pytest.raises(LabelStudioError):
        gateway.user_token(email, "not-the-password")
    me = gateway.as_user(gateway.user_token(email, PASSWORD))
    assert me.check().edition == "community"
    me.close()


class Receiver:
    """A tiny webhook endpoint on 127.0.0.1 recording what it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], dict]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                """Record the call and answer 200 at once, as the workbench must."""
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                """Keep the test output quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/label-studio"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def wait_for(self, count: int, seconds: float = 15.0) -> list[tuple[dict[str, str], dict]]:
        """Wait until ``count`` calls arrived (or time runs out); return them all."""
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.received)

    def close(self) -> None:
        """Stop listening."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """Run a webhook receiver for one test."""
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


def test_webhook_delivers_annotations_with_the_secret(
    backend: Backend, project: int, receiver: Receiver
) -> None:
    gateway = backend.gateway
    gateway.import_tasks(project, make_tasks(3))
    gateway.ensure_webhook(project, receiver.url, "s3cret")
    assert gateway.webhook_status(project, receiver.url).active
    email = f"hooked.{uuid.uuid4().hex[:8]}@labelgate.test"
    author = gateway.ensure_account(email, "Hooked")
    task = gateway.list_tasks(project)[0]

    made = gateway.create_annotation(task.id, verdict("unsafe"), 2.0, completed_by=author)
    gateway.update_annotation(made.id, verdict("safe"), 3.0)

    [(headers, body), (_headers, updated)] = receiver.wait_for(2)
    assert {k.lower(): v for k, v in headers.items()}[WEBHOOK_SECRET_HEADER.lower()] == "s3cret"
    notice = parse_webhook(body)
    assert (notice.action, notice.project_id) == ("ANNOTATION_CREATED", project)
    assert (notice.annotation_ids, notice.task_ids) == ((made.id,), (task.id,))
    assert parse_webhook(updated).action == "ANNOTATION_UPDATED"


def test_disabled_webhook_is_noticed_and_reactivated(
    backend: Backend, project: int, receiver: Receiver
) -> None:
    gateway = backend.gateway
    assert gateway.webhook_status(project, receiver.url) is None
    hook_id = gateway.ensure_webhook(project, receiver.url, "first")
    backend.disable_webhook(hook_id)
    assert not gateway.webhook_status(project, receiver.url).active

    assert gateway.ensure_webhook(project, receiver.url, "second") == hook_id

    assert gateway.webhook_status(project, receiver.url).active
