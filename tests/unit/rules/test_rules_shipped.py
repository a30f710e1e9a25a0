"""The shipped rule sets lint clean, load, and compile to configs Label Studio accepts."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from label_studio_sdk.label_interface import LabelInterface

from labeling_rules import (
    REVIEW_LABEL_KEY,
    ResultError,
    compile_instructions,
    compile_label_config,
    compile_review_config,
    lint_paths,
    load_rule_set,
    normalise_result,
    shipped_rule_set_paths,
)

SHIPPED = shipped_rule_set_paths()
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_two_rule_sets_ship_in_two_languages():
    names = sorted(p.name for p in SHIPPED)
    assert names == [
        "content-safety.en.yaml",
        "content-safety.zh_CN.yaml",
        "response-quality.en.yaml",
        "response-quality.zh_CN.yaml",
    ]
    sets = [load_rule_set(p) for p in SHIPPED]
    assert sorted(s.id for s in sets) == [
        "content-safety",
        "content-safety-zh",
        "response-quality",
        "response-quality-zh",
    ]
    assert Counter(s.kind for s in sets) == {"functional": 2, "security": 2}
    for rule_set, path in zip(sets, SHIPPED, strict=True):
        assert path.name.endswith(f".{rule_set.language}.yaml")


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_shipped_sets_lint_clean_without_warnings(lang: str):
    assert lint_paths(SHIPPED, lang=lang) == []


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_compiled_configs_pass_label_interface(path: Path):
    rule_set = load_rule_set(path)
    for xml in (compile_label_config(rule_set), compile_review_config(rule_set)):
        interface = LabelInterface(xml)
        interface.validate()  # raises on an invalid config
        assert not re.search(r"\\u[0-9a-f]{4}|&#\d+;", xml.replace("&#10;", ""))
    config = LabelInterface(compile_label_config(rule_set))
    assert sorted(config.controls, key=lambda c: c.name) and {c.name for c in config.controls} == {
        c.name for c in rule_set.controls
    }
    review = LabelInterface(compile_review_config(rule_set))
    assert REVIEW_LABEL_KEY in {o.name for o in review.objects}


def full_result(rule_set) -> tuple[list[dict], dict]:
    """Return a Label Studio result answering every control, and its expected normal form."""
    result, expected = [], {}
    for control in rule_set.controls:
        region = {"from_name": control.name, "to_name": control.applies_to}
        if control.type == "rating":
            region |= {"type": "rating", "value": {"rating": len(control.labels)}}
            expected[control.name] = len(control.labels)
        elif control.type == "text_correction":
            region |= {"type": "textarea", "value": {"text": ["修改后的回答", "second line"]}}
            expected[control.name] = "修改后的回答\nsecond line"
        else:
            chosen = [
                str(v) for v in control.values[: 2 if control.type == "multiple_choice" else 1]
            ]
            region |= {"type": "choices", "value": {"choices": chosen}}
            expected[control.name] = chosen if control.type == "multiple_choice" else chosen[0]
        result.append(region)
    return result, expected


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_results_label_studio_accepts_normalise_to_the_rule_labels(path: Path):
    rule_set = load_rule_set(path)
    interface = LabelInterface(compile_label_config(rule_set))
    result, expected = full_result(rule_set)
    assert interface.validate_annotation({"result": result})
    assert normalise_result(rule_set, result) == expected
    result[0]["value"] = {"choices": ["not a label"]}
    assert not interface.validate_annotation({"result": result})
    with pytest.raises(ResultError):
        normalise_result(rule_set, result)


def test_chinese_sets_keep_chinese_text_unescaped():
    for path in SHIPPED:
        rule_set = load_rule_set(path)
        if rule_set.language != "zh_CN":
            continue
        xml = compile_label_config(rule_set)
        html = compile_instructions(rule_set)
        first_label = str(rule_set.controls[0].labels[0].value)
        assert CJK.search(first_label)
        assert f'value="{first_label}"' in xml
        assert first_label in html
        assert rule_set.title in html
        assert "\\u" not in xml + html


def test_security_sets_cover_all_31_risks_and_review_everything():
    for path in SHIPPED:
        rule_set = load_rule_set(path)
        if rule_set.kind == "security":
            assert len(rule_set.risk_map) == 31
            assert rule_set.out_of_scope == {}
            assert rule_set.sampling.kind == "full_review"


def test_functional_sets_rate_the_gbt_45674_dimensions():
    rule_set = load_rule_set(SHIPPED[2])
    assert rule_set.id == "response-quality"
    names = {c.name for c in rule_set.controls}
    assert {"accuracy", "usefulness", "timeliness", "logic", "readability"} <= names
    assert rule_set.control("overall").values == (1, 2, 3, 4, 5)
    assert rule_set.sampling.kind == "aql" and rule_set.sampling.aql == 2.5
