"""The linter never raises: arbitrary bytes and arbitrary YAML shapes become findings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labeling_rules import SETS_DIR
from training_modules import MODULES_DIR, lint_module, lint_modules

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
)
keys = st.sampled_from(
    [
        "id",
        "text",
        "options",
        "correct",
        "topics",
        "explanation",
        "questions",
        "key",
        "data",
        "gold",
        "items",
        "rule_set",
        "title",
        "en",
        "zh_CN",
        "x",
    ]
)
documents = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=6),
    max_leaves=25,
)  # fmt: skip


@pytest.fixture(scope="module")
def modules(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("robust") / "modules"
    shutil.copytree(MODULES_DIR, root)
    return root


@SETTINGS
@given(raw=st.binary(max_size=300))
def test_random_bytes_in_a_quiz_become_findings(modules: Path, raw: bytes):
    (modules / "platform-safe-use" / "quiz.en.yaml").write_bytes(raw)
    findings = lint_module(modules / "platform-safe-use")
    assert findings and any(f.is_error for f in findings)


@SETTINGS
@given(document=documents, name=st.sampled_from(["quiz.zh_CN.yaml", "module.yaml"]))
def test_any_yaml_shape_in_module_files_becomes_findings(modules: Path, document, name: str):
    path = modules / "data-security" / name
    original = path.read_bytes()
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    try:
        findings = lint_module(modules / "data-security", lang="zh_CN")
    finally:
        path.write_bytes(original)
    assert all(f.line >= 1 and f.message for f in findings)


@SETTINGS
@given(document=documents)
def test_any_yaml_shape_in_a_practice_file_becomes_findings(modules: Path, document):
    path = modules / "rules-content-safety" / "practice.content-safety.yaml"
    original = path.read_bytes()
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    try:
        findings = lint_modules(SETS_DIR / "content-safety.en.yaml", modules_dir=modules)
    finally:
        path.write_bytes(original)
    assert any(f.is_error for f in findings)
