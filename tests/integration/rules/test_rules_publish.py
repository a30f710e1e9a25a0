"""Publishing stores immutable versions and refuses what the version rules forbid (issue 4.3)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import RuleSetRecord, RuleVersion
from app.services import rules
from app.services.errors import Conflict, ServiceError
from labeling_rules import content_hash, load_rule_set
from tests.integration.rules.conftest import KEY, MAJOR, MINOR, PATCH, SHIPPED, actions, variant


def _count(session) -> int:
    return session.scalar(select(func.count(RuleVersion.id)))


def test_publishing_stores_a_draft_with_hash_author_and_compiled_configs(ctx, session, people):
    outcome = rules.publish(session, SHIPPED, author=people["author"])
    session.commit()
    v = outcome.version
    assert outcome.created
    assert (v.label, v.status, v.major, v.minor, v.patch) == (f"{KEY}@1.0.0", "draft", 1, 0, 0)
    assert v.content == SHIPPED.read_text(encoding="utf-8")
    assert v.content_sha256 == content_hash(load_rule_set(SHIPPED))
    assert v.author_id == people["author"].id and v.author_name == "author@example.test"
    assert v.change_level is None  # the first version has nothing to compare with
    assert v.label_config.startswith("<View") and "<Choices" in v.label_config
    assert "verdict" in v.review_config
    assert "labelgate-rules" in v.instructions_html
    assert actions(session)[-2:] == ["rules.create_set", "rules.publish"]
    record = session.scalar(select(RuleSetRecord).where(RuleSetRecord.key == KEY))
    assert (record.kind, record.language) == ("functional", "en")


def test_republishing_identical_content_is_a_no_op(ctx, session, people):
    first = rules.publish(session, SHIPPED, author=people["author"]).version
    session.commit()
    events = len(actions(session))
    # Same document, other bytes: a comment added does not change the content hash.
    again = rules.publish(session, "# a comment\n" + variant("1.0.0"), author_name="someone")
    session.commit()
    assert not again.created and again.version.id == first.id
    assert _count(session) == 1 and len(actions(session)) == events


def test_changed_content_under_a_published_version_is_refused(ctx, session, people):
    rules.publish(session, SHIPPED, author=people["author"])
    session.commit()
    with pytest.raises(Conflict, match="already published with other content"):
        rules.publish(session, variant("1.0.0", PATCH), author=people["author"])
    session.rollback()
    assert _count(session) == 1


@pytest.mark.parametrize("version", ["1.0.0", "0.9.9"])
def test_a_version_not_greater_than_the_newest_is_refused(ctx, session, people, version):
    rules.publish(session, variant("1.1.0", MINOR), author=people["author"])
    session.commit()
    edits = (PATCH,) if version == "1.0.0" else ()
    with pytest.raises(Conflict, match="not greater than the newest published version 1.1.0"):
        rules.publish(session, variant(version, *edits), author=people["author"])


@pytest.mark.parametrize(
    ("version", "edit", "level"),
    [("1.0.1", PATCH, "patch"), ("1.1.0", MINOR, "minor"), ("2.0.0", MAJOR, "major")],
)
def test_the_change_level_against_the_previous_version_is_stored(
    ctx, session, people, version, edit, level
):
    rules.publish(session, SHIPPED, author=people["author"])
    outcome = rules.publish(session, variant(version, edit), author=people["author"])
    session.commit()
    assert outcome.version.change_level == level
    assert actions(session)[-1] == "rules.publish"


@pytest.mark.parametrize(("version", "edit"), [("1.0.1", MINOR), ("1.1.0", MAJOR)])
def test_a_version_that_rises_too_little_for_the_change_is_refused(
    ctx, session, people, version, edit
):
    rules.publish(session, SHIPPED, author=people["author"])
    session.commit()
    with pytest.raises(Conflict, match="raise the"):
        rules.publish(session, variant(version, edit), author=people["author"])
    session.rollback()
    assert _count(session) == 1


def test_a_file_with_linter_errors_is_refused_with_its_findings(ctx, session, people):
    broken = variant("1.0.0").replace("task_type: rating", "task_type: guessing", 1)
    with pytest.raises(rules.RuleFileRefused) as caught:
        rules.publish(session, broken, author=people["author"], source_name="broken.yaml")
    session.rollback()
    assert any(f.is_error and f.path == "broken.yaml" for f in caught.value.findings)
    assert "broken.yaml:" in caught.value.message
    assert _count(session) == 0
    assert session.scalar(select(func.count(RuleSetRecord.id))) == 0


def test_publishing_needs_an_author(ctx, session):
    with pytest.raises(ServiceError, match="Name the author"):
        rules.publish(session, SHIPPED, author_name="  ")
    session.rollback()
    assert _count(session) == 0


def test_a_published_version_cannot_be_altered(ctx, session, people):
    v = rules.publish(session, SHIPPED, author=people["author"]).version
    session.commit()
    v.content = v.content + "\n# edited"
    with pytest.raises(ValueError, match="immutable"):
        session.flush()
    session.rollback()
    assert session.get(RuleVersion, v.id).content == SHIPPED.read_text(encoding="utf-8")
