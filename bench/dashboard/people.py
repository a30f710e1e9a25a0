"""People, datasets, rule versions, qualifications, gold practice and an audit trail, made
through the models (a few thousand rows) before the bulk tables are streamed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app.models import (
    Dataset,
    PracticeAttempt,
    Qualification,
    RoleGrant,
    RuleSetRecord,
    RuleVersion,
    User,
)
from app.services import audit
from app.services.actor import Actor
from bench.dashboard.generate import People, Size
from labeling_rules import (
    SETS_DIR,
    compile_instructions,
    compile_label_config,
    compile_review_config,
    content_hash,
    load_rule_set,
)

LEAD_EMAIL = "lead@bench.test"
PASSWORD = "bench-password-123"
AUDIT_EVENTS = 2000


def _version(session: Session, file: str, now: datetime) -> RuleVersion:
    text = (SETS_DIR / file).read_text(encoding="utf-8")
    rules = load_rule_set(text, source_name=file)
    record = RuleSetRecord(
        key=rules.id, kind=rules.kind, language=rules.language, title=rules.title
    )
    major, minor, patch = (int(p) for p in rules.version.split("."))
    version = RuleVersion(
        rule_set=record,
        version=rules.version,
        major=major,
        minor=minor,
        patch=patch,
        content=text,
        content_sha256=content_hash(text),
        status="active",
        author_name="bench",
        activated_at=now,
        label_config=compile_label_config(rules),
        review_config=compile_review_config(rules),
        instructions_html=compile_instructions(rules),
    )
    session.add_all([record, version])
    session.flush()
    return version


def _users(session: Session, prefix: str, n: int, role: str, digest: str) -> list[User]:
    made = []
    for i in range(1, n + 1):
        user = User(
            email=f"{prefix}{i:03d}@bench.test",
            display_name=f"{prefix.title()} {i}",
            password_hash=digest,
        )
        user.grants.append(RoleGrant(role=role))
        made.append(user)
    session.add_all(made)
    session.flush()
    return made


def make_people(session: Session, size: Size) -> People:
    """Create the people, datasets and rule versions; return their ids."""
    now = datetime.now(UTC)
    digest = generate_password_hash(PASSWORD)
    versions = {
        "functional": _version(session, "response-quality.en.yaml", now),
        "security": _version(session, "content-safety.en.yaml", now),
    }
    annotators = _users(session, "annotator", size.annotators, "annotator", digest)
    reviewers = _users(session, "reviewer", 20, "reviewer", digest)
    arbitrators = _users(session, "arbitrator", 5, "arbitrator", digest)
    _users(session, "supervisor", 2, "supervisor", digest)
    lead = User(email=LEAD_EMAIL, display_name="Bench Lead", password_hash=digest)
    lead.grants.append(RoleGrant(role="qa_lead"))
    session.add(lead)
    datasets = {"functional": [], "security": []}
    for kind, n in (("functional", 8), ("security", 2)):
        for i in range(1, n + 1):
            ds = Dataset(
                name=f"{kind}-{i}", modality="text", source_type="licensed", licence="CC-BY-4.0"
            )
            session.add(ds)
            session.flush()
            datasets[kind].append(ds.id)
    for index, user in enumerate(annotators + reviewers):
        for version in versions.values():
            suspended = index < 3
            session.add(
                Qualification(
                    user_id=user.id,
                    rule_set_id=version.rule_set_id,
                    major_version=version.major,
                    status="suspended" if suspended else "valid",
                    source="exam",
                    granted_at=now - timedelta(days=200),
                    valid_until=now + timedelta(days=165),
                    ended_at=now - timedelta(days=2) if suspended else None,
                )
            )
        n = 20 + index % 11
        session.add(
            PracticeAttempt(
                user_id=user.id,
                rule_version_id=versions["functional"].id,
                n=n,
                correct=n - index % 4,
                accuracy=(n - index % 4) / n,
                target=0.8,
                passed=True,
                state="scored",
                finished_at=now,
            )
        )
    actor = Actor.system("bench")
    for i in range(AUDIT_EVENTS):
        audit.record(
            session, "bench.event", "batch", i % size.batches + 1, after={"n": i}, actor=actor
        )
    session.commit()
    return People(
        [u.id for u in annotators],
        [u.id for u in reviewers],
        [u.id for u in arbitrators],
        LEAD_EMAIL,
        {k: v.id for k, v in versions.items()},
        datasets,
    )
