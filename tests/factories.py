"""Small factories with overridable defaults for test data."""

from __future__ import annotations

import itertools

from app.services import users as user_service

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_user(session, *, email: str | None = None, name: str | None = None,
              roles=("annotator",), password: str = PASSWORD, commit: bool = True):
    """Create a user with roles."""
    n = next(_counter)
    user = user_service.create_user(session, email or f"user{n}@example.test",
                                    name or f"User {n}", password, list(roles))
    if commit:
        session.commit()
    return user


def login(client, email: str, password: str = PASSWORD):
    """Sign in through the login form; return the response."""
    return client.post("/login", data={"email": email, "password": password})


def make_active_version(session, path=None, *, version: str | None = None, commit=True):
    """Store a shipped rule file as the active version of its set (bypassing approval)."""
    from pathlib import Path

    from sqlalchemy import select

    from app.models import RuleSetRecord, RuleVersion, utcnow
    from labeling_rules import (
        SETS_DIR,
        compile_instructions,
        compile_label_config,
        compile_review_config,
        content_hash,
        load_rule_set,
    )

    path = Path(path or SETS_DIR / "response-quality.en.yaml")
    text = path.read_text(encoding="utf-8")
    if version is not None:
        import re

        text = re.sub(r"(?m)^version: .*$", f"version: {version}", text, count=1)
    rules = load_rule_set(text, source_name=path.name)
    record = session.scalar(select(RuleSetRecord).where(RuleSetRecord.key == rules.id))
    if record is None:
        record = RuleSetRecord(key=rules.id, kind=rules.kind, language=rules.language,
                               title=rules.title)
        session.add(record)
        session.flush()
    major, minor, patch = (int(p) for p in rules.version.split("."))
    for old in session.scalars(select(RuleVersion).where(RuleVersion.rule_set_id == record.id,
                                                         RuleVersion.status == "active")):
        old.status = "retired"
    row = RuleVersion(rule_set_id=record.id, version=rules.version, major=major, minor=minor,
                      patch=patch, content=text, content_sha256=content_hash(text),
                      status="active", author_name="test", activated_at=utcnow(),
                      label_config=compile_label_config(rules),
                      review_config=compile_review_config(rules),
                      instructions_html=compile_instructions(rules))
    session.add(row)
    session.flush()
    if commit:
        session.commit()
    return row


def ls_result(rules, answers: dict | None = None) -> list[dict]:
    """Return a Label Studio result answering every required control of `rules`.

    `answers` overrides the first label chosen by default for a control.
    """
    answers = answers or {}
    result = []
    for control in rules.controls:
        if not control.required and control.name not in answers:
            continue
        value = answers.get(control.name, control.labels[0].value if control.labels else "")
        if control.type == "rating":
            payload, kind = {"rating": value}, "rating"
        elif control.type == "text_correction":
            payload, kind = {"text": [value]}, "textarea"
        elif control.type == "multiple_choice":
            payload, kind = {"choices": list(value if isinstance(value, list) else [value])}, \
                "choices"
        else:
            payload, kind = {"choices": [value]}, "choices"
        result.append({"from_name": control.name, "to_name": control.applies_to,
                       "type": kind, "value": payload})
    return result


def make_qualified_annotators(session, version, n: int, *, prefix: str = "ann",
                              role: str = "annotator", name: str = "Annotator"):
    """Create `n` people qualified for `version`'s rule set and major version, holding `role`
    globally, or (security rule sets, L2) granted for that rule set."""
    from app.services import qualifications

    users = []
    security = version.rule_set.kind == "security"
    for i in range(1, n + 1):
        user = make_user(session, email=f"{prefix}{i}@example.test", name=f"{name} {i}",
                         roles=() if security else (role,), commit=False)
        if security:
            user_service.grant_role(session, user, role, rule_set=version.rule_set.key)
        qualifications.grant(session, user, version.rule_set, version.major)
        users.append(user)
    session.commit()
    return users


def jsonl(rows) -> bytes:
    """Return rows as JSONL bytes."""
    import json

    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def quality_items(n: int, *, start: int = 1) -> list[dict]:
    """Return `n` instruction–response items for the response-quality rule set."""
    return [{"id": f"qa-{i}", "instruction": f"What is {i} plus {i}?",
             "response": f"{i} plus {i} is {2 * i}."} for i in range(start, start + n)]
