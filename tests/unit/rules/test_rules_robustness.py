"""Any edit of a valid rule file gives findings, never an exception (no traceback)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from labeling_rules import RuleFileError, content_hash, lint_text, load_rule_set

DATA = Path(__file__).with_name("data")
SOURCES = [
    (DATA / "mini-functional.en.yaml").read_text(encoding="utf-8"),
    (DATA / "mini-security.en.yaml").read_text(encoding="utf-8"),
]
PIECES = [
    "",
    " ",
    "\t",
    ":",
    ": ",
    "-",
    "- ",
    "[",
    "]",
    "{",
    "}",
    '"',
    "'",
    "&a",
    "*a",
    "#",
    "null",
    "1",
    "1.5",
    "true",
    "\n",
    "  ",
    "A.9.9",
    "风险",
    "\x00",
    ".nan",
    "-.inf",
    "? ",
    "\ufeff",
]


@st.composite
def edited(draw) -> str:
    """Return a shipped-style rule file with a few random line-level edits."""
    lines = draw(st.sampled_from(SOURCES)).split("\n")
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "swap", "indent"]))
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "insert":
            column = draw(st.integers(0, len(lines[index])))
            piece = draw(st.sampled_from(PIECES))
            lines[index] = lines[index][:column] + piece + lines[index][column:]
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        else:
            lines[index] = "  " + lines[index]
        if not lines:
            lines = [""]
    return "\n".join(lines)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited(), st.sampled_from(["en", "zh_CN"]))
def test_edits_give_findings_never_exceptions(text: str, lang: str):
    findings = lint_text(text, source_name="fuzz.yaml", lang=lang)
    last_line = text.count("\n") + 2
    for finding in findings:
        assert 1 <= finding.line <= last_line
        assert finding.column >= 1
        assert finding.message
    try:
        load_rule_set(text)
    except RuleFileError as error:
        assert any(f.is_error for f in error.findings)
    else:
        assert not any(f.is_error for f in findings)
    try:
        assert len(content_hash(text)) == 64
    except RuleFileError as error:
        assert error.findings[0].code.startswith("E00")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
@example(b"=")  # a YAML value-tag scalar: once a KeyError and a position of None
def test_arbitrary_bytes_give_findings_never_exceptions(raw: bytes):
    for finding in lint_text(raw, source_name="bytes.yaml"):
        assert finding.line >= 1
