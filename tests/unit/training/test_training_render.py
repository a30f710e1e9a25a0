"""Lessons render to safe HTML: Markdown formatting passes, raw HTML and scripts never do."""

from __future__ import annotations

import pytest

from training_modules import MODULES_DIR, load_module, module_names, render_lesson


def test_markdown_formatting_renders():
    html = render_lesson("# Title\n\n**bold** and *em*\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n\n- item")
    assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert '<th style="text-align:left">a</th>' in html and "<li>item</li>" in html


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="https://example.org" onclick="steal()">x</a>',
        "<iframe src='https://example.org'></iframe>",
        "<style>body{display:none}</style>",
    ],
)
def test_raw_html_is_shown_as_text_never_as_markup(attack):
    html = render_lesson(f"Before\n\n{attack}\n\nAfter")
    tag = attack[1 : attack.index(" ") if " " in attack[:8] else attack.index(">")]
    assert f"<{tag}" not in html
    assert "&lt;" in html  # the author sees their mistake as text


def test_dangerous_link_schemes_are_not_linked():
    html = render_lesson(
        "[click](javascript:alert(1)) [data](data:text/html,x) [ok](https://a.example)"
    )
    assert 'href="javascript' not in html and 'href="data:' not in html
    assert '<a href="https://a.example" rel="noopener noreferrer nofollow">ok</a>' in html


def test_code_blocks_escape_their_content():
    html = render_lesson("```\n<b>not bold</b>\n```")
    assert "<pre><code>&lt;b&gt;not bold&lt;/b&gt;\n</code></pre>" in html


def test_chinese_text_is_not_mangled():
    text = "# 数据安全\n\n“引号”、全角标点：不得离开平台。"
    html = render_lesson(text)
    assert "<h1>数据安全</h1>" in html and "“引号”、全角标点：不得离开平台。" in html


def test_render_lesson_refuses_non_text():
    with pytest.raises(TypeError):
        render_lesson(b"# bytes")


@pytest.mark.parametrize("name", module_names(MODULES_DIR))
@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_every_shipped_lesson_renders_with_a_heading_and_no_raw_html(name, lang):
    lesson = load_module(name, lang=lang).lesson_markdown
    html = render_lesson(lesson)
    assert html.startswith("<h1>") and len(html) > 1500
    assert "&lt;" not in html  # no lesson relies on raw HTML
