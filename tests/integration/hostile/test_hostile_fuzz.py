"""Fuzzing with hypothesis: webhook payloads, batch-import rows and rule files never cause a
500 or an unexpected exception, and what is refused writes nothing."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.models import Annotation, AuditEvent, Batch, Item, RuleVersion
from app.services import audit, batches, datasets
from app.services.errors import ServiceError
from app.services.label_studio import webhook_secret
from app.services.rule_versions import rule_set_of
from labeling_rules import SETS_DIR, lint_text
from tests.factories import make_user
from tests.fakes.fake_label_studio import FakeLabelStudio
from tests.integration.faults.fault_data import made_in_label_studio, pushed_batch, pushed_to

pytestmark = pytest.mark.integration
FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
ACTIONS = st.sampled_from(
    [
        "ANNOTATION_CREATED",
        "ANNOTATION_UPDATED",
        "ANNOTATIONS_DELETED",
        "TASKS_CREATED",
        "",
        "annotation_created",
    ]
)


def _mutate(body: dict, path: list[str], value) -> dict:
    """Return a copy of `body` with the value at `path` replaced (or removed for ...)."""
    changed = copy.deepcopy(body)
    node = changed
    for key in path[:-1]:
        node = node.setdefault(key, {}) if isinstance(node, dict) else node
        if not isinstance(node, dict):
            return changed
    if value is Ellipsis:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return changed


PATHS = st.sampled_from(
    [
        ["action"],
        ["project"],
        ["project", "id"],
        ["annotation"],
        ["annotation", "id"],
        ["annotation", "task"],
        ["annotation", "completed_by"],
        ["annotation", "result"],
        ["annotation", "lead_time"],
        ["annotation", "created_at"],
        ["annotation", "updated_at"],
        ["annotation", "was_cancelled"],
        ["task"],
        ["task", "data"],
        ["annotations"],
    ]
)


def _as_label_studio_holds(session, fake) -> bool:
    """Tell whether every stored annotation is what Label Studio holds (nothing forged)."""
    held = {a["id"]: a for a in fake.state.annotations.values()}
    rows = session.scalars(select(Annotation)).all()
    return all(r.ls_annotation_id in held and r.result_raw == held[r.ls_annotation_id]["result"]
               and r.ls_user_id == held[r.ls_annotation_id]["completed_by"] for r in rows)


def _counts(session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count(Annotation.id))),
        session.scalar(select(func.count(AuditEvent.id))),
    )


@pytest.fixture
def hook(app, session):
    """A batch pushed to the in-memory Label Studio, an annotation made there, the body its
    webhook sends, and a poster with the right secret."""
    fake = FakeLabelStudio()
    app.config["LABEL_STUDIO_GATEWAY"] = fake
    batch, version = pushed_to(app, session, fake, 3)
    _made, valid = made_in_label_studio(fake, batch, batch.items[0], rule_set_of(version))
    client = app.test_client()
    secret, url = webhook_secret(batch.id, app), f"/webhooks/label-studio/{batch.id}"

    def post(raw: bytes):
        return client.post(
            url,
            data=raw,
            headers={"X-Labelgate-Secret": secret, "Content-Type": "application/json"},
        )

    return valid, post, fake


@FUZZ
@given(
    body=json_values
    | st.dictionaries(
        st.sampled_from(["action", "annotation", "task", "project", "annotations"]),
        json_values,
        max_size=5,
    )
)
def test_webhook_payloads_of_any_shape_never_fail_or_write_partly(session, hook, body):
    _valid, post, fake = hook
    before = _counts(session)
    answer = post(json.dumps(body).encode())
    assert answer.status_code in (200, 400), answer.get_data(as_text=True)[:300]
    after = _counts(session)
    if answer.status_code == 400:
        assert after == before
    else:  # stored whole (a row and its audit event) or not at all
        assert after[0] - before[0] == after[1] - before[1] in (0, 1)
    assert _as_label_studio_holds(session, fake)


@FUZZ
@given(
    path=PATHS,
    value=json_values | st.just(Ellipsis),
    action=ACTIONS,
    raw_noise=st.binary(max_size=40),
)
def test_mutated_label_studio_bodies_never_fail_or_write_partly(
    session, hook, path, value, action, raw_noise
):
    valid, post, fake = hook
    body = _mutate(_mutate(valid, ["action"], action), path, value)
    before = _counts(session)
    answer = post(json.dumps(body).encode())
    assert answer.status_code in (200, 400), answer.get_data(as_text=True)[:300]
    after = _counts(session)
    assert after[0] - before[0] == after[1] - before[1] in (0, 1)
    assert post(raw_noise).status_code in (200, 400)  # not even JSON
    assert _counts(session) == after
    assert _as_label_studio_holds(session, fake)  # whatever the body said
    assert audit.verify_chain(session).ok


cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10**12),
    st.floats(),
    st.text(max_size=40),
    st.lists(st.integers(), max_size=3),
)
rows = st.lists(
    st.dictionaries(
        st.sampled_from(["id", "instruction", "response", "context", "extra", ""]),
        cells,
        max_size=5,
    ),
    min_size=0,
    max_size=6,
)


def _import_raw(session, raw: bytes, source: str) -> None:
    try:
        batches.import_batch(
            session, raw, source=source, dataset_name="prompts", rule_set_key="response-quality"
        )
    except ServiceError:
        session.rollback()
    else:
        session.rollback()  # accepted: nothing to keep; the point is it did not fail


@FUZZ
@given(data=rows, as_csv=st.booleans(), garbage=st.binary(max_size=60))
def test_batch_import_rows_are_accepted_whole_or_refused_with_nothing_written(
    app, session, data, as_csv, garbage
):
    if session.scalar(select(func.count(RuleVersion.id))) == 0:
        pushed_batch(session, 1, name="seed")
        datasets.register_dataset(session, name="prompts2", modality="text", source_type="licensed")
    before = (
        session.scalar(select(func.count(Batch.id))),
        session.scalar(select(func.count(Item.id))),
    )
    if as_csv:
        keys = sorted({k for row in data for k in row}) or ["id"]
        lines = [",".join(json.dumps(k) for k in keys)]
        lines += [",".join(json.dumps(str(row.get(k, ""))) for k in keys) for row in data]
        raw, source = ("\n".join(lines) + "\n").encode(), "items.csv"
    else:
        raw = b"".join(json.dumps(row).encode() + b"\n" for row in data)
        source = "items.jsonl"
    with app.app_context():
        _import_raw(session, raw, source)
        _import_raw(session, garbage, source)
    assert (
        session.scalar(select(func.count(Batch.id))),
        session.scalar(select(func.count(Item.id))),
    ) == before


SHIPPED = (SETS_DIR / "response-quality.en.yaml").read_text(encoding="utf-8").splitlines()


@st.composite
def rule_files(draw) -> str:
    """A shipped rule file with lines dropped, duplicated, replaced or cut short."""
    lines = list(SHIPPED)
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["drop", "dup", "replace", "cut", "indent"]))
        if how == "drop":
            del lines[where]
        elif how == "dup":
            lines.insert(where, lines[where])
        elif how == "replace":
            lines[where] = draw(st.text(max_size=40))
        elif how == "cut":
            lines[where] = lines[where][: draw(st.integers(0, len(lines[where])))]
        else:
            lines[where] = "  " * draw(st.integers(1, 3)) + lines[where]
    return "\n".join(lines) + "\n"


@FUZZ
@given(text=rule_files() | st.text(max_size=300))
def test_rule_files_lint_and_publish_without_failing_or_writing_when_refused(app, session, text):
    from app.services.rules import publishing

    findings = lint_text(text, source_name="fuzz.yaml", lang="en")
    assert all(f.code and f.message for f in findings)
    author = session.scalar(select(func.count(RuleVersion.id)))
    user = make_user(session, roles=("rule_author",))
    before = session.scalar(select(func.count(RuleVersion.id)))
    with app.app_context():
        try:
            publishing.publish(session, text.encode(), author=user, source_name="fuzz.yaml")
        except ServiceError:
            session.rollback()
            assert session.scalar(select(func.count(RuleVersion.id))) == before
        else:
            session.rollback()
    assert author == before
