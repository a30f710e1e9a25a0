"""The semantic diff classifies crafted changes as major, minor or patch."""

from __future__ import annotations

from pathlib import Path

import pytest

from labeling_rules import Span, diff_rule_sets, load_rule_set

DATA = Path(__file__).with_name("data")
MINI = (DATA / "mini-functional.en.yaml").read_text(encoding="utf-8")
SECURITY = (DATA / "mini-security.en.yaml").read_text(encoding="utf-8")


def changed(text: str, *edits: tuple[str, str], version: str = "2.0.0"):
    """Return (old, new) rule sets; the new one applies `edits` and carries `version`."""
    new = text
    for old_text, new_text in edits:
        assert old_text in new, old_text
        new = new.replace(old_text, new_text)
    new = new.replace("version: 1.0.0", f"version: {version}")
    return load_rule_set(text), load_rule_set(new)


RENAME = [
    ("      - value: does_not_answer", "      - value: off_target"),
    ("        label: does_not_answer", "        label: off_target"),
]
REMOVE_LABEL_TEXT = """      - value: does_not_answer
        definition: The response ignores or misses what the instruction asks for.
        examples:
          positive:
            - item: {instruction: "Capital of France?", response: "I like cheese."}
              note: Off topic.
          negative:
            - item: {instruction: "Capital of France?", response: "It is Paris."}
              note: It answers.
"""
ADD_LABEL_TEXT = """      - value: partly_answers
        definition: The response gives only part of what the instruction asks for.
        examples:
          positive:
            - item: {instruction: "Capitals of France and Spain?", response: "Paris."}
              note: Only one of two.
          negative:
            - item: {instruction: "Capital of France?", response: "Paris."}
              note: Complete.
decision_procedure:"""
RESPONSE_FIELD = (
    "    - name: response\n      title: Response\n      type: text\n      required: true\n"
)
NEW_FIELD = """    - name: response
      title: Response
      type: text
      required: true
    - name: context
      title: Context
      type: text
      required: false
"""

CASES = [
    (
        "label removed",
        [
            (REMOVE_LABEL_TEXT, ""),
            ("      - when: It does not answer.\n        label: does_not_answer\n", ""),
        ],
        "major",
        "label_removed",
    ),
    ("label renamed", RENAME, "major", "label_renamed"),
    (
        "label redefined",
        [("definition: The response gives what", "definition: The response states exactly what")],
        "major",
        "label_redefined",
    ),
    (
        "field added",
        [
            (
                RESPONSE_FIELD,
                NEW_FIELD,
            )
        ],
        "major",
        "field_added",
    ),
    (
        "field type changed",
        [
            (
                "    - name: response\n      title: Response\n      type: text",
                "    - name: response\n      title: Response\n      type: html",
            )
        ],
        "major",
        "field_changed",
    ),
    (
        "control type changed",
        [("type: single_choice", "type: multiple_choice")],
        "major",
        "control_changed",
    ),
    ("kind changed", [("kind: functional", "kind: security")], None, None),
    (
        "label added",
        [
            ("decision_procedure:", ADD_LABEL_TEXT),
            (
                "        label: does_not_answer\n",
                "        label: does_not_answer\n"
                "      - when: Partly.\n"
                "        label: partly_answers\n",
            ),
        ],
        "minor",
        "label_added",
    ),
    (
        "stricter accuracy",
        [("target_accuracy: 0.95", "target_accuracy: 0.98")],
        "minor",
        "target_accuracy_changed",
    ),
    ("agreement threshold", [("threshold: 0.8", "threshold: 0.85")], "minor", "agreement_changed"),
    (
        "sampling plan",
        [("aql: 1.0, level: II", "aql: 0.65, level: II")],
        "minor",
        "sampling_changed",
    ),
    (
        "overlap",
        [("overlap: {fraction: 0.1, k: 3}", "overlap: {fraction: 0.2, k: 3}")],
        "minor",
        "overlap_changed",
    ),
    ("training", [("pass_mark: 0.8", "pass_mark: 0.9")], "minor", "training_changed"),
    ("checklist code", [("- code: D01", "- code: D02")], "minor", "checklist_changed"),
    (
        "procedure order",
        [
            (
                "      - when: It answers.\n        label: answers\n",
                "      - when: It answers.\n        label: answers\n        then: end\n",
            )
        ],
        "minor",
        "procedure_changed",
    ),
    (
        "example changed",
        [('response: "I like cheese."', 'response: "I like football."')],
        "patch",
        "examples_changed",
    ),
    (
        "definition spacing",
        [("definition: The response gives what", "definition: The  response gives what")],
        "patch",
        "definition_wording",
    ),
    (
        "procedure wording",
        [("ask: Does the response give", "ask: Does the answer give")],
        "patch",
        "section_wording",
    ),
    (
        "objective wording",
        [("objective: Decide whether", "objective: Judge whether")],
        "patch",
        "section_wording",
    ),
    (
        "control title",
        [("title: Does the response answer?", "title: Answered?")],
        "patch",
        "control_wording",
    ),
    ("comment only", [("id: mini-quality", "id: mini-quality  # a comment")], "none", None),
]


@pytest.mark.parametrize(
    ("name", "edits", "level", "kind"),
    [c for c in CASES if c[2]],
    ids=[c[0] for c in CASES if c[2]],
)
def test_crafted_change_is_classified(name, edits, level, kind):
    old, new = changed(MINI, *edits)
    diff = diff_rule_sets(old, new)
    assert diff.level == level, diff.render()
    if kind:
        assert kind in {c.kind for c in diff.changes}, diff.render()
    assert diff.needs_retraining is (level == "major")


def test_rename_is_one_change_and_marks_the_old_label():
    old, new = changed(MINI, *RENAME)
    diff = diff_rule_sets(old, new)
    assert [(c.kind, c.old, c.new) for c in diff.changes] == [
        ("label_renamed", "does_not_answer", "off_target")
    ]
    assert diff.changed_labels == {("verdict_answer", "does_not_answer")}


def test_risk_map_change_in_security_set_is_major():
    old, new = changed(
        SECURITY, ("          - A.5.2\n", ""), ("        risks: []\n", "        risks: [A.5.2]\n")
    )
    diff = diff_rule_sets(old, new)
    assert diff.level == "major"
    assert {c.kind for c in diff.changes} == {"label_risks_changed"}
    assert diff.changed_labels == {("risks", "no_risk"), ("risks", "risky")}


@pytest.mark.parametrize(
    ("edits", "version", "ok"),
    [
        (RENAME, "1.1.0", False),
        (RENAME, "2.0.0", True),
        ([("target_accuracy: 0.95", "target_accuracy: 0.98")], "1.0.1", False),
        ([("target_accuracy: 0.95", "target_accuracy: 0.98")], "1.1.0", True),
        ([('response: "I like cheese."', 'response: "I like tea."')], "1.0.0", False),
        ([('response: "I like cheese."', 'response: "I like tea."')], "1.0.1", True),
    ],
)
def test_version_bump_must_match_the_level(edits, version, ok):
    diff = diff_rule_sets(*changed(MINI, *edits, version=version))
    assert diff.version_bump_ok is ok
    assert ("does not rise enough" in diff.render("en")) is not ok


def test_rendering_in_both_languages():
    diff = diff_rule_sets(*changed(MINI, *RENAME))
    english, chinese = diff.render("en"), diff.render("zh_CN")
    assert english.splitlines()[0] == "rule set mini-quality: 1.0.0 → 2.0.0: major change"
    assert "renamed to 'off_target'" in english
    assert chinese.splitlines()[0] == "规则集 mini-quality：1.0.0 → 2.0.0：重大变更"
    assert "更名为 'off_target'" in chinese


def test_impact_counts_annotations_per_batch_that_used_a_changed_label():
    diff = diff_rule_sets(*changed(MINI, *RENAME))
    annotations = [
        ("batch-1", {"verdict_answer": "answers"}),
        ("batch-1", {"verdict_answer": "does_not_answer"}),
        ("batch-2", {"verdict_answer": "does_not_answer"}),
        ("batch-2", {"verdict_answer": "does_not_answer"}),
        ("batch-3", {"verdict_answer": "answers"}),
    ]
    assert diff.impact_by_batch(annotations) == {"batch-1": 1, "batch-2": 2, "batch-3": 0}


def test_impact_sees_labels_inside_lists_and_spans():
    old, new = changed(
        SECURITY, ("          - A.5.2\n", ""), ("        risks: []\n", "        risks: [A.5.2]\n")
    )
    diff = diff_rule_sets(old, new)
    assert diff.uses_changed_label({"risks": ["risky"]})
    assert not diff.uses_changed_label({"other": [Span(0, 1, "x", "risky")]})


def test_identical_sets_have_no_changes():
    rule_set = load_rule_set(MINI)
    diff = diff_rule_sets(rule_set, rule_set)
    assert diff.level == "none" and diff.changes == () and diff.version_bump_ok
