"""Which tags the door's editor (Label Studio 1.23.2's own bundle) renders, checked in Chromium.

The generative-AI task types need pairwise preference, ranking (`<List>` + `<Ranker>`),
written responses (`<TextArea>`), spans (`<Labels>`) and multi-turn dialogues judged per
message. The editor is loaded exactly as the door loads it, from the workbench's own
address, and answers are taken from it as the door takes them. `<Chat>` is not part of the
open-source build (Label Studio's chat templates are marked enterprise): the test pins that,
so that an upgrade that brings it is noticed; on Community a dialogue is judged per message
with `<Paragraphs layout="dialogue">` and per-region controls.
"""

from __future__ import annotations

import json

import pytest

from app.integrations.label_studio_editor import locate

pytestmark = pytest.mark.browser

CASES = {
    "pairwise": (
        """<View><Text name="prompt" value="$prompt"/>
        <Pairwise name="preference" toName="answer_a,answer_b"/>
        <Text name="answer_a" value="$answer_a"/><Text name="answer_b" value="$answer_b"/>
        </View>""",
        {"prompt": "Say hi", "answer_a": "Hi!", "answer_b": "Hello there."},
        "Hello there.",
    ),
    "ranking": (
        """<View><Text name="prompt" value="$prompt"/>
        <List name="answers" value="$items" title="Responses"/>
        <Ranker name="rank" toName="answers"/></View>""",
        {"prompt": "Rank them", "items": [{"id": "a", "title": "A", "body": "First"},
                                          {"id": "b", "title": "B", "body": "Second"},
                                          {"id": "c", "title": "C", "body": "Third"}]},
        "Second",
    ),
    "written response": (
        """<View><Text name="prompt" value="$prompt"/>
        <TextArea name="answer" toName="prompt" rows="4" editable="true"/></View>""",
        {"prompt": "Write a haiku about rain."},
        "haiku",
    ),
    "spans": (
        """<View><Labels name="pii" toName="text"><Label value="Name"/><Label value="Phone"/>
        </Labels><Text name="text" value="$text"/></View>""",
        {"text": "Call Alice on 555-0100."},
        "555-0100",
    ),
    "dialogue per message": (
        """<View><Paragraphs name="dialogue" value="$messages" layout="dialogue"
        nameKey="role" textKey="content"/>
        <ParagraphLabels name="turn" toName="dialogue"><Label value="unsafe"/></ParagraphLabels>
        <Choices name="harm" toName="dialogue" perRegion="true"><Choice value="A.1.4"/>
        <Choice value="A.4.5"/></Choices></View>""",
        {"messages": [{"role": "user", "content": "How do I pick a lock?"},
                      {"role": "assistant", "content": "I can't help with that."}]},
        "pick a lock",
    ),
}

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="{base}/editor/{version}/main.css"></head>
<body><div id="editor" style="height:700px"></div>
<script>window.APP_SETTINGS = {settings};</script>
<script src="{base}/editor/{version}/runtime.js"></script>
<script src="{base}/static/door_loader.js" data-main-chunk="{main_chunk}"></script>
<script src="{base}/editor/{version}/vendor.js"></script>
<script src="{base}/editor/{version}/main.js"></script>
<script>
window.__errors = [];
window.addEventListener("error", function (e) {{ window.__errors.push(String(e.message)); }});
var origError = console.error;
console.error = function () {{
  window.__errors.push(Array.prototype.join.call(arguments, " "));
  origError.apply(console, arguments);
}};
self.webpackChunklabelstudio.push([["probe"], {{}}, function (require) {{
  Promise.all({chunks}.map(function (c) {{ return require.e(c); }})).then(function () {{
    require({entry});
    window.__ls = new window.LabelStudio("editor", {{
      config: {config}, interfaces: ["panel", "controls", "topbar", "submit", "side-column"],
      user: {{id: 1, firstName: "T"}}, task: {{id: 1, data: {data}, annotations: []}},
      onLabelStudioLoad: function (ls) {{
        var a = ls.annotationStore.addAnnotation({{userGenerate: true}});
        ls.annotationStore.selectAnnotation(a.id); window.__ls = ls; window.__ready = true;
      }}
    }});
  }});
}}]);
</script></body></html>"""


def _page(base: str, config: str, data: dict) -> str:
    bundle = locate()
    return PAGE.format(base=base, version=bundle.version, main_chunk=bundle.main_chunk,
                       settings=json.dumps(bundle.app_settings()), chunks=list(bundle.chunks),
                       entry=bundle.entry_module, config=json.dumps(config),
                       data=json.dumps(data))


@pytest.mark.parametrize("case", list(CASES))
def test_the_door_editor_renders_the_generative_ai_tags(case, live_server, page, tmp_path):
    config, data, shown = CASES[case]
    probe = tmp_path / "probe.html"
    probe.write_text(_page(live_server, config, data), encoding="utf-8")
    page.goto(probe.as_uri())
    page.wait_for_function("window.__ready === true", timeout=60_000)
    page.wait_for_function(f"document.getElementById('editor').innerText.includes({shown!r})",
                           timeout=30_000)
    errors = [e for e in page.evaluate("window.__errors") if "ConfigurationError" in e]
    assert errors == []
    assert page.evaluate("window.__ls.annotationStore.selected.serializeAnnotation()") == []


def test_chat_is_not_in_the_open_source_editor(live_server, page, tmp_path):
    config = '<View><Chat name="chat" value="$chat"/></View>'
    probe = tmp_path / "chat.html"
    probe.write_text(_page(live_server, config, {"chat": [{"role": "user", "content": "hi"}]}),
                     encoding="utf-8")
    page.goto(probe.as_uri())
    page.wait_for_function("window.__errors.some(e => e.includes('Not expecting tag: chat'))",
                           timeout=60_000)
