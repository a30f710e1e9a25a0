"""What the workbench asks of Label Studio, in the workbench's own words.

The interface, the values it returns and the pure helpers around them live here, apart from
the SDK-backed implementation in ``label_studio.py``, so that services and their unit tests
(with the in-memory fake) import them without loading the SDK.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

Edition = Literal["community", "enterprise"]

# The task data field holding the workbench's key of the unit (item id, review task key).
ITEM_ID_FIELD = "lg_item_id"
# Label Studio signs nothing: the only proof a webhook call is ours is this static header.
WEBHOOK_SECRET_HEADER = "X-Labelgate-Secret"
WEBHOOK_ACTIONS = ("ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_DELETED")


class LabelStudioError(Exception):
    """Label Studio refused or failed a request; says what failed and the HTTP status."""

    def __init__(self, operation: str, detail: str, status: int | None = None) -> None:
        status_text = f" (HTTP {status})" if status is not None else ""
        super().__init__(f"Label Studio could not {operation}{status_text}: {detail}")
        self.operation = operation
        self.detail = detail
        self.status = status


@dataclass(frozen=True)
class ServerInfo:
    """The version and edition of a reachable Label Studio server."""

    version: str
    edition: Edition


@dataclass(frozen=True)
class ProjectSettings:
    """What the workbench sets on a Label Studio project."""

    title: str
    label_config: str
    instructions_html: str
    max_annotations: int


@dataclass(frozen=True)
class LSTask:
    """One Label Studio task: its id and the data the workbench pushed."""

    id: int
    data: Mapping[str, Any]

    @property
    def item_id(self) -> str | None:
        """Return the workbench item id kept in the task data, if any."""
        value = self.data.get(ITEM_ID_FIELD)
        return None if value is None else str(value)


@dataclass(frozen=True)
class LSUser:
    """A Label Studio account, matched to workbench users by e-mail."""

    id: int
    email: str
    first_name: str


@dataclass(frozen=True)
class LSWebhook:
    """A project webhook and whether Label Studio still sends to it."""

    id: int
    project_id: int
    url: str
    active: bool


@dataclass(frozen=True)
class LSAnnotation:
    """One annotation as the workbench ingests it."""

    id: int
    task_id: int
    item_id: str | None
    completed_by_id: int | None
    result: list[dict[str, Any]]
    lead_time: float | None
    was_cancelled: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class WebhookNotice:
    """What a webhook body says happened; its content is never trusted, only re-read."""

    action: str
    project_id: int | None
    annotation_ids: tuple[int, ...] = field(default_factory=tuple)
    task_ids: tuple[int, ...] = field(default_factory=tuple)

    @property
    def deleted(self) -> bool:
        """Tell whether the notice reports deleted annotations."""
        return self.action == "ANNOTATIONS_DELETED"


class LabelStudioGateway(Protocol):
    """Everything the workbench does in Label Studio; one implementation per backend."""

    base_url: str

    def check(self) -> ServerInfo:
        """Return the server's version and edition; raise LabelStudioError if unreachable."""
        ...

    def edition(self) -> Edition:
        """Return "community" or "enterprise"."""
        ...

    def ensure_project(
        self,
        title: str,
        label_config: str,
        instructions_html: str,
        max_annotations: int,
        existing_id: int | None = None,
    ) -> int:
        """Create the project, or update ``existing_id`` to these settings; return its id."""
        ...

    def project_settings(self, project_id: int) -> ProjectSettings:
        """Return the settings a project has now (to notice edits made in Label Studio)."""
        ...

    def delete_project(self, project_id: int) -> None:
        """Delete a project with its tasks and annotations."""
        ...

    def import_tasks(self, project_id: int, tasks: Sequence[Mapping[str, Any]]) -> list[int]:
        """Add tasks (each a mapping of data fields) in bulk; return their ids, in order."""
        ...

    def list_tasks(self, project_id: int) -> list[LSTask]:
        """Return every task of a project."""
        ...

    def find_user_by_email(self, email: str) -> LSUser | None:
        """Return the account with this e-mail address, or None."""
        ...

    def user_email(self, user_id: int) -> str | None:
        """Return the e-mail address of the account ``user_id``, or None."""
        ...

    def accounts_by_email(self) -> dict[str, int]:
        """Return every account's id by its (lower-case) e-mail address."""
        ...

    def ensure_user(self, email: str, first_name: str, password: str | None = None) -> int:
        """Return the id of the account for ``email``, creating one that can log in
        (administrators of Label Studio itself, and tests acting in Label Studio directly)."""
        ...

    def ensure_account(self, email: str, first_name: str) -> int:
        """Return the id of the account for ``email``, creating one with no usable password:
        its owner works through the door, which writes as them."""
        ...

    def deactivate_account(self, user_id: int) -> None:
        """Take the account out of the organization (idempotent)."""
        ...

    def user_token(self, email: str, password: str) -> str:
        """Log in as a user and return that user's API token."""
        ...

    def as_user(self, api_token: str) -> LabelStudioGateway:
        """Return a gateway that acts as the user owning ``api_token``."""
        ...

    def close(self) -> None:
        """Release the gateway's connections."""
        ...

    def ensure_webhook(self, project_id: int, url: str, secret: str) -> int:
        """Register (or update and re-activate) the project's webhook to ``url``."""
        ...

    def webhook_status(self, project_id: int, url: str) -> LSWebhook | None:
        """Return the project's webhook to ``url``, or None when none is registered."""
        ...

    def export_annotations(
        self,
        project_id: int,
        updated_since: datetime | None = None,
        task_ids: Sequence[int] | None = None,
    ) -> list[LSAnnotation]:
        """Return a project's annotations: all, those of tasks changed after
        ``updated_since``, or those of the tasks ``task_ids``."""
        ...

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
        ``completed_by``; return it as Label Studio stored it."""
        ...

    def update_annotation(
        self,
        annotation_id: int,
        result: list[dict[str, Any]],
        lead_time: float,
        *,
        was_cancelled: bool = False,
    ) -> LSAnnotation:
        """Replace an annotation's result (its author stays); return it as stored."""
        ...


def tasks_to_import(
    existing: Iterable[LSTask], tasks: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Return the tasks whose item id is not yet in the project, so a push can resume."""
    present = {task.item_id for task in existing if task.item_id is not None}
    missing = []
    for task in tasks:
        if ITEM_ID_FIELD not in task:
            raise ValueError(f"Every task to push needs a {ITEM_ID_FIELD!r} data field.")
        if str(task[ITEM_ID_FIELD]) not in present:
            missing.append(dict(task))
            present.add(str(task[ITEM_ID_FIELD]))
    return missing


def parse_timestamp(value: str | datetime) -> datetime:
    """Return an aware datetime from Label Studio's ISO 8601 text (``Z`` means UTC)."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError(f"A timestamp must be ISO 8601 text, not {type(value).__name__}.")
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def annotation_from_payload(
    annotation: Mapping[str, Any], task_data: Mapping[str, Any] | None
) -> LSAnnotation:
    """Return the annotation described by a Label Studio annotation JSON object."""
    author = annotation.get("completed_by")
    if isinstance(author, Mapping):  # some payloads nest the user object
        author = author.get("id")
    if task_data is not None and not isinstance(task_data, Mapping):
        raise ValueError("A task's data must be a JSON object.")
    item_id = (task_data or {}).get(ITEM_ID_FIELD)
    lead_time = annotation.get("lead_time")
    return LSAnnotation(
        id=identifier(annotation["id"], "annotation id"),
        task_id=identifier(annotation["task"], "task id"),
        item_id=None if item_id is None else str(item_id),
        completed_by_id=None if author is None else identifier(author, "user id"),
        result=_result_list(annotation.get("result")),
        lead_time=None if lead_time is None else _seconds(lead_time),
        was_cancelled=bool(annotation.get("was_cancelled", False)),
        created_at=parse_timestamp(annotation["created_at"]),
        updated_at=parse_timestamp(annotation["updated_at"]),
    )


def identifier(value: Any, what: str) -> int:
    """Return a Label Studio id (a positive 32-bit integer); raise ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"The {what} must be a whole number.")
    number = int(value)
    if not 0 < number < 2**31:
        raise ValueError(f"The {what} {number} is out of range.")
    return number


def _seconds(value: Any) -> float:
    """Return a lead time in seconds (finite, not negative); raise ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("The lead time must be a number of seconds.")
    seconds = float(value)
    if not 0 <= seconds < 10**9:  # also refuses NaN and infinity
        raise ValueError("The lead time must be a number of seconds, 0 or more.")
    return seconds


def _result_list(value: Any) -> list[dict[str, Any]]:
    """Return an annotation's result, which must be a list of JSON objects."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(r, Mapping) for r in value):
        raise ValueError("An annotation's result must be a list of objects.")
    return [dict(r) for r in value]


def parse_webhook(body: Mapping[str, Any]) -> WebhookNotice:
    """Return what a webhook body reports; raise ValueError if it is not a webhook body.

    Only ids are read: the workbench re-reads the annotations from Label Studio itself.
    """
    action = body.get("action")
    if not isinstance(action, str):
        raise ValueError("A Label Studio webhook body needs an 'action' text field.")
    project = body.get("project")
    project_id = identifier(project["id"], "project id") if isinstance(project, Mapping) else None
    if action == "ANNOTATIONS_DELETED":
        entries = body.get("annotations") or []
        if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
            raise ValueError("'annotations' must be a list of objects with an id.")
        deleted = tuple(identifier(entry["id"], "annotation id") for entry in entries)
        return WebhookNotice(action, project_id, annotation_ids=deleted)
    annotation = body.get("annotation")
    if not isinstance(annotation, Mapping):
        return WebhookNotice(action, project_id)
    return WebhookNotice(
        action,
        project_id,
        annotation_ids=(identifier(annotation["id"], "annotation id"),),
        task_ids=(identifier(annotation["task"], "task id"),),
    )
