"""Compliance per requirement: each check reads what was recorded and says met, warning,
failing or not applicable, with its evidence page (the API the compliance report reuses)."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Annotation, Assignment, Dataset, Qualification, VerificationRecord
from app.services import compliance, users
from app.services.compliance import REQUIREMENTS, Scope, Status
from tests.factories import make_user
from tests.integration.dashboard.seed import seeded_run

IDS = [
    "R1",
    "R2",
    "R3",
    "R4",
    "R5",
    "R6",
    "R7",
    "P1",
    "P2",
    "P3",
    "P4",
    "P5",
    "P6",
    "P7",
    "P8",
    "P9",
    "L1",
    "L2",
    "V1",
    "V2",
    "V3",
    "V4",
    "V5",
    "V6",
    "V7",
    "E1",
]


def _by_id(app, session, scope=None) -> dict[str, compliance.RequirementStatus]:
    with app.app_context():
        return {s.id: s for s in compliance.check_all(session, scope)}


def test_every_requirement_has_one_check_with_names_in_both_languages(app, session):
    assert [r.id for r in REQUIREMENTS] == IDS
    statuses = _by_id(app, session)
    assert list(statuses) == IDS
    # Nothing recorded yet: nothing applies, except R2-style pairing needs rules first.
    assert {s.status for s in statuses.values()} == {Status.NOT_APPLICABLE}
    from flask_babel import force_locale

    with app.test_request_context():
        with force_locale("zh_CN"):
            chinese = [str(r.name) for r in REQUIREMENTS]
        with force_locale("en"):
            english = [str(r.name) for r in REQUIREMENTS]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in chinese)
    assert english[0].startswith("Rules state objective")


def test_a_seeded_run_meets_what_it_recorded_and_flags_what_it_lacks(app, session, tmp_path):
    seeded_run(app, session, tmp_path)
    s = _by_id(app, session)
    for rid in (
        "R1",
        "R3",
        "R4",
        "R6",
        "R7",
        "P1",
        "P2",
        "P5",
        "P7",
        "L1",
        "V1",
        "V3",
        "V4",
        "V6",
        "E1",
    ):
        assert s[rid].status == Status.MET, (rid, str(s[rid].summary))
    assert s["R2"].status == Status.WARNING  # only functional rules in force
    assert s["P6"].status == Status.WARNING and s["P6"].facts["flagged_annotators"]
    assert s["P8"].status == Status.FAILING  # decided, yet no supervisor spot-check
    assert s["V5"].status == Status.WARNING  # incorrect verdicts not yet sent for correction
    assert s["V2"].status == s["V7"].status == s["L2"].status == Status.NOT_APPLICABLE
    assert s["V1"].evidence.endpoint == "batches.index"
    assert s["P6"].evidence.endpoint == "dashboard.annotators_page"
    assert s["V6"].facts["records"] == s["V3"].facts["verdicts"] > 0


def test_work_without_a_pass_record_fails_p2_and_p3(app, session, tmp_path):
    run = seeded_run(app, session, tmp_path)
    first = run.world.annotators[0]
    for q in session.scalars(select(Qualification).where(Qualification.user_id == first.id)):
        q.granted_at = q.granted_at.replace(year=q.granted_at.year + 1)  # granted "later"
    session.commit()
    s = _by_id(app, session)
    assert s["P2"].status == Status.FAILING
    assert s["P2"].facts["annotators_without_pass"] == [first.email]


def test_a_verdict_from_an_annotator_of_the_batch_fails_p5_and_v3(app, session, tmp_path):
    run = seeded_run(app, session, tmp_path)
    record = session.scalars(select(VerificationRecord)).first()
    record.verifier_id = run.world.annotators[1].id
    session.commit()
    s = _by_id(app, session)
    assert s["P5"].status == s["V3"].status == Status.FAILING
    assert s["V3"].facts["from_batch_annotators"] == 1


def test_a_dataset_without_its_licence_fails_e1(app, session, tmp_path):
    seeded_run(app, session, tmp_path)
    session.scalar(select(Dataset)).licence = None
    session.commit()
    assert _by_id(app, session)["E1"].status == Status.FAILING


def test_a_deactivated_person_with_open_work_fails_p9(app, session, tmp_path):
    run = seeded_run(app, session, tmp_path)
    run.batch.state = "annotating"
    session.commit()
    users.deactivate_user(session, session.merge(run.world.annotators[0]))
    session.commit()
    s = _by_id(app, session)
    assert s["P9"].status == Status.FAILING and s["P9"].facts["with_open_assignments"] == 1


def test_an_annotation_under_another_rule_version_fails_r7(app, session, tmp_path):
    run = seeded_run(app, session, tmp_path)
    from tests.factories import make_active_version

    other = make_active_version(session, version="1.1.0")
    session.scalars(select(Annotation)).first().rule_version_id = other.id
    session.commit()
    assert _by_id(app, session)["R7"].status == Status.FAILING
    assert run.batch.rule_version_id != other.id


def test_scope_narrows_the_checks_to_one_dataset(app, session, tmp_path):
    seeded_run(app, session, tmp_path)
    other = Dataset(name="empty", modality="text", source_type="synthetic")
    session.add(other)
    session.commit()
    s = _by_id(app, session, Scope(dataset_id=other.id))
    assert s["V1"].status == s["R7"].status == s["E1"].status == Status.NOT_APPLICABLE
    assert compliance.check(session, "L1").status == Status.MET  # the trail is global


def test_people_without_assignments_leave_p4_warning(app, session, tmp_path):
    seeded_run(app, session, tmp_path)
    assert _by_id(app, session)["P4"].status == Status.WARNING  # no supervisor yet
    make_user(session, email="sup@example.test", roles=("supervisor",))
    assert session.scalar(select(Assignment)) is not None
    assert _by_id(app, session)["P4"].status == Status.MET
