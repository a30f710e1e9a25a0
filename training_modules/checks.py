"""Structural checks of module files: module.yaml, quiz.<lang>.yaml and practice files."""

from __future__ import annotations

from typing import Any

from labeling_rules.source import DocPath
from training_modules.model import Option, PracticeItem, Question
from training_modules.source import FileReport
from training_modules.topics import TOPIC_IDS

_TYPES: dict[str, tuple[type, ...]] = {
    "text": (str,),
    "id": (str, int),
    "list": (list,),
    "mapping": (dict,),
    "number": (int, float),
}
_WORD_OF_KIND = {"id": "text"}


def check_keys(
    report: FileReport,
    node: Any,
    path: DocPath,
    required: dict[str, str],
    optional: dict[str, str] | None = None,
) -> bool:
    """Report missing, unknown, mistyped and empty keys of a mapping; True when all are sound."""
    optional = optional or {}
    if not isinstance(node, dict):
        report.add(
            "T012",
            path,
            where=report.where(path),
            expected=report.type_word({}),
            found=report.type_word(node),
        )
        return False
    sound = True
    for key in required:
        if key not in node:
            report.add("T010", path, at="key", where=report.where(path), key=key)
            sound = False
    kinds = {**required, **optional}
    for key, value in node.items():
        if key not in kinds and value is None and " " in key:
            # `{id: a, text: Yes, but ...}`: an unquoted comma cut the text into a new key.
            report.add("T014", (*path, key), at="key", key=key)
            sound = sound and key not in required
        elif key not in kinds:
            report.add(
                "T011",
                (*path, key),
                at="key",
                key=key,
                where=report.where(path),
                allowed=", ".join(kinds),
            )
            sound = sound and key not in required
        elif not _fits(kinds[key], value, report, (*path, key)):
            sound = False
    return sound


def _fits(kind: str, value: Any, report: FileReport, path: DocPath) -> bool:
    if isinstance(value, bool) or not isinstance(value, _TYPES[kind]):
        expected = report.type_word(
            {"text": "", "list": [], "mapping": {}, "number": 0.5}[_WORD_OF_KIND.get(kind, kind)]
        )
        report.add(
            "T012", path, where=report.where(path), expected=expected, found=report.type_word(value)
        )
        return False
    if isinstance(value, str) and not value.strip():
        report.add("T013", path, where=report.where(path))
        return False
    return True


def check_topics(report: FileReport, topics: list[Any], path: DocPath) -> tuple[str, ...]:
    """Report topics outside the vocabulary; return the known ones."""
    known = []
    for index, topic in enumerate(topics):
        if topic in TOPIC_IDS:
            known.append(topic)
        else:
            report.add("T112", (*path, index), topic=topic, allowed=", ".join(TOPIC_IDS))
    return tuple(known)


def check_meta(report: FileReport, data: Any) -> dict[str, Any] | None:
    """Check module.yaml; return {title: {lang: text}, topics, pass_mark} or None."""
    if not check_keys(
        report, data, (), {"title": "mapping", "topics": "list"}, {"pass_mark": "number"}
    ):
        return None
    if not check_keys(report, data["title"], ("title",), {"en": "text", "zh_CN": "text"}):
        return None
    if not data["topics"]:
        report.add("T013", ("topics",), where="topics")
        return None
    pass_mark = data.get("pass_mark")
    if pass_mark is not None and not 0 < pass_mark <= 1:
        report.add("T114", ("pass_mark",), value=pass_mark)
        return None
    topics = check_topics(report, data["topics"], ("topics",))
    return {"title": data["title"], "topics": topics, "pass_mark": pass_mark}


def check_quiz(report: FileReport, data: Any) -> tuple[Question, ...] | None:
    """Check a quiz file; return its sound questions, or None when its shape is wrong."""
    if not check_keys(report, data, (), {"questions": "list"}):
        return None
    if not data["questions"]:
        report.add("T013", ("questions",), where="questions")
        return None
    questions, first_line = [], {}
    for index, node in enumerate(data["questions"]):
        question = _question(report, node, ("questions", index))
        if question is None:
            continue
        if question.id in first_line:
            report.add(
                "T122",
                ("questions", index, "id"),
                question=question.id,
                first=first_line[question.id],
            )
            continue
        first_line[question.id] = report.line_of(("questions", index, "id"))
        questions.append(question)
    return tuple(questions)


def _question(report: FileReport, node: Any, path: DocPath) -> Question | None:
    required = {
        "id": "id",
        "text": "text",
        "options": "list",
        "explanation": "text",
        "topics": "list",
    }
    if not check_keys(report, node, path, required, {"correct": "list"}):
        return None
    qid = str(node["id"])
    options = _options(report, node["options"], (*path, "options"), qid)
    topics = check_topics(report, node["topics"], (*path, "topics"))
    correct = node.get("correct") or []
    if not correct:
        report.add(
            "T120",
            (*path, "correct") if "correct" in node else path,
            at="key" if "correct" in node else "value",
            question=qid,
        )
        return None
    option_ids = [o.id for o in options or ()]
    sound = options is not None and len(topics) == len(node["topics"]) and bool(topics)
    if not node["topics"]:
        report.add("T013", (*path, "topics"), where=report.where((*path, "topics")))
    for index, answer in enumerate(correct):
        if str(answer) not in option_ids and options is not None:
            report.add(
                "T121",
                (*path, "correct", index),
                option=answer,
                question=qid,
                options=", ".join(option_ids),
            )
            sound = False
    if not sound:
        return None
    ordered = tuple(dict.fromkeys(str(a) for a in correct))
    return Question(qid, node["text"], options, ordered, node["explanation"], topics)


def _options(
    report: FileReport, nodes: list[Any], path: DocPath, qid: str
) -> tuple[Option, ...] | None:
    options: list[Option] = []
    sound = True
    for index, node in enumerate(nodes):
        if not check_keys(report, node, (*path, index), {"id": "id", "text": "text"}):
            sound = False
            continue
        option = Option(str(node["id"]), node["text"])
        if any(o.id == option.id for o in options):
            report.add("T123", (*path, index, "id"), option=option.id, question=qid)
            sound = False
        options.append(option)
    if len(nodes) < 2:
        report.add("T124", path, question=qid, count=len(nodes))
        sound = False
    return tuple(options) if sound else None


def check_practice(report: FileReport, data: Any, rule_set_id: str) -> list[tuple[int, Any]]:
    """Check a practice file's shape; return (index, item node) of structurally sound items."""
    if not check_keys(report, data, (), {"rule_set": "text", "items": "list"}):
        return []
    if not data["items"]:
        report.add("T013", ("items",), where="items")
        return []
    if data["rule_set"] != rule_set_id:
        report.add("T135", ("rule_set",), found=data["rule_set"], expected=rule_set_id)
    sound, first_line = [], {}
    required = {"key": "id", "data": "mapping", "gold": "mapping", "explanation": "text"}
    for index, node in enumerate(data["items"]):
        path = ("items", index)
        if not check_keys(report, node, path, required):
            continue
        key = str(node["key"])
        if key in first_line:
            report.add("T134", (*path, "key"), item=key, first=first_line[key])
            continue
        first_line[key] = report.line_of((*path, "key"))
        sound.append((index, node))
    return sound


def practice_item(node: dict[str, Any]) -> PracticeItem:
    """Return the PracticeItem of a structurally sound item node (lists become tuples)."""
    gold = {
        control: tuple(value) if isinstance(value, list) else value
        for control, value in node["gold"].items()
    }
    return PracticeItem(str(node["key"]), dict(node["data"]), gold, node["explanation"])
