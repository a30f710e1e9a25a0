"""The Label Studio gateway backed by label_studio_sdk: the only module that imports the SDK.

Build it once with ``connect(base_url, api_token)``; every SDK or HTTP failure leaves this
module as a ``LabelStudioError`` saying what failed and the HTTP status.
"""

from __future__ import annotations

import html
import json
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

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

DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 2
IMPORT_CHUNK = 10_000  # about 2 MB of JSON; Label Studio accepts 250,000 tasks per request
PAGE_SIZE = 500
# Creating things must not be repeated after a server error: a retry could duplicate them.
NO_RETRY: dict[str, Any] = {"max_retries": 0}
# A whole project's export takes about 5 ms per annotated task on Label Studio 1.23.
EXPORT_OPTIONS: dict[str, Any] = {"timeout_in_seconds": 3600}
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_ERRORS = re.compile(r'<li>([^<]+)</li>|<p class="error">\s*([^<]+?)\s*</p>')


def connect(
    base_url: str,
    api_token: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
) -> LabelStudioSdkGateway:
    """Return a gateway to the server at ``base_url`` acting with ``api_token``."""
    if not base_url.startswith(("http://", "https://")):
        raise ValueError(f"Label Studio URL {base_url!r} must start with http:// or https://.")
    if not api_token:
        raise ValueError("A Label Studio API token is needed; set the admin's token.")
    return LabelStudioSdkGateway(base_url.rstrip("/"), api_token, timeout, retries)


@contextmanager
def failures_as(operation: str) -> Iterator[None]:
    """Turn SDK and HTTP failures inside the block into LabelStudioError for ``operation``."""
    try:
        yield
    except ApiError as error:
        raise LabelStudioError(operation, error_detail(error.body), error.status_code) from error
    except httpx.HTTPStatusError as error:
        status = error.response.status_code
        raise LabelStudioError(operation, error_detail(error.response.text), status) from error
    except httpx.HTTPError as error:
        raise LabelStudioError(operation, f"{type(error).__name__}: {error}") from error


def error_detail(body: Any) -> str:
    """Return the readable part of an error body Label Studio sent."""
    if isinstance(body, Mapping):
        parts = [
            str(body[key]) for key in ("detail", "validation_errors", "message") if body.get(key)
        ]
        if parts:
            return " ".join(parts)[:500]
    text = str(body or "no detail given").strip()
    return text[:300]


class LabelStudioSdkGateway:
    """LabelStudioGateway over Label Studio's REST API through label_studio_sdk."""

    def __init__(self, base_url: str, api_token: str, timeout: float, retries: int) -> None:
        self.base_url = base_url
        self._token = api_token
        self._timeout = timeout
        self._retries = retries
        # No kept-alive connections: a gateway dropped without close() leaves no open socket.
        self._http = httpx.Client(timeout=timeout, limits=httpx.Limits(max_keepalive_connections=0))
        self._sdk = LabelStudio(
            base_url=base_url,
            api_key=api_token,
            timeout=timeout,
            max_retries=retries,
            httpx_client=self._http,
        )
        self._edition: Edition | None = None

    def close(self) -> None:
        """Release the gateway's HTTP connections."""
        self._http.close()

    def __enter__(self) -> LabelStudioSdkGateway:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def check(self) -> ServerInfo:
        """Return the server's version and edition; raise LabelStudioError if unreachable."""
        with failures_as("report its version"):
            version = self._sdk.versions.get()
        edition: Edition = "enterprise" if version.edition == "Enterprise" else "community"
        self._edition = edition
        return ServerInfo(version=str(version.release or ""), edition=edition)

    def edition(self) -> Edition:
        """Return "community" or "enterprise" (asked once, then remembered)."""
        return self._edition or self.check().edition

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
        settings = {
            "title": title,
            "label_config": label_config,
            "expert_instruction": instructions_html,
            # People read the instructions beside the editor in the door; in Label Studio
            # itself (administrators) the pop-up would cover the editor at every task.
            "show_instruction": False,
        }
        if existing_id is None:
            with failures_as(f"create project {title!r}"):
                project = self._sdk.projects.create(**settings, request_options=NO_RETRY)
            existing_id = int(project.id)
        # maximum_annotations given at creation is ignored (SDK issue #339): set it again.
        with failures_as(f"update project {existing_id}"):
            self._sdk.projects.update(
                id=existing_id, **settings, maximum_annotations=max_annotations
            )
        return existing_id

    def project_settings(self, project_id: int) -> ProjectSettings:
        """Return the settings a project has now (to notice edits made in Label Studio)."""
        with failures_as(f"read project {project_id}"):
            project = self._sdk.projects.get(id=project_id)
        return ProjectSettings(
            title=project.title or "",
            label_config=project.label_config or "",
            instructions_html=project.expert_instruction or "",
            max_annotations=int(project.maximum_annotations or 1),
        )

    def delete_project(self, project_id: int) -> None:
        """Delete a project with its tasks and annotations."""
        with failures_as(f"delete project {project_id}"):
            self._sdk.projects.delete(id=project_id)

    def import_tasks(self, project_id: int, tasks: Sequence[Mapping[str, Any]]) -> list[int]:
        """Add tasks (each a mapping of data fields) in chunks of 10,000; return their ids.

        Posted as plain JSON rather than through the SDK's models, whose encoding of
        10,000 tasks costs more than Label Studio's import of them.
        """
        ids: list[int] = []
        for start in range(0, len(tasks), IMPORT_CHUNK):
            chunk = [{"data": dict(task)} for task in tasks[start : start + IMPORT_CHUNK]]
            operation = f"import {len(chunk)} tasks into project {project_id}"
            with failures_as(operation):
                answer = self._http.post(
                    f"{self.base_url}/api/projects/{project_id}/import",
                    params={"return_task_ids": "true"},
                    content=json.dumps(chunk, ensure_ascii=False).encode("utf-8"),
                    headers={"Authorization": f"Token {self._token}",
                             "Content-Type": "application/json"},
                    timeout=EXPORT_OPTIONS["timeout_in_seconds"],
                )
                answer.raise_for_status()
                created = [int(i) for i in answer.json().get("task_ids") or []]
            if len(created) != len(chunk):
                raise LabelStudioError(operation, f"the server reported {len(created)} new ids")
            ids.extend(created)
        return ids

    def list_tasks(self, project_id: int) -> list[LSTask]:
        """Return every task of a project."""
        with failures_as(f"list the tasks of project {project_id}"):
            # Only id and data: the full task (annotations, counters) is 4-7 times slower.
            pages = self._sdk.tasks.list(project=project_id, page_size=PAGE_SIZE,
                                         include="id,data")
            return [LSTask(id=int(task.id), data=dict(task.data or {})) for task in pages]

    def find_user_by_email(self, email: str) -> LSUser | None:
        """Return the account with this e-mail address (case-insensitive), or None."""
        wanted = email.strip().lower()
        with failures_as("list users"):
            for user in self._sdk.users.list():
                if (user.email or "").lower() == wanted:
                    return LSUser(int(user.id), user.email or "", user.first_name or "")
        return None

    def ensure_user(self, email: str, first_name: str, password: str | None = None) -> int:
        """Return the id of the account for ``email``, creating one through an invite.

        Accounts made with the users API cannot log in on Community edition; an invited
        sign-up joins the organization. Without ``password`` a random one is set, so the
        account exists for attribution but its owner cannot log in with a known password.
        """
        user = self.find_user_by_email(email)
        if user is None:
            self._sign_up_by_invite(email.strip().lower(), password or secrets.token_urlsafe(24))
            user = self.find_user_by_email(email)
            if user is None:
                raise LabelStudioError(f"create user {email}", "the sign-up left no account")
        if user.first_name != first_name:
            with failures_as(f"rename user {email}"):
                self._sdk.users.update(id=user.id, first_name=first_name)
        return user.id

    def ensure_account(self, email: str, first_name: str) -> int:
        """Return the id of the account for ``email``, creating one with no usable password.

        Made through the users API: Label Studio adds it to the organization but gives it
        no password, so nobody can sign in with it (checked on 1.23.2: every password is
        refused, and the invite sign-up refuses the address as taken). The workbench writes
        annotations as this account with the administrator's token.
        """
        user = self.find_user_by_email(email)
        if user is None:
            address = email.strip().lower()
            with failures_as(f"create the account of {address}"):
                created = self._sdk.users.create(
                    email=address, username=address, first_name=first_name,
                    request_options=NO_RETRY,
                )
            return int(created.id)
        if user.first_name != first_name:
            with failures_as(f"rename user {email}"):
                self._sdk.users.update(id=user.id, first_name=first_name)
        return user.id

    def deactivate_account(self, user_id: int) -> None:
        """Take the account out of the organization; an account already out stays out."""
        operation = f"deactivate account {user_id}"
        with failures_as(operation):
            organization = self._sdk.users.whoami().active_organization
            answer = self._http.delete(
                f"{self.base_url}/api/organizations/{organization}/memberships/{user_id}/",
                headers={"Authorization": f"Token {self._token}"},
            )
            if answer.status_code == 404:
                return  # removed already (or never a member)
            answer.raise_for_status()

    def _sign_up_by_invite(self, email: str, password: str) -> None:
        """Sign ``email`` up with the organization's invite link, as a person would."""
        operation = f"create user {email}"
        with failures_as(operation), self._browser() as browser:
            invite = browser.get("/api/invite", headers={"Authorization": f"Token {self._token}"})
            invite.raise_for_status()
            self._submit_form(browser, invite.json()["invite_url"], email, password, operation)

    def user_token(self, email: str, password: str) -> str:
        """Log in as a user and return that user's API token."""
        operation = f"log in as {email}"
        with failures_as(operation), self._browser() as browser:
            self._submit_form(browser, "/user/login/", email, password, operation)
            answer = browser.get("/api/current-user/token")
            answer.raise_for_status()
            return str(answer.json()["token"])

    def _browser(self) -> httpx.Client:
        """Return a cookie-keeping HTTP client for Label Studio's HTML forms."""
        transport = httpx.HTTPTransport(retries=self._retries)
        return httpx.Client(base_url=self.base_url, timeout=self._timeout, transport=transport)

    @staticmethod
    def _submit_form(
        browser: httpx.Client, path: str, email: str, password: str, operation: str
    ) -> None:
        """Fill a sign-up or log-in form; raise with the form's own message if refused."""
        page = browser.get(path)
        page.raise_for_status()
        csrf = CSRF_FIELD.search(page.text)
        if csrf is None:
            raise LabelStudioError(operation, f"{path} served no form", page.status_code)
        answer = browser.post(
            path,
            data={"email": email, "password": password, "csrfmiddlewaretoken": csrf.group(1)},
            headers={"Referer": str(page.url)},  # Django checks it on HTTPS
        )
        # Django answers a valid form with a redirect; a refused one re-renders with errors.
        if answer.is_redirect:
            return
        if answer.status_code == 200:
            messages = [html.unescape(a or b).strip() for a, b in FORM_ERRORS.findall(answer.text)]
            raise LabelStudioError(operation, "; ".join(messages) or "the form was refused")
        answer.raise_for_status()

    def as_user(self, api_token: str) -> LabelStudioSdkGateway:
        """Return a gateway that acts as the user owning ``api_token``."""
        return LabelStudioSdkGateway(self.base_url, api_token, self._timeout, self._retries)

    def ensure_webhook(self, project_id: int, url: str, secret: str) -> int:
        """Register (or update and re-activate) the project's webhook to ``url``."""
        settings: dict[str, Any] = {
            "url": url,
            "actions": list(WEBHOOK_ACTIONS),
            "headers": {WEBHOOK_SECRET_HEADER: secret},
            "is_active": True,
            "send_payload": True,
            "send_for_all_actions": False,
        }
        current = self.webhook_status(project_id, url)
        with failures_as(f"register the webhook of project {project_id}"):
            if current is None:
                created = self._sdk.webhooks.create(
                    project=project_id, **settings, request_options=NO_RETRY
                )
                return int(created.id)
            self._sdk.webhooks.update(id=current.id, **settings)
            return current.id

    def webhook_status(self, project_id: int, url: str) -> LSWebhook | None:
        """Return the project's webhook to ``url``, or None when none is registered."""
        with failures_as(f"list the webhooks of project {project_id}"):
            for hook in self._sdk.webhooks.list(project=str(project_id)):
                if hook.url == url and hook.project == project_id:
                    return LSWebhook(int(hook.id), project_id, hook.url, bool(hook.is_active))
        return None

    def export_annotations(
        self,
        project_id: int,
        updated_since: datetime | None = None,
        task_ids: Sequence[int] | None = None,
    ) -> list[LSAnnotation]:
        """Return a project's annotations: all, those of tasks changed after
        ``updated_since``, or those of the tasks ``task_ids``.

        Creating or updating an annotation touches its task's ``updated_at``, so the
        incremental form fetches only the changed tasks; deletions need a full export.
        """
        with failures_as(f"export the annotations of project {project_id}"):
            if updated_since is not None:
                query = json.dumps({"filters": changed_since_filter(updated_since)})
                pages = self._sdk.tasks.list(
                    project=project_id, fields="all", query=query, page_size=PAGE_SIZE
                )
                tasks = [{"data": task.data, "annotations": task.annotations} for task in pages]
            else:
                tasks = self._export_annotated_tasks(project_id, task_ids)
            return [
                annotation_from_payload(annotation, task.get("data"))
                for task in tasks
                for annotation in task.get("annotations") or []
            ]

    def accounts_by_email(self) -> dict[str, int]:
        """Return every account's id by its (lower-case) e-mail address."""
        with failures_as("list users"):
            return {(u.email or "").lower(): int(u.id) for u in self._sdk.users.list()}

    def user_email(self, user_id: int) -> str | None:
        """Return the e-mail address of the account ``user_id``, or None when there is none."""
        with failures_as(f"read user {user_id}"):
            answer = self._http.get(f"{self.base_url}/api/users/{user_id}/",
                                    headers={"Authorization": f"Token {self._token}"})
            if answer.status_code == 404:
                return None
            answer.raise_for_status()
            email = answer.json().get("email")
        return str(email).lower() if email else None

    def _export_annotated_tasks(
        self, project_id: int, task_ids: Sequence[int] | None
    ) -> list[dict[str, Any]]:
        """Return annotated tasks with their annotations, through Label Studio's export.

        The export serialises a task about twice as fast as the paged task list with all
        fields, and it skips tasks nobody annotated. Given ``task_ids`` (sent as ids[]),
        only those tasks are exported, so a large project can be read in pieces.
        """
        params: list[tuple[str, str]] = [("exportType", "JSON")]
        params += [("ids[]", str(task_id)) for task_id in task_ids or ()]
        answer = self._http.get(
            f"{self.base_url}/api/projects/{project_id}/export",
            params=params,
            headers={"Authorization": f"Token {self._token}"},
            timeout=EXPORT_OPTIONS["timeout_in_seconds"],
        )
        answer.raise_for_status()
        tasks = json.loads(answer.content)
        if not isinstance(tasks, list):
            raise LabelStudioError(f"export project {project_id}", "the export is not a list")
        return [
            {"data": task.get("data"), "annotations": task.get("annotations")}
            for task in tasks
            if isinstance(task, Mapping)
        ]

    def create_annotation(
        self,
        task_id: int,
        result: list[dict[str, Any]],
        lead_time: float,
        *,
        completed_by: int | None = None,
        was_cancelled: bool = False,
    ) -> LSAnnotation:
        """Store an annotation, as this gateway's user or (administrator) as
        ``completed_by``; return it as Label Studio stored it.

        Posted as plain JSON: the SDK's model has no ``completed_by``. Label Studio 1.23.2
        keeps the given author (checked here), so its own export stays truthful.
        """
        body: dict[str, Any] = {"result": result, "lead_time": lead_time,
                                "was_cancelled": was_cancelled}
        if completed_by is not None:
            body["completed_by"] = completed_by
        return self._annotation_call("post", f"/api/tasks/{task_id}/annotations/", body,
                                     f"annotate task {task_id}")

    def update_annotation(
        self,
        annotation_id: int,
        result: list[dict[str, Any]],
        lead_time: float,
        *,
        was_cancelled: bool = False,
    ) -> LSAnnotation:
        """Replace an annotation's result (its author stays); return it as stored."""
        body = {"result": result, "lead_time": lead_time, "was_cancelled": was_cancelled}
        return self._annotation_call("patch", f"/api/annotations/{annotation_id}/", body,
                                     f"update annotation {annotation_id}")

    def _annotation_call(self, method: str, path: str, body: dict[str, Any],
                         operation: str) -> LSAnnotation:
        with failures_as(operation):
            answer = self._http.request(
                method, f"{self.base_url}{path}",
                content=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                headers={"Authorization": f"Token {self._token}",
                         "Content-Type": "application/json"},
            )
            answer.raise_for_status()
            return annotation_from_payload(answer.json(), None)


def changed_since_filter(moment: datetime) -> dict[str, Any]:
    """Return Data Manager filters selecting tasks updated after ``moment``."""
    if moment.tzinfo is None:
        raise ValueError("Give updated_since with a time zone, e.g. datetime.now(UTC).")
    # Label Studio 1.23 parses exactly this format and answers 500 to any other.
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {
        "conjunction": "and",
        "items": [
            {
                "filter": "filter:tasks:updated_at",
                "operator": "greater",
                "type": "Datetime",
                "value": text,
            }
        ],
    }
