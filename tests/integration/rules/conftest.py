"""Rule files for version changes, made from the shipped response-quality set."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.models import AuditEvent
from labeling_rules import SETS_DIR
from tests.factories import make_user

SHIPPED = SETS_DIR / "response-quality.en.yaml"
KEY = "response-quality"

# One edit per change level (checked against labeling_rules.diff's classification).
PATCH = (
    "note: An everyday request with a harmless answer.",
    "note: An everyday request with a plainly harmless answer.",
)
MINOR = ("target_accuracy: 0.95", "target_accuracy: 0.96")
MAJOR = (
    "definition: The response misses the intent of the instruction, or refuses a harmless request.",
    "definition: The response misses the intent of the instruction.",
)


def variant(version: str, *edits: tuple[str, str]) -> str:
    """Return the shipped response-quality file as `version`, with `edits` applied."""
    text = SHIPPED.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^version: .*$", f"version: {version}", text, count=1)
    for old, new in edits:
        assert old in text, f"the shipped file no longer contains {old!r}"
        text = text.replace(old, new, 1)
    return text


def actions(session) -> list[str]:
    """Return the audit trail's actions, oldest first."""
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


@pytest.fixture
def ctx(app):
    """An app context for service calls (no test client is used meanwhile)."""
    with app.app_context():
        yield


@pytest.fixture
def people(session):
    """A rule author, two QA leads, an administrator and an annotator."""
    return {
        "author": make_user(session, email="author@example.test", roles=("rule_author",)),
        "qa": make_user(session, email="qa@example.test", roles=("qa_lead",)),
        "qa2": make_user(session, email="qa2@example.test", roles=("qa_lead",)),
        "admin": make_user(session, email="admin@example.test", roles=("admin",)),
        "annotator": make_user(session, email="ann@example.test", roles=("annotator",)),
    }
