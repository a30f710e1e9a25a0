"""Every message a person can read exists in English and Simplified Chinese."""

import string

import pytest

from qa.messages import CATALOGUE, LANGUAGES, default_language, message


def fields(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_both_languages_with_the_same_parameters(code):
    entry = CATALOGUE[code]
    assert set(LANGUAGES) <= set(entry)
    assert fields(entry["en"]) == fields(entry["zh_CN"])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in entry["zh_CN"])


def test_language_follows_lang_environment(monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert default_language() == "zh_CN"
    assert "为空" in message("empty", what="x")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert message("empty", what="x").startswith("x is empty")
    assert "为空" in message("empty", "zh_CN", what="x")
