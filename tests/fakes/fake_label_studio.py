"""An in-memory Label Studio that behaves like the real gateway, for unit tests of services.

It keeps what Label Studio 1.23.2 keeps (global ids, per-project tasks, invited users with
passwords and tokens, accounts without a password, organization membership, webhooks with
an active flag, annotations by user, written by an administrator on a user's behalf) and
refuses what it refuses (short passwords, unknown ids, a non-administrator naming another
author). The contract tests run the same assertions against it and a real server.
"""

from __future__ import annotations

import json
import secrets
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from typing import Any

from app.integrations.label_studio_gateway import (
    WEBHOOK_ACTIONS,
    WEBHOOK_SECRET_HEADER,
    Edition,
    LabelStudioError,
    LSAnnotation,
    LSTask,
    LSUser,
    LSWebhook,
    ProjectSettings,
    ServerInfo,
    annotation_from_payload,
)

FAKE_URL = "http://127.0.0.1:8080"
ADMIN_ID = 1  # the first account, made with the fake, is its administrator


@dataclass
class _Account:
    user: LSUser
    password: str | None  # None: made through the users API, cannot sign in
    token: str
    member: bool = True


@dataclass
class _Project:
    id: int
    settings: dict[str, Any]
    task_ids: list[int] = field(default_factory=list)


@dataclass
class _Task:
    id: int
    project_id: int
    data: dict[str, Any]
    updated_at: datetime


@dataclass
class _Webhook:
    id: int
    project_id: int
    url: str
    headers: dict[str, str]
    active: bool = True


@dataclass
class Delivery:
    """One webhook call the fake made (or tried to make)."""

    url: str
    headers: dict[str, str]
    body: dict[str, Any]
    delivered: bool


@dataclass
class _State:
    """Everything one fake server holds, shared by the gateways of all its users."""

    edition: Edition
    clock: Callable[[], datetime]
    deliver_http: bool
    ids: dict[str, count] = field(default_factory=dict)
    accounts: dict[int, _Account] = field(default_factory=dict)
    projects: dict[int, _Project] = field(default_factory=dict)
    tasks: dict[int, _Task] = field(default_factory=dict)
    webhooks: dict[int, _Webhook] = field(default_factory=dict)
    annotations: dict[int, dict[str, Any]] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)

    def next_id(self, kind: str) -> int:
        """Return the next id of ``kind``, counting from 1 as the database does."""
        return next(self.ids.setdefault(kind, count(1)))


class FakeLabelStudio:
    """LabelStudioGateway kept in memory; ``as_user`` gives gateways sharing one state."""

    def __init__(
        self,
        *,
        admin_email: str = "admin@example.com",
        admin_password: str = "admin-password",
        edition: Edition = "community",
        deliver_http: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        base_url: str = FAKE_URL,
        _state: _State | None = None,
        _user_id: int | None = None,
    ) -> None:
        self.base_url = base_url
        if _state is None:
            _state = _State(edition=edition, clock=clock, deliver_http=deliver_http)
            _user_id = self._add_account(_state, admin_email, "", admin_password).user.id
        self.state = _state
        self._user_id = _user_id

    @staticmethod
    def _add_account(state: _State, email: str, first_name: str,
                     password: str | None) -> _Account:
        if password is not None and not 8 <= len(password) <= 128:
            raise LabelStudioError(
                f"create user {email}", "Please enter a password 8–128 characters in length."
            )
        user = LSUser(state.next_id("user"), email.strip().lower(), first_name)
        account = _Account(user, password, secrets.token_hex(20))
        state.accounts[user.id] = account
        return account

    @property
    def admin_token(self) -> str:
        """Return the API token of the user this gateway acts as."""
        return self.state.accounts[self._acting_user()].token

    @property
    def deliveries(self) -> list[Delivery]:
        """Return every webhook call made so far, oldest first."""
        return self.state.deliveries

    def _acting_user(self) -> int:
        if self._user_id not in self.state.accounts:
            raise LabelStudioError("authenticate", "Invalid token.", 401)
        return self._user_id

    def check(self) -> ServerInfo:
        """Return the fake's version and edition."""
        return ServerInfo(version="1.23.2", edition=self.state.edition)

    def edition(self) -> Edition:
        """Return "community" or "enterprise" as configured."""
        return self.state.edition

    def ensure_project(
        self,
        title: str,
        label_config: str,
        instructions_html: str,
        max_annotations: int,
        existing_id: int | None = None,
    ) -> int:
        """Create the project, or update ``existing_id`` to these settings; return its id."""
        if max_annotations < 1:
            raise ValueError("A project needs at least one annotation per task.")
        operation = f"create project {title!r}" if existing_id is None else "update project"
        _validate_project(operation, title, label_config)
        settings = {
            "title": title,
            "label_config": label_config,
            "expert_instruction": instructions_html,
            "maximum_annotations": max_annotations,
        }
        if existing_id is None:
            project = _Project(self.state.next_id("project"), settings)
            self.state.projects[project.id] = project
            return project.id
        self._project(existing_id, f"update project {existing_id}").settings = settings
        return existing_id

    def project_settings(self, project_id: int) -> ProjectSettings:
        """Return the settings a project has now."""
        settings = self._project(project_id, f"read project {project_id}").settings
        return ProjectSettings(
            title=settings["title"],
            label_config=settings["label_config"],
            instructions_html=settings["expert_instruction"],
            max_annotations=settings["maximum_annotations"],
        )

    def _project(self, project_id: int, operation: str) -> _Project:
        self._acting_user()
        if project_id not in self.state.projects:
            raise LabelStudioError(operation, "No Project matches the given query.", 404)
        return self.state.projects[project_id]

    def delete_project(self, project_id: int) -> None:
        """Delete a project with its tasks, views, webhooks and annotations."""
        project = self._project(project_id, f"delete project {project_id}")
        for task_id in project.task_ids:
            del self.state.tasks[task_id]
        state = self.state
        state.annotations = {
            key: value for key, value in state.annotations.items() if value["project"] != project_id
        }
        state.webhooks = {
            key: value for key, value in state.webhooks.items() if value.project_id != project_id
        }
        del state.projects[project_id]

    def import_tasks(self, project_id: int, tasks: Sequence[Mapping[str, Any]]) -> list[int]:
        """Add tasks (each a mapping of data fields) to a project; return their ids."""
        project = self._project(project_id, f"import tasks into project {project_id}")
        ids = []
        for data in tasks:
            task = _Task(self.state.next_id("task"), project_id, dict(data), self.state.clock())
            self.state.tasks[task.id] = task
            project.task_ids.append(task.id)
            ids.append(task.id)
        return ids

    def list_tasks(self, project_id: int) -> list[LSTask]:
        """Return every task of a project."""
        project = self._project(project_id, f"list the tasks of project {project_id}")
        return [LSTask(task_id, dict(self.state.tasks[task_id].data))
                for task_id in project.task_ids]

    def find_user_by_email(self, email: str) -> LSUser | None:
        """Return the account with this e-mail address (case-insensitive), or None."""
        self._acting_user()
        wanted = email.strip().lower()
        for account in self.state.accounts.values():
            if account.user.email == wanted:
                return account.user
        return None

    def ensure_user(self, email: str, first_name: str, password: str | None = None) -> int:
        """Return the id of the account for ``email``, creating it as an invite would."""
        user = self.find_user_by_email(email)
        if user is None:
            account = self._add_account(
                self.state, email, first_name, password or secrets.token_urlsafe(24)
            )
            return account.user.id
        account = self.state.accounts[user.id]
        account.user = LSUser(user.id, user.email, first_name)
        return user.id

    def ensure_account(self, email: str, first_name: str) -> int:
        """Return the id of the account for ``email``, creating one with no password."""
        user = self.find_user_by_email(email)
        if user is None:
            return self._add_account(self.state, email, first_name, None).user.id
        account = self.state.accounts[user.id]
        account.user = LSUser(user.id, user.email, first_name)
        return user.id

    def deactivate_account(self, user_id: int) -> None:
        """Take the account out of the organization (idempotent)."""
        self._acting_user()
        if user_id in self.state.accounts:
            self.state.accounts[user_id].member = False

    def accounts_by_email(self) -> dict[str, int]:
        """Return every account's id by its (lower-case) e-mail address."""
        self._acting_user()
        return {a.user.email: uid for uid, a in self.state.accounts.items()}

    def user_email(self, user_id: int) -> str | None:
        """Return the e-mail address of the account ``user_id``, or None."""
        account = self.state.accounts.get(user_id)
        return account.user.email if account else None

    def user_token(self, email: str, password: str) -> str:
        """Return the user's API token if the password matches, as a log-in would."""
        for account in self.state.accounts.values():
            if (account.user.email == email.strip().lower() and account.member
                    and account.password is not None and account.password == password):
                return account.token
        raise LabelStudioError(
            f"log in as {email}", "The email and password you entered don't match."
        )

    def as_user(self, api_token: str) -> FakeLabelStudio:
        """Return a gateway acting as the owner of ``api_token`` (401 on use if unknown)."""
        owner = next(
            (uid for uid, acc in self.state.accounts.items() if acc.token == api_token), -1
        )
        return FakeLabelStudio(base_url=self.base_url, _state=self.state, _user_id=owner)

    def close(self) -> None:
        """Do nothing: the fake holds no connections."""

    def ensure_webhook(self, project_id: int, url: str, secret: str) -> int:
        """Register (or update and re-activate) the project's webhook to ``url``."""
        self._project(project_id, f"register the webhook of project {project_id}")
        headers = {WEBHOOK_SECRET_HEADER: secret}
        for hook in self.state.webhooks.values():
            if hook.project_id == project_id and hook.url == url:
                hook.headers, hook.active = headers, True
                return hook.id
        hook = _Webhook(self.state.next_id("webhook"), project_id, url, headers)
        self.state.webhooks[hook.id] = hook
        return hook.id

    def webhook_status(self, project_id: int, url: str) -> LSWebhook | None:
        """Return the project's webhook to ``url``, or None when none is registered."""
        for hook in self.state.webhooks.values():
            if hook.project_id == project_id and hook.url == url:
                return LSWebhook(hook.id, project_id, url, hook.active)
        return None

    def disable_webhook(self, webhook_id: int) -> None:
        """Switch a webhook off, as an administrator in Label Studio's settings can."""
        self.state.webhooks[webhook_id].active = False

    def export_annotations(
        self,
        project_id: int,
        updated_since: datetime | None = None,
        task_ids: Sequence[int] | None = None,
    ) -> list[LSAnnotation]:
        """Return a project's annotations: all, those of tasks changed after
        ``updated_since``, or those of the tasks ``task_ids``."""
        project = self._project(project_id, f"export the annotations of project {project_id}")
        if updated_since is not None and updated_since.tzinfo is None:
            raise ValueError("Give updated_since with a time zone, e.g. datetime.now(UTC).")
        wanted = None if task_ids is None else set(task_ids)
        exported = []
        for task_id in project.task_ids:
            if wanted is not None and task_id not in wanted:
                continue
            task = self.state.tasks[task_id]
            if updated_since is not None and task.updated_at <= updated_since:
                continue
            for annotation in self.state.annotations.values():
                if annotation["task"] == task_id:
                    exported.append(annotation_from_payload(annotation, task.data))
        return exported

    def create_annotation(
        self,
        task_id: int,
        result: list[dict[str, Any]],
        lead_time: float,
        *,
        completed_by: int | None = None,
        was_cancelled: bool = False,
    ) -> LSAnnotation:
        """Store an annotation (as ``completed_by`` when the administrator says so), send
        the project's webhooks, and return it as stored."""
        author = self._acting_user()
        if completed_by is not None and completed_by != author:
            if author != ADMIN_ID:
                raise LabelStudioError(f"annotate task {task_id}",
                                       "Only an administrator writes as someone else.", 403)
            if completed_by not in self.state.accounts:
                raise LabelStudioError(f"annotate task {task_id}", "Unknown user.", 400)
            author = completed_by
        task = self.state.tasks.get(task_id)
        if task is None:
            raise LabelStudioError(f"annotate task {task_id}", "Not found.", 404)
        now = self.state.clock()
        annotation = {
            "id": self.state.next_id("annotation"),
            "task": task_id,
            "project": task.project_id,
            "completed_by": author,
            "result": [dict(region) for region in result],
            "lead_time": lead_time,
            "was_cancelled": was_cancelled,
            "created_at": _iso(now),
            "updated_at": _iso(now),
        }
        self.state.annotations[annotation["id"]] = annotation
        task.updated_at = now
        self._emit("ANNOTATION_CREATED", task, annotation)
        return annotation_from_payload(annotation, None)

    def update_annotation(
        self,
        annotation_id: int,
        result: list[dict[str, Any]],
        lead_time: float,
        *,
        was_cancelled: bool = False,
    ) -> LSAnnotation:
        """Replace an annotation's result (its author stays); return it as stored."""
        self._acting_user()
        annotation = self.state.annotations.get(annotation_id)
        if annotation is None:
            raise LabelStudioError(f"update annotation {annotation_id}", "Not found.", 404)
        now = self.state.clock()
        annotation.update(result=[dict(r) for r in result], lead_time=lead_time,
                          was_cancelled=was_cancelled, updated_at=_iso(now))
        task = self.state.tasks[annotation["task"]]
        task.updated_at = now
        self._emit("ANNOTATION_UPDATED", task, annotation)
        return annotation_from_payload(annotation, None)

    def delete_annotation(self, annotation_id: int) -> None:
        """Delete an annotation, as an administrator can in Label Studio, and notify."""
        annotation = self.state.annotations.pop(annotation_id)
        project = self.state.projects[annotation["project"]]
        body = {"action": "ANNOTATIONS_DELETED", "annotations": [{"id": annotation_id}],
                "project": {"id": project.id, "title": project.settings["title"]}}
        self._send("ANNOTATIONS_DELETED", project.id, body)

    def _emit(self, action: str, task: _Task, annotation: dict[str, Any]) -> None:
        """Send ``action`` to the active webhooks of the task's project, never retrying."""
        project = self.state.projects[task.project_id]
        body = {
            "action": action,
            "annotation": dict(annotation),
            "task": {"id": task.id, "data": dict(task.data), "project": task.project_id},
            "project": {"id": project.id, "title": project.settings["title"]},
        }
        self._send(action, task.project_id, body)

    def _send(self, action: str, project_id: int, body: dict[str, Any]) -> None:
        for hook in self.state.webhooks.values():
            if hook.project_id == project_id and hook.active and action in WEBHOOK_ACTIONS:
                delivered = (
                    _post(hook.url, hook.headers, body) if self.state.deliver_http else False
                )
                self.state.deliveries.append(
                    Delivery(hook.url, dict(hook.headers), body, delivered)
                )


def _validate_project(operation: str, title: str, label_config: str) -> None:
    """Refuse what Label Studio's project serializer refuses."""
    problems = {}
    if len(title) < 3:
        problems["title"] = ["Ensure this field has at least 3 characters."]
    try:
        ElementTree.fromstring(label_config)
    except ElementTree.ParseError as error:
        problems["label_config"] = [str(error)]
    if problems:
        raise LabelStudioError(operation, f"Validation error {problems}", 400)


def _iso(moment: datetime) -> str:
    """Return ``moment`` as Label Studio writes times (UTC, microseconds, ``Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _post(url: str, headers: Mapping[str, str], body: Mapping[str, Any]) -> bool:
    """POST ``body`` as JSON; return whether a 2xx came back (failures are only logged)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return 200 <= response.status < 300
    except OSError:
        return False
