"""Look up rule versions and their parsed rule sets (read-only helpers shared by services)."""

from __future__ import annotations

from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import RuleSetRecord, RuleVersion, VersionStatus
from app.services.errors import NotFound
from labeling_rules import RuleSet, load_rule_set


@lru_cache(maxsize=64)
def _parse(content_sha256: str, content: str) -> RuleSet:
    return load_rule_set(content, source_name=f"rule-version-{content_sha256[:12]}")


def rule_set_of(version: RuleVersion) -> RuleSet:
    """Return the parsed rules of a stored version (cached by content hash)."""
    return _parse(version.content_sha256, version.content)


def active_version(session: Session, key: str) -> RuleVersion:
    """Return the active version of rule set `key`, or raise NotFound saying what to do."""
    record = session.scalar(select(RuleSetRecord).where(RuleSetRecord.key == key))
    if record is None:
        raise NotFound(_("No rule set has the id “%(key)s”. Publish it first.", key=key))
    version = session.scalar(select(RuleVersion).where(
        RuleVersion.rule_set_id == record.id, RuleVersion.status == VersionStatus.ACTIVE))
    if version is None:
        raise NotFound(_("Rule set “%(key)s” has no active version. Approve and activate one "
                         "first.", key=key))
    return version
