"""The exam engine: reproducible shuffling from a seed, grading, per-topic and per-module scores."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from training_modules import (
    Module,
    Option,
    Question,
    TrainingError,
    build_exam,
    grade,
    load_module,
)


def question(qid: str, correct: tuple[str, ...], topics: tuple[str, ...]) -> Question:
    """Return a question with options a-d."""
    options = tuple(Option(o, f"option {o}") for o in "abcd")
    return Question(qid, f"Question {qid}?", options, correct, f"Because {qid}.", topics)


def module(name: str = "m", pass_mark: float | None = 0.8, n: int = 10) -> Module:
    """Return a module of `n` questions: odd ones test rules, even ones data_security."""
    questions = tuple(
        question(f"q{i:02d}", ("a", "c") if i == 3 else ("b",),
                 ("rules",) if i % 2 else ("data_security",))
        for i in range(1, n + 1)
    )  # fmt: skip
    return Module(name, "en", "Title", ("rules", "data_security"), "# Lesson", questions,
                  pass_mark, {}, f"hash-{name}", Path("."))  # fmt: skip


def right_answers(exam) -> dict[str, list[str]]:
    """Return the correct answers of every question on the paper."""
    return {q.id: list(q.correct) for q in exam.questions}


def test_same_seed_gives_the_same_paper_and_another_seed_another():
    first = build_exam(module(), seed=1234)
    again = build_exam(module(), seed=1234)
    other = build_exam(module(), seed=1235)
    assert first.paper() == again.paper()
    assert first.paper() != other.paper()
    order = [q.question_id for q in first.questions]
    assert sorted(order) == [f"q{i:02d}" for i in range(1, 11)]
    assert order != sorted(order)  # 10! orders: the seed really shuffles


def test_options_are_shuffled_per_question_but_keep_their_ids_and_answers():
    exam = build_exam(module(), seed="attempt-7")
    option_orders = {tuple(o.id for o in q.options) for q in exam.questions}
    assert len(option_orders) > 1
    for q in exam.questions:
        assert sorted(o.id for o in q.options) == ["a", "b", "c", "d"]
        assert all(o.text == f"option {o.id}" for o in q.options)


def test_paper_is_json_and_names_the_content_and_pass_mark():
    paper = build_exam([module("x"), module("y", pass_mark=0.9)], seed=5).paper()
    assert json.loads(json.dumps(paper)) == paper
    assert paper["modules"] == {
        "x": {"content_hash": "hash-x", "pass_mark": 0.8},
        "y": {"content_hash": "hash-y", "pass_mark": 0.9},
    }
    assert len(paper["questions"]) == 20
    assert {q["id"].split("/")[0] for q in paper["questions"]} == {"x", "y"}


def test_all_right_scores_one_and_passes():
    exam = build_exam(module(), seed=1)
    result = grade(exam, right_answers(exam))
    assert (result.score, result.correct, result.total, result.passed) == (1.0, 10, 10, True)
    assert all(o.correct and o.answered for o in result.questions)


def test_unanswered_questions_are_wrong():
    exam = build_exam(module(), seed=1)
    answers = dict(list(right_answers(exam).items())[:7])
    result = grade(exam, answers)
    assert (result.correct, result.total, result.score) == (7, 10, 0.7)
    assert not result.passed  # 0.7 < 0.8
    assert sum(not o.answered for o in result.questions) == 3


def test_pass_mark_is_inclusive():
    exam = build_exam(module(), seed=1)
    answers = dict(list(right_answers(exam).items())[:8])
    assert grade(exam, answers).passed  # exactly 8 of 10 at pass mark 0.8


def test_multiple_answer_question_needs_exactly_the_correct_set():
    exam = build_exam(module(), seed=9)
    multiple = next(q for q in exam.questions if q.multiple)
    assert grade(exam, {multiple.id: ["c", "a"]}).questions[exam.questions.index(multiple)].correct
    for wrong in (["a"], ["a", "b", "c"], ["b"]):
        outcome = grade(exam, {multiple.id: wrong}).questions[exam.questions.index(multiple)]
        assert not outcome.correct and outcome.chosen == tuple(wrong)


def test_scores_per_topic_and_per_exam_area():
    exam = build_exam(module(), seed=3)
    answers = {q.id: list(q.correct) for q in exam.questions if "rules" in q.topics}
    result = grade(exam, answers)
    assert (result.per_topic["rules"].correct, result.per_topic["rules"].total) == (5, 5)
    assert result.per_topic["data_security"].correct == 0
    assert result.per_topic["data_security"].score == 0.0
    areas = result.per_exam_area()
    assert areas["rule_understanding"].score == 1.0
    assert areas["data_security_ability"].score == 0.0
    assert "law" not in areas  # no legal_awareness question on this paper


def test_each_module_is_judged_against_its_own_pass_mark():
    exam = build_exam([module("easy", pass_mark=0.5), module("hard", pass_mark=1.0)], seed=2)
    answers = {q.id: list(q.correct) for q in exam.questions if q.module == "easy"}
    answers.update({q.id: list(q.correct) for q in exam.questions if q.module == "hard"})
    dropped = next(q.id for q in exam.questions if q.module == "hard")
    del answers[dropped]
    result = grade(exam, answers)
    assert result.per_module["easy"].passed is True
    assert result.per_module["hard"].passed is False  # 9/10 < 1.0
    assert result.passed is False


def test_bare_question_ids_work_when_unambiguous():
    exam = build_exam(module(), seed=4)
    q01 = next(q for q in exam.questions if q.question_id == "q01")
    assert grade(exam, {"q01": list(q01.correct)}).correct == 1
    two = build_exam([module("x"), module("y")], seed=4)
    with pytest.raises(TrainingError, match="q01"):
        grade(two, {"q01": ["b"]})


def test_unknown_question_or_option_raises_a_clear_value_error():
    exam = build_exam(module(), seed=1)
    with pytest.raises(ValueError, match="'m/q99', which is not on this exam paper"):
        grade(exam, {"m/q99": ["a"]})
    with pytest.raises(ValueError, match="names the option 'e', which it does not have"):
        grade(exam, {"m/q01": ["e"]})
    with pytest.raises(TrainingError) as error:
        grade(exam, {"m/q01": 3})
    assert "列表" in error.value.message("zh_CN")


def test_a_single_option_id_may_be_given_as_text():
    exam = build_exam(module(), seed=1)
    assert grade(exam, {"m/q01": "b"}).correct == 1


def test_module_without_pass_mark_needs_one_from_the_rule_set():
    with pytest.raises(TrainingError, match="modules_for"):
        build_exam(module(pass_mark=None), seed=1)
    exam = build_exam(module(pass_mark=None), seed=1, pass_mark=0.9)
    assert exam.pass_marks == {"m": 0.9}


def test_invalid_exam_inputs_are_refused():
    with pytest.raises(TrainingError, match="twice"):
        build_exam([module(), module()], seed=1)
    with pytest.raises(TrainingError, match="no questions"):
        build_exam(replace(module(), questions=()), seed=1)
    with pytest.raises(TrainingError, match="seed"):
        build_exam(module(), seed=1.5)
    with pytest.raises(TrainingError, match="pass_mark"):
        build_exam(module(pass_mark=None), seed=1, pass_mark=80)


def test_shipped_module_paper_in_chinese_keeps_its_text():
    chinese = load_module("legal-awareness", lang="zh_CN")
    exam = build_exam(chinese, seed=11, pass_mark=0.8)
    q01 = next(q for q in exam.questions if q.question_id == "q01")
    assert q01.text.startswith("《暂行办法》的哪一条")
    assert exam.lang == "zh_CN"
    result = grade(exam, right_answers(exam))
    assert result.passed and result.per_topic["legal_awareness"].score == 1.0
