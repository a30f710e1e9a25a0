"""The two look-ups most services need, in the form they need them.

Thin wrappers over `app.services.rules.lookup`, which owns parsing and its cache: services
that import batches or assign work want "the active version, or a message saying what to
do", and "the parsed rules of this version".
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import RuleSetRecord, RuleVersion
from app.services.errors import NotFound
from app.services.rules.lookup import active_version as _active_or_none
from app.services.rules.lookup import load as rule_set_of

__all__ = ["active_version", "rule_set_of"]


def active_version(session: Session, key: str) -> RuleVersion:
    """Return the active version of rule set `key`, or raise NotFound saying what to do."""
    version = _active_or_none(session, key)
    if version is not None:
        return version
    if session.scalar(select(RuleSetRecord.id).where(RuleSetRecord.key == key)) is None:
        raise NotFound(_("No rule set has the id “%(key)s”. Publish it first.", key=key))
    raise NotFound(_("Rule set “%(key)s” has no active version. Approve and activate one "
                     "first.", key=key))
