"""Failures of a component rather than of a request: the database, Redis or Label Studio not
answering. Callers answer 503 or try again later; they never count them against the work."""

from __future__ import annotations

from redis.exceptions import RedisError
from sqlalchemy.exc import (
    DisconnectionError,
    OperationalError,
    PendingRollbackError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.integrations.label_studio_gateway import LabelStudioError

DATABASE_OUTAGES: tuple[type[BaseException], ...] = (
    OperationalError, DisconnectionError, PendingRollbackError, PoolTimeoutError,
    ConnectionError,
)


def caused_by_database_outage(err: BaseException | None) -> bool:
    """Tell whether a lost or refused database connection is anywhere in the cause chain."""
    import psycopg

    seen = 0
    while err is not None and seen < 10:
        if isinstance(err, DATABASE_OUTAGES + (psycopg.OperationalError,)):
            return True
        err = err.__cause__ or err.__context__
        seen += 1
    return False


def is_outage(err: BaseException) -> bool:
    """Tell whether `err` means a component is down (so the work should wait, not fail)."""
    if isinstance(err, LabelStudioError):
        return err.status is None or err.status >= 500
    return isinstance(err, RedisError) or caused_by_database_outage(err)
