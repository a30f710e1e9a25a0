"""Label Studio results map to the rule set's labels; review results become verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest
from label_studio_sdk.label_interface import LabelInterface

from labeling_rules import (
    SETS_DIR,
    ResultError,
    ReviewVerdict,
    Span,
    compile_review_config,
    load_rule_set,
    normalise_result,
    parse_review_result,
    render_review_label,
)

MINI = (Path(__file__).with_name("data") / "mini-functional.en.yaml").read_text(encoding="utf-8")
SPAN_CONTROL = """  - name: entities
    title: Names
    type: span_labels
    applies_to: response
    required: false
    labels:
      - value: person
        definition: The name of a person.
        examples:
          positive:
            - item: {instruction: "Who wrote it?", response: "Lu Xun wrote it."}
              span: Lu Xun
              note: A name.
          negative:
            - item: {instruction: "Who wrote it?", response: "A writer."}
              note: No name.
decision_procedure:
"""
SPAN_STEP = """  - id: names
    control: entities
    ask: Mark every person's name.
    outcomes:
      - when: A name appears.
        label: person
risky_content:
"""


def choice(name: str, *values: str, to_name: str = "response") -> dict:
    return {
        "from_name": name,
        "to_name": to_name,
        "type": "choices",
        "value": {"choices": list(values)},
    }


@pytest.fixture(scope="module")
def mini():
    return load_rule_set(MINI)


@pytest.fixture(scope="module")
def with_spans():
    text = MINI.replace("decision_procedure:\n", SPAN_CONTROL).replace(
        "risky_content:\n", SPAN_STEP
    )
    return load_rule_set(text)


@pytest.fixture(scope="module")
def safety():
    return load_rule_set(SETS_DIR / "content-safety.zh_CN.yaml")


def test_single_choice_gives_the_label_value(mini):
    assert normalise_result(mini, [choice("verdict_answer", "answers")]) == {
        "verdict_answer": "answers"
    }


def test_multiple_choice_keeps_chinese_values(safety):
    result = [choice("risks", "地域歧视", "侵害隐私权", to_name="content")]
    assert normalise_result(safety, result) == {"risks": ["地域歧视", "侵害隐私权"]}


def test_spans_carry_offsets_text_and_label(with_spans):
    span = {
        "from_name": "entities",
        "to_name": "response",
        "type": "labels",
        "value": {"start": 0, "end": 6, "text": "Lu Xun", "labels": ["person"]},
    }
    answers = normalise_result(with_spans, [choice("verdict_answer", "answers"), span, span])
    assert answers["entities"] == [Span(0, 6, "Lu Xun", "person")] * 2


@pytest.mark.parametrize(
    ("result", "code"),
    [
        ([choice("verdict_answer", "maybe")], "result_unknown_label"),
        ([choice("verdict_answer", "answers", "does_not_answer")], "result_too_many"),
        ([choice("tone", "warm")], "result_unknown_control"),
        ([], "result_missing_required"),
        ([{"from_name": "verdict_answer", "value": "answers"}], "result_malformed"),
        ("not a list", "result_not_list"),
    ],
)
def test_results_outside_the_rule_set_are_refused(mini, result, code):
    with pytest.raises(ResultError) as caught:
        normalise_result(mini, result)
    assert caught.value.code == code
    assert caught.value.message("zh_CN") != caught.value.message("en")


def test_rating_must_be_one_of_its_labels():
    quality = load_rule_set(SETS_DIR / "response-quality.en.yaml")
    region = {"from_name": "overall", "to_name": "response", "type": "rating"}
    with pytest.raises(ResultError):
        normalise_result(quality, [{**region, "value": {"rating": 0}}])
    with pytest.raises(ResultError):
        normalise_result(quality, [{**region, "value": {"rating": "4"}}])


def test_review_result_gives_verdict_corrections_defects_and_flag(mini):
    result = [
        choice("verdict", "incorrect", to_name="review_label"),
        choice("corrected_verdict_answer", "does_not_answer"),
        choice("defects", "D01", to_name="review_label"),
        choice("illegal_content", "illegal", to_name="review_label"),
    ]
    assert parse_review_result(mini, result) == ReviewVerdict(
        correct=False,
        corrected={"verdict_answer": "does_not_answer"},
        defect_codes=("D01",),
        illegal_content=True,
    )


def test_review_results_use_the_aliases_label_studio_stores(safety):
    review = LabelInterface(compile_review_config(safety))
    stored = [choice("verdict", "correct", to_name="review_label")]
    # Label Studio stores a choice's alias, not its (Chinese) display text.
    assert review.validate_annotation({"result": stored})
    assert not review.validate_annotation(
        {"result": [choice("verdict", "正确", to_name="review_label")]}
    )
    verdict = parse_review_result(safety, stored)
    assert verdict.correct and verdict.defect_codes == () and not verdict.illegal_content
    assert parse_review_result(safety, [choice("verdict", "正确", to_name="review_label")]).correct
    with pytest.raises(ResultError):
        parse_review_result(safety, [choice("defects", "Z99", to_name="review_label")])
    with pytest.raises(ResultError) as caught:
        parse_review_result(safety, [choice("defects", "S01", to_name="review_label")])
    assert caught.value.code == "review_no_verdict"


def test_review_label_text_shows_every_answer(with_spans):
    answers = {"verdict_answer": "answers", "entities": [Span(0, 6, "Lu Xun", "person")]}
    text = render_review_label(with_spans, answers)
    assert text == "Does the response answer?: answers\nNames: [0-6] Lu Xun → person"
