"""Compile a rule set to the HTML instructions annotators read inside Label Studio."""

from __future__ import annotations

from html import escape
from typing import Any

from labeling_rules.checks.procedure import END
from labeling_rules.messages import ui
from labeling_rules.model import Control, Example, RuleSet, Step
from labeling_rules.risks import risks_by_code


def compile_instructions(rule_set: RuleSet) -> str:
    """Return the annotator instructions as HTML; every rule-author text is escaped."""
    lang = rule_set.language
    parts = [
        f'<div class="labelgate-rules" lang="{_lang_attr(lang)}">',
        f"<h2>{escape(rule_set.title)}</h2>",
        f"<p><small>{escape(ui('version', lang, id=rule_set.id, version=rule_set.version))}"
        "</small></p>",
        _section(ui("objective", lang), f"<p>{escape(rule_set.objective)}</p>"),
        _section(ui("data_format", lang), _fields(rule_set)),
        _section(ui("controls", lang), "".join(_control(rule_set, c) for c in rule_set.controls)),
        _section(ui("procedure", lang), _procedure(rule_set)),
    ]
    raw = rule_set.raw
    if "risky_content" in raw:
        parts.append(_section(ui("risky_content", lang), _risky_content(rule_set)))
    if "safe_response_guidance" in raw:
        parts.append(_section(ui("safe_guidance", lang), _safe_guidance(raw, lang)))
    spotting = "".join(
        f"<li>{escape(e['sign'])} — {escape(e['check'])}</li>" for e in raw["error_spotting"]
    )
    parts.append(_section(ui("error_spotting", lang), f"<ul>{spotting}</ul>"))
    parts.append(_section(ui("verification", lang), _verification(rule_set)))
    parts.append(_section(ui("incident", lang), _incident(raw, lang)))
    parts.append("</div>")
    return "\n".join(parts)


def _lang_attr(lang: str) -> str:
    return "zh-CN" if lang == "zh_CN" else "en"


def _section(title: str, body: str) -> str:
    return f"<h3>{escape(title)}</h3>\n{body}"


def _fields(rule_set: RuleSet) -> str:
    lang = rule_set.language
    rows = []
    for data_field in rule_set.fields:
        need = ui("required" if data_field.required else "optional", lang)
        text = f"<b>{escape(data_field.title)}</b> (<code>{escape(data_field.name)}</code>, {need})"
        if data_field.description:
            text += f" — {escape(data_field.description)}"
        rows.append(f"<li>{text}</li>")
    return f"<ul>{''.join(rows)}</ul>"


def _control(rule_set: RuleSet, control: Control) -> str:
    lang = rule_set.language
    body = [f"<h4>{escape(control.title)}</h4>"]
    if control.description:
        body.append(f"<p>{escape(control.description)}</p>")
    entries = []
    for label in control.labels:
        entry = [
            f"<dt><b>{escape(str(label.value))}</b></dt><dd>",
            f"<p>{escape(ui('definition', lang))}: {escape(label.definition)}</p>",
        ]
        if label.risks:
            names = risks_by_code()
            risks = "; ".join(f"{code} {names[code].name(lang)}" for code in label.risks)
            entry.append(f"<p>{escape(ui('risks', lang))}: {escape(risks)}</p>")
        entry.append(_examples(rule_set, ui("positive", lang), label.positive))
        entry.append(_examples(rule_set, ui("negative", lang), label.negative))
        entries.append("".join(entry) + "</dd>")
    if entries:
        body.append(f"<dl>{''.join(entries)}</dl>")
    return "\n".join(body)


def _examples(rule_set: RuleSet, title: str, examples: tuple[Example, ...]) -> str:
    items = "".join(
        f"<li>{_item(rule_set, e.item, e.span)}<br><i>{escape(ui('why', rule_set.language))}:"
        f"</i> {escape(e.note)}</li>"
        for e in examples
    )
    return f"<p>{escape(title)}:</p><ul>{items}</ul>"


def _item(rule_set: RuleSet, item: dict[str, Any], span: str | None = None) -> str:
    titles = {data_field.name: data_field.title for data_field in rule_set.fields}
    lines = []
    for key, value in item.items():
        text = escape(str(value))
        if span:
            text = text.replace(escape(span), f"<mark>{escape(span)}</mark>", 1)
        lines.append(f"<b>{escape(titles.get(key, key))}</b>: {text}")
    return "<br>".join(lines)


def _procedure(rule_set: RuleSet) -> str:
    numbers = {step.id: n for n, step in enumerate(rule_set.decision_procedure, start=1)}
    return (
        "<ol>"
        + "".join(_step(rule_set, s, numbers) for s in rule_set.decision_procedure)
        + ("</ol>")
    )


def _step(rule_set: RuleSet, step: Step, numbers: dict[str, int]) -> str:
    lang = rule_set.language
    control = rule_set.control(step.control)
    outcomes = []
    for outcome in step.outcomes:
        text = escape(outcome.when)
        if outcome.label is not None:
            text += f" → {escape(ui('choose', lang))} <b>{escape(str(outcome.label))}</b>"
        if outcome.then == END:
            text += f"; {escape(ui('end', lang))}"
        elif outcome.then is not None:
            text += f"; {escape(ui('then_step', lang))} {numbers[outcome.then]}"
        outcomes.append(f"<li>{text}</li>")
    header = f"<b>{escape(control.title)}</b>: {escape(step.ask)}"
    return f'<li id="step-{escape(step.id)}">{header}<ul>{"".join(outcomes)}</ul></li>'


def _risky_content(rule_set: RuleSet) -> str:
    lang = rule_set.language
    section = rule_set.raw["risky_content"]
    signals = "".join(f"<li>{escape(s)}</li>" for s in section["signals"])
    examples = "".join(
        f"<li>{_item(rule_set, e['item'])}<br><i>{escape(ui('why', lang))}:</i> "
        f"{escape(e['note'])}</li>"
        for e in section["examples"]
    )
    return (
        f"<p>{escape(section['method'])}</p><p>{escape(ui('signals', lang))}:</p>"
        f"<ul>{signals}</ul><ul>{examples}</ul>"
        f"<p><b>{escape(ui('action', lang))}:</b> {escape(section['action'])}</p>"
    )


def _safe_guidance(raw: dict[str, Any], lang: str) -> str:
    section = raw["safe_response_guidance"]
    principles = "".join(f"<li>{escape(p)}</li>" for p in section["principles"])
    examples = []
    for example in section["examples"]:
        rows = [
            f"<b>{escape(ui(key, lang))}</b>: {escape(example[key])}"
            for key in ("prompt", "unsafe_response", "safe_response")
        ]
        if example.get("note"):
            rows.append(f"<i>{escape(ui('why', lang))}:</i> {escape(example['note'])}")
        examples.append(f"<li>{'<br>'.join(rows)}</li>")
    return f"<ul>{principles}</ul><ul>{''.join(examples)}</ul>"


def _verification(rule_set: RuleSet) -> str:
    checks = "".join(
        f"<li><code>{escape(item.code)}</code> {escape(item.check)} "
        f"({escape(ui('severity_' + item.severity, rule_set.language))})</li>"
        for item in rule_set.checklist
    )
    return f"<p>{escape(rule_set.raw['verification']['method'])}</p><ul>{checks}</ul>"


def _incident(raw: dict[str, Any], lang: str) -> str:
    section = raw["incident_response"]
    triggers = "".join(f"<li>{escape(t)}</li>" for t in section["triggers"])
    steps = "".join(f"<li>{escape(s)}</li>" for s in section["steps"])
    notify = "".join(
        f"<li><code>{escape(n['role'])}</code> "
        f"{escape(ui('within_hours', lang, hours=n['within_hours']))}</li>"
        for n in section["notify"]
    )
    return f"<ul>{triggers}</ul><ol>{steps}</ol><ul>{notify}</ul>"
