"""Errors a service raises for a person to read; views and the CLI turn them into messages."""

from __future__ import annotations


class ServiceError(Exception):
    """A request that cannot be done as asked; `message` is already translated."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    """The named object does not exist."""

    status = 404


class Forbidden(ServiceError):
    """The actor may not do this."""

    status = 403


class Conflict(ServiceError):
    """The request contradicts the current state."""

    status = 409
