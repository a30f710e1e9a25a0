"""`labelgate rules`: every command answers in words and exit codes, never a traceback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Annotation, Batch, Dataset, Item, RuleVersion, utcnow
from app.services import rules
from tests.integration.rules.conftest import KEY, MAJOR, MINOR, SHIPPED, actions, variant


@pytest.fixture
def cli(app, monkeypatch):
    """Run `labelgate ...` in English against the test database."""
    monkeypatch.setenv("LABELGATE_CLI_LANG", "en")
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(args=list(args))

    return run


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_lint_exits_0_on_clean_files_and_1_on_errors(cli, tmp_path):
    assert cli("rules", "lint", str(SHIPPED)).exit_code == 0
    bad = _write(
        tmp_path, "bad.yaml", variant("1.0.0").replace("task_type: rating", "task_type: guessing")
    )
    result = cli("rules", "lint", str(SHIPPED), bad)
    assert result.exit_code == 1
    line = next(ln for ln in result.output.splitlines() if ln.startswith(bad))
    path, row, column, _rest = line.split(":", 3)
    assert int(row) > 0 and int(column) > 0 and "error[" in line
    assert "1 error(s)" in result.output


def test_lint_speaks_chinese_when_asked(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("LABELGATE_CLI_LANG", "zh_CN")
    bad = _write(
        tmp_path, "bad.yaml", variant("1.0.0").replace("task_type: rating", "task_type: guessing")
    )
    result = cli("rules", "lint", bad)
    assert result.exit_code == 1 and "个错误" in result.output


def test_the_whole_lifecycle_from_the_command_line(cli, app, session, people, tmp_path):
    first = cli("rules", "publish", str(SHIPPED), "--author", "author@example.test")
    assert first.exit_code == 0, first.output
    assert f"Published {KEY}@1.0.0 as a draft" in first.output
    again = cli("rules", "publish", str(SHIPPED))
    assert again.exit_code == 0 and "nothing changed" in again.output
    refused = cli("rules", "approve", f"{KEY}@1.0.0", "--as", "author@example.test")
    assert refused.exit_code == 1 and "Only a QA lead" in refused.output
    assert "Traceback" not in refused.output
    approved = cli("rules", "approve", f"{KEY}@1.0.0", "--as", "qa@example.test")
    assert approved.exit_code == 0, approved.output
    assert cli("rules", "activate", f"{KEY}@1.0.0").exit_code == 0
    listing = cli("rules", "list")
    assert f"{KEY}\tfunctional\ten\tactive: 1.0.0, newest: 1.0.0" in listing.output
    shown = cli("rules", "show", f"{KEY}@1.0.0")
    assert "Approved by: qa@example.test" in shown.output and "Status: in force" in shown.output
    assert cli("rules", "compile", KEY).output.startswith("<View")
    review = cli("rules", "compile", f"{KEY}@1.0.0", "--review")
    assert 'name="verdict"' in review.output
    retired = cli("rules", "retire", f"{KEY}@1.0.0", "--reason", "end of task")
    assert retired.exit_code == 0 and "is retired" in retired.output
    # The no-op publish and the refused approval wrote nothing.
    assert actions(session)[-5:] == [
        "rules.create_set",
        "rules.publish",
        "rules.approve",
        "rules.activate",
        "rules.retire",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("approve", "nope@1.0.0", "--as", "qa@example.test"), "No rule set has the id"),
        (("activate", f"{KEY}@9.9.9"), "has no version 9.9.9"),
        (("activate", KEY), "Name a version as SET@VERSION"),
        (("compile", KEY), "has no active version"),
        (("retire", f"{KEY}@1.0.0"), "only the active version can be retired"),
        (("activate", f"{KEY}@1.0.0"), "a QA lead must approve it"),
        (("diff", KEY, "1.0.0", "3.0.0"), "has no version 3.0.0"),
    ],
)
def test_refusals_exit_1_with_a_sentence(cli, session, people, args, message):
    assert cli("rules", "publish", str(SHIPPED)).exit_code == 0
    result = cli("rules", *args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_publishing_a_broken_file_prints_the_findings(cli, tmp_path, session):
    bad = _write(
        tmp_path, "bad.yaml", variant("1.0.0").replace("task_type: rating", "task_type: guessing")
    )
    result = cli("rules", "publish", bad)
    assert result.exit_code == 1
    assert "nothing was published" in result.output and f"{bad}:" in result.output
    assert session.scalar(select(RuleVersion.id)) is None


def test_diff_prints_the_changes_and_their_level(cli, tmp_path):
    cli("rules", "publish", str(SHIPPED))
    cli("rules", "publish", _write(tmp_path, "v110.yaml", variant("1.1.0", MINOR)))
    cli("rules", "publish", _write(tmp_path, "v200.yaml", variant("2.0.0", MAJOR)))
    minor = cli("rules", "diff", KEY, "1.0.0", "1.1.0")
    assert minor.exit_code == 0
    assert "minor change" in minor.output and "target accuracy 0.95 → 0.96" in minor.output
    major = cli("rules", "diff", KEY, "1.1.0", "2.0.0")
    assert "major change" in major.output
    assert "label 'does_not_follow' of control 'instruction_following' redefined" in major.output


def _batch(session, version_id: int, name: str) -> Batch:
    dataset = session.scalar(select(Dataset).where(Dataset.name == "prompts"))
    if dataset is None:
        dataset = Dataset(name="prompts", modality="text", source_type="licensed")
        session.add(dataset)
        session.flush()
    batch = Batch(name=name, dataset_id=dataset.id, rule_version_id=version_id, kind="functional")
    session.add(batch)
    session.flush()
    return batch


_ids = iter(range(1, 10_000))


def _annotate(session, batch: Batch, follows: str, **flags) -> None:
    n = next(_ids)
    item = Item(
        batch_id=batch.id,
        dataset_id=batch.dataset_id,
        external_id=f"i{n}",
        source_line=n,
        data={"instruction": "x", "response": "y"},
    )
    session.add(item)
    session.flush()
    session.add(
        Annotation(
            ls_annotation_id=n,
            ls_task_id=n,
            item_id=item.id,
            batch_id=batch.id,
            rule_version_id=batch.rule_version_id,
            result_raw=[],
            source="webhook",
            result={"risk_flag": "no_risk_noticed", "instruction_following": follows},
            ls_created_at=utcnow() - timedelta(minutes=1),
            **flags,
        )
    )


def test_impact_counts_per_batch_the_annotations_using_a_changed_label(cli, app, session, tmp_path):
    cli("rules", "publish", str(SHIPPED))
    cli("rules", "publish", _write(tmp_path, "v200.yaml", variant("2.0.0", MAJOR)))
    with app.app_context():
        v1 = rules.get_version(session, KEY, "1.0.0")
    north, south, empty = (_batch(session, v1.id, n) for n in ("north", "south", "empty"))
    for follows in ("does_not_follow", "does_not_follow", "follows"):
        _annotate(session, north, follows)
    _annotate(session, south, "partly_follows")
    _annotate(session, south, "does_not_follow", quarantined=True)  # counts for nothing
    _annotate(session, south, "does_not_follow", was_cancelled=True)
    session.commit()
    with app.app_context():
        report = rules.impact(session, KEY, "1.0.0", "2.0.0")
    counts = {b.batch_name: (b.annotations, b.affected) for b in report.batches}
    assert counts == {"empty": (0, 0), "north": (3, 2), "south": (1, 0)}
    assert report.affected == 2
    result = cli("rules", "impact", KEY, "1.0.0", "2.0.0")
    assert result.exit_code == 0
    assert "north: 2 of 3 annotation(s) used a changed label." in result.output
    assert "In all: 2 annotation(s) affected." in result.output
