"""Publish a rule file as an immutable draft version, refusing what the version rules forbid."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from app.models import RuleSetRecord, RuleVersion, User, VersionStatus, utcnow
from app.services import audit
from app.services.errors import Conflict, ServiceError
from app.services.rules.lookup import domain_lang, level_name, load, semver, versions
from labeling_rules import (
    Finding,
    RuleSet,
    compile_instructions,
    compile_label_config,
    compile_review_config,
    content_hash,
    diff_rule_sets,
    has_errors,
    lint_text,
)
from labeling_rules.lint import analyse
from labeling_rules.loader import build_rule_set

# What publishing fixed for good; status and its timestamps are the only things that move.
_IMMUTABLE = (
    "rule_set_id",
    "version",
    "major",
    "minor",
    "patch",
    "content",
    "content_sha256",
    "change_level",
    "author_id",
    "author_name",
    "published_at",
    "label_config",
    "review_config",
    "instructions_html",
)


class RuleFileRefused(ServiceError):
    """The rule file has linter errors; `findings` lists every problem (errors and warnings)."""

    def __init__(self, findings: list[Finding]) -> None:
        errors = [f for f in findings if f.is_error]
        self.summary = _("The rule file has %(n)d error(s); nothing was published.", n=len(errors))
        self.findings = findings
        super().__init__("\n".join([self.summary, *(f.format() for f in errors)]))


@dataclass(frozen=True)
class Published:
    """The outcome of publishing: the version, whether it is new, and the linter's warnings."""

    version: RuleVersion
    created: bool
    warnings: tuple[Finding, ...] = ()


def publish(
    session: Session,
    source: Path | str | bytes,
    *,
    author: User | None = None,
    author_name: str | None = None,
    source_name: str | None = None,
) -> Published:
    """Store a rule file as a new draft version, after the linter and the version rules.

    `source` is a Path to read, or the YAML itself (str or bytes). Re-publishing identical
    content under its version returns the existing row; changed content under a published
    version, a version not above the newest, or a version number that does not rise
    enough for the change (major / minor / patch) is refused with the reason.
    """
    text, name = _read(source, source_name)
    data = text.encode("utf-8")
    document, findings = analyse(data, source_name=name, lang=domain_lang())
    if document is None or has_errors(findings):
        raise RuleFileRefused(findings)
    new = build_rule_set(document.data)
    warnings = tuple(f for f in findings if not f.is_error)
    sha = content_hash(new)
    record = _lock_or_create(session, new)
    same = session.scalar(
        select(RuleVersion).where(
            RuleVersion.rule_set_id == record.id, RuleVersion.version == new.version
        )
    )
    if same is not None:
        if same.content_sha256 == sha:
            return Published(same, False, warnings)
        raise Conflict(
            _(
                "%(label)s is already published with other content (SHA-256 %(sha)s…). "
                "Published versions never change: publish the change under a higher version.",
                label=same.label,
                sha=same.content_sha256[:12],
            )
        )
    newest = next(iter(versions(session, record)), None)
    change_level = _check_bump(newest, new) if newest is not None else None
    author_name = author.email if author is not None else (author_name or "").strip()
    if not author_name:
        raise ServiceError(_("Name the author of the rule version."), field="author")
    version = _new_version(new, text, sha, change_level, author, author_name)
    version.rule_set = record
    record.title, record.kind, record.language = new.title[:300], new.kind, new.language
    session.add(version)
    session.flush()
    audit.record(
        session,
        "rules.publish",
        "rule_version",
        version.id,
        after={
            "rule_set": record.key,
            "version": version.version,
            "sha256": sha,
            "change_level": change_level,
            "author": author_name,
            "status": str(VersionStatus.DRAFT),
        },
    )
    return Published(version, True, warnings)


def _new_version(
    new: RuleSet,
    text: str,
    sha: str,
    change_level: str | None,
    author: User | None,
    author_name: str,
) -> RuleVersion:
    major, minor, patch = new.semver
    return RuleVersion(
        version=new.version,
        major=major,
        minor=minor,
        patch=patch,
        content=text,
        content_sha256=sha,
        status=VersionStatus.DRAFT,
        change_level=change_level,
        author_id=author.id if author is not None else None,
        author_name=author_name[:160],
        published_at=utcnow(),
        label_config=compile_label_config(new),
        review_config=compile_review_config(new),
        instructions_html=compile_instructions(new),
    )


def _read(source: Path | str | bytes, source_name: str | None) -> tuple[str, str]:
    if isinstance(source, Path):
        try:
            raw = source.read_bytes()
        except OSError as err:
            reason = err.strerror or err.__class__.__name__
            raise ServiceError(
                _("Cannot read %(path)s: %(reason)s", path=str(source), reason=reason)
            ) from err
        return _text(raw, str(source)), source_name or str(source)
    name = source_name or "<text>"
    return (_text(source, name) if isinstance(source, bytes) else source), name


def _text(raw: bytes, name: str) -> str:
    try:
        return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        # The linter locates the bad byte and words the finding.
        raise RuleFileRefused(lint_text(raw, source_name=name, lang=domain_lang())) from None


def _lock_or_create(session: Session, new: RuleSet) -> RuleSetRecord:
    """Return the rule set row, locked so that versions of one set publish one at a time."""
    record = session.scalar(
        select(RuleSetRecord).where(RuleSetRecord.key == new.id).with_for_update()
    )
    if record is None:
        record = RuleSetRecord(
            key=new.id, kind=new.kind, language=new.language, title=new.title[:300]
        )
        session.add(record)
        session.flush()
        audit.record(
            session,
            "rules.create_set",
            "rule_set",
            record.id,
            after={"key": new.id, "kind": new.kind, "language": new.language},
        )
    return record


def _check_bump(newest: RuleVersion, new: RuleSet) -> str:
    """Refuse a version not above the newest, or one that rises too little; return the level."""
    if new.semver <= semver(newest):
        raise Conflict(
            _(
                "Version %(version)s is not greater than the newest published version "
                "%(newest)s of %(key)s; publish it under a higher version.",
                version=new.version,
                newest=newest.version,
                key=new.id,
            )
        )
    diff = diff_rule_sets(load(newest), new)
    if not diff.version_bump_ok:
        raise Conflict(
            _(
                "The changes from %(old)s are %(level)s, but the version rises only to "
                "%(version)s; raise the %(part)s number.",
                old=newest.version,
                level=level_name(diff.level),
                version=new.version,
                part=level_name("major" if diff.level == "major" else "minor"),
            )
        )
    return diff.level


@event.listens_for(RuleVersion, "before_update")
def _refuse_content_change(_mapper, _connection, target: RuleVersion) -> None:
    """Refuse any change to what was published: a version's content is immutable (R7)."""
    state = inspect(target)
    changed = [name for name in _IMMUTABLE if state.attrs[name].history.has_changes()]
    if changed:
        raise ValueError(
            f"rule version {target.id} is immutable; refused change of {', '.join(changed)}"
        )
