"""Find rule sets and versions; name their states and change levels in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import RuleSetRecord, RuleVersion, User, VersionStatus
from app.services.errors import NotFound, ServiceError
from labeling_rules import RuleFileError, RuleSet, load_rule_set

PUBLISHERS = ("rule_author", "admin")
APPROVERS = ("qa_lead",)
ACTIVATORS = ("qa_lead", "admin")
# Who may read versions not (or not yet) in force: drafts and approved ones.
DRAFT_READERS = ("admin", "rule_author", "qa_lead", "auditor")
IN_FORCE = (VersionStatus.ACTIVE, VersionStatus.RETIRED)


@dataclass(frozen=True)
class RuleSetSummary:
    """A rule set with its active and newest versions."""

    record: RuleSetRecord
    active: RuleVersion | None
    newest: RuleVersion | None


def domain_lang() -> str:
    """Return the rules domain's language code for the current locale ('zh_CN' or 'en')."""
    return "zh_CN" if str(get_locale() or "").startswith("zh") else "en"


def semver(version: RuleVersion) -> tuple[int, int, int]:
    """Return a version's (major, minor, patch) for ordering."""
    return (version.major, version.minor, version.patch)


def rule_set(session: Session, key: str) -> RuleSetRecord:
    """Return the rule set with this key or raise NotFound."""
    record = session.scalar(select(RuleSetRecord).where(RuleSetRecord.key == key))
    if record is None:
        raise NotFound(_("No rule set has the id “%(key)s”. Publish it first.", key=key))
    return record


def split_ref(ref: str) -> tuple[str, str | None]:
    """Split `set@1.2.0` into ('set', '1.2.0'); a bare key gives (key, None)."""
    key, _sep, version = (ref or "").strip().partition("@")
    return key, version or None


def get_version(session: Session, ref: str, version: str | None = None) -> RuleVersion:
    """Return the version named `set@1.2.0`, or by key and version; raise NotFound."""
    key, named = split_ref(ref)
    version = version or named
    if not version:
        example = key + "@1.0.0"
        raise ServiceError(_("Name a version as SET@VERSION, e.g. %(example)s.", example=example))
    record = rule_set(session, key)
    found = session.scalar(
        select(RuleVersion).where(
            RuleVersion.rule_set_id == record.id, RuleVersion.version == version
        )
    )
    if found is None:
        raise NotFound(_("Rule set %(key)s has no version %(version)s.", key=key, version=version))
    return found


def active_version(session: Session, key: str) -> RuleVersion | None:
    """Return the active version of rule set `key`, or None."""
    return session.scalar(
        select(RuleVersion)
        .join(RuleSetRecord)
        .where(RuleSetRecord.key == key, RuleVersion.status == VersionStatus.ACTIVE)
    )


def versions(session: Session, record: RuleSetRecord) -> list[RuleVersion]:
    """Return the versions of a rule set, newest first."""
    newest_first = (RuleVersion.major.desc(), RuleVersion.minor.desc(), RuleVersion.patch.desc())
    return list(
        session.scalars(
            select(RuleVersion).where(RuleVersion.rule_set_id == record.id).order_by(*newest_first)
        )
    )


def list_rule_sets(session: Session) -> list[RuleSetSummary]:
    """Return every rule set with its active and newest versions, by key."""
    summaries = []
    for record in session.scalars(select(RuleSetRecord).order_by(RuleSetRecord.key)):
        rows = versions(session, record)
        active = next((v for v in rows if v.status == VersionStatus.ACTIVE), None)
        summaries.append(RuleSetSummary(record, active, rows[0] if rows else None))
    return summaries


def may_read(user: User, version: RuleVersion) -> bool:
    """Tell whether `user` may read a version: in-force ones everyone, others DRAFT_READERS."""
    return version.status in IN_FORCE or user.has_role(*DRAFT_READERS)


def load(version: RuleVersion) -> RuleSet:
    """Return the RuleSet stored in a version (parsed once per content and language)."""
    try:
        return _parse(version.content_sha256, version.content, version.label, domain_lang())
    except RuleFileError as err:
        raise ServiceError(
            _(
                "The stored version %(label)s no longer passes the linter:\n%(problems)s",
                label=version.label,
                problems=str(err),
            )
        ) from err


@lru_cache(maxsize=32)
def _parse(_sha: str, content: str, label: str, lang: str) -> RuleSet:
    # RuleSet is frozen, so one parsed copy can serve every caller.
    return load_rule_set(content.encode("utf-8"), source_name=label, lang=lang)


def status_name(status: str) -> str:
    """Return a version status in the reader's language."""
    names = {
        VersionStatus.DRAFT: _("draft"),
        VersionStatus.APPROVED: _("approved"),
        VersionStatus.ACTIVE: _("in force"),
        VersionStatus.RETIRED: _("retired"),
    }
    return names.get(status, status)


def level_name(level: str | None) -> str:
    """Return a change level (major, minor, patch, none) in the reader's language."""
    names = {"major": _("major"), "minor": _("minor"), "patch": _("patch"), "none": _("none")}
    return names.get(level or "none", level or "")
