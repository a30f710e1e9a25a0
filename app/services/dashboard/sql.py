"""Small SQL helpers that read the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import numpy as np
from sqlalchemy import Select, func
from sqlalchemy.orm import Session


def is_postgres(session: Session) -> bool:
    """Tell whether the session talks to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def grouped_quantiles(session: Session, stmt: Select, key, value, q: float) -> dict:
    """Return {key: q-quantile of value} over `stmt`'s rows (linear interpolation, as SQL
    percentile_cont); `stmt` selects (key, value) with its joins and conditions.

    PostgreSQL computes it; SQLite has no percentile function, so there the values of each
    group are read and numpy interpolates the same way (SQLite serves tests, not big data).
    """
    stmt = stmt.where(value.is_not(None))
    if is_postgres(session):
        rows = session.execute(
            stmt.with_only_columns(key, func.percentile_cont(q).within_group(value)).group_by(key)
        )
        return {k: float(v) for k, v in rows if v is not None}
    groups: dict = defaultdict(list)
    for k, v in session.execute(stmt):
        groups[k].append(float(v))
    return {k: float(np.quantile(vs, q)) for k, vs in groups.items()}


def day(column):
    """Return the calendar day (UTC) of a timestamp column, for GROUP BY."""
    return func.date(column)


def as_date(value) -> date | None:
    """Return a day as SQLite (text) or PostgreSQL (date) gives it back, as a `date`."""
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def week_start(day_value: date) -> date:
    """Return the Monday of the ISO week that holds `day_value`."""
    return date.fromordinal(day_value.toordinal() - day_value.weekday())
