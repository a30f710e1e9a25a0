"""The assessor's check (B §9.3): every counted annotation had a valid pass record when it
was made; a clean run lists none without one, a seeded run exactly the planted ones."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import Annotation, Item, Qualification, utcnow
from app.services import batches, datasets, qualification_review
from tests.factories import (
    jsonl,
    make_active_version,
    make_qualified_annotators,
    make_user,
    quality_items,
)


def _annotate(session, batch, version, user, items, when, first_id):
    for n, item in enumerate(items):
        session.add(Annotation(
            ls_annotation_id=first_id + n, ls_task_id=first_id + n, item_id=item.id,
            batch_id=batch.id, rule_version_id=version.id, user_id=user.id, result_raw=[],
            result={}, source="sync", ls_created_at=when, ls_updated_at=when))
    session.commit()


def _setup(session):
    datasets.register_dataset(session, name="prompts", modality="text", source_type="licensed")
    version = make_active_version(session)
    qualified = make_qualified_annotators(session, version, 2)
    batch = batches.import_batch(session, jsonl(quality_items(12)), source="x.jsonl",
                                 dataset_name="prompts", rule_set_key="response-quality")
    session.commit()
    items = session.scalars(select(Item).where(Item.batch_id == batch.id).order_by(Item.id)).all()
    return version, qualified, batch, items


def test_a_clean_run_has_no_annotation_without_a_pass(app, session):
    version, (a, b), batch, items = _setup(session)
    now = utcnow()
    _annotate(session, batch, version, a, items[:6], now, 1)
    _annotate(session, batch, version, b, items[6:], now, 100)
    with app.app_context():
        rows = qualification_review.assessor_report(session)
        assert qualification_review.unqualified_annotations(session) == []
    assert {(r.email, r.annotations, r.without_pass) for r in rows} == {
        (a.email, 6, 0), (b.email, 6, 0)}
    result = app.test_cli_runner().invoke(args=["training", "assessor-report"])
    assert result.exit_code == 0, result.output


def test_a_seeded_run_lists_exactly_the_planted_annotations(app, session):
    version, (a, b), batch, items = _setup(session)
    now = utcnow()
    stranger = make_user(session, email="never-trained@example.test", roles=("annotator",))
    _annotate(session, batch, version, a, items[:4], now, 1)
    # Planted: two by someone never qualified; one by b from before b's pass was granted.
    _annotate(session, batch, version, stranger, items[4:6], now, 200)
    granted = session.scalar(select(Qualification.granted_at).where(
        Qualification.user_id == b.id))
    _annotate(session, batch, version, b, items[6:7], granted - timedelta(days=2), 300)
    _annotate(session, batch, version, b, items[7:9], now, 400)
    with app.app_context():
        planted = qualification_review.unqualified_annotations(session)
        rows = {r.email: r for r in qualification_review.assessor_report(session)}
    assert sorted(x.ls_annotation_id for x in planted) == [200, 201, 300]
    assert (rows[stranger.email].without_pass, rows[b.email].without_pass,
            rows[a.email].without_pass) == (2, 1, 0)
    result = app.test_cli_runner().invoke(args=["training", "assessor-report"])
    assert result.exit_code == 1 and "3 annotation(s) made without a valid pass" in result.output
