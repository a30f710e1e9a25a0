"""Read a rule file safely: size and encoding guards, YAML with a position for every node."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

MAX_BYTES = 1_048_576
MAX_NODES = 200_000
MAX_DEPTH = 64

DocPath = tuple[str | int, ...]


class SourceProblem(Exception):
    """The file cannot be turned into a document; carries a message code and a position."""

    def __init__(self, code: str, line: int, column: int, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.line = line
        self.column = column
        self.params = params


@dataclass(frozen=True)
class Document:
    """A parsed rule file: its ruamel tree (for positions) and the same data as plain Python."""

    tree: Any
    data: Any
    locator: Locator = field(repr=False)


def decode(raw: bytes) -> str:
    """Return the UTF-8 text of `raw`, refusing oversized files and undecodable bytes."""
    if len(raw) > MAX_BYTES:
        raise SourceProblem("E001", 1, 1, size=len(raw), limit=MAX_BYTES)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        raise SourceProblem("E002", line, column, byte=f"0x{raw[exc.start]:02x}") from None


def parse(text: str) -> Document:
    """Parse YAML text into a Document; malformed YAML raises SourceProblem with its position."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise SourceProblem("E001", 1, 1, size=len(text.encode("utf-8")), limit=MAX_BYTES)
    yaml = YAML(typ="rt")
    try:
        with warnings.catch_warnings():
            # ruamel reports some oddities (reused anchors) as warnings; the linter judges
            # the resulting document itself, so they must not escape as exceptions.
            warnings.simplefilter("ignore")
            tree = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and "quoted scalar" in str(exc.context or ""):
            # An unclosed quote is noticed far below; the author must fix where it opens.
            mark = exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        duplicate = re.search(r'duplicate key "(.*?)"', problem)
        if duplicate:
            raise SourceProblem("E005", line, column, key=duplicate[1]) from None
        raise SourceProblem("E003", line, column, problem=problem or "invalid YAML") from None
    except (TypeError, ValueError, RecursionError) as exc:
        # ruamel fails outside its own error types on e.g. a list used as a mapping key.
        explicit_key = re.search(r"^[ \t]*\?[ \t]", text, re.MULTILINE)
        line = text.count("\n", 0, explicit_key.start()) + 1 if explicit_key else 1
        raise SourceProblem("E003", line, 1, problem=f"{type(exc).__name__}: {exc}") from None
    except YAMLError as exc:
        position = getattr(exc, "position", 0) or 0
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        raise SourceProblem("E003", line, column, problem=str(exc).splitlines()[0]) from None
    if tree is None:
        raise SourceProblem("E006", 1, 1)
    line, column = _start(tree)
    if not isinstance(tree, CommentedMap):
        raise SourceProblem("E004", line, column, found=type_name(tree))
    try:
        data = _to_plain(tree, 0, [0], set())
    except SourceProblem as problem:
        raise SourceProblem(problem.code, line, column, **problem.params) from None
    return Document(tree=tree, data=data, locator=Locator(tree))


def _start(tree: Any) -> tuple[int, int]:
    """Return where the document's top node starts (1, 1 for a bare scalar)."""
    lc = getattr(tree, "lc", None)
    return _one_based((lc.line, lc.col)) if lc is not None else (1, 1)


def _to_plain(node: Any, depth: int, count: list[int], active: set[int]) -> Any:
    """Convert ruamel nodes to plain dict/list/str/int/float/bool, guarding alias bombs."""
    count[0] += 1
    if count[0] > MAX_NODES or depth > MAX_DEPTH or id(node) in active:
        raise SourceProblem("E008", 1, 1, limit=MAX_NODES)
    if isinstance(node, dict | list):
        active.add(id(node))
        try:
            if isinstance(node, dict):
                return {str(k): _to_plain(v, depth + 1, count, active) for k, v in node.items()}
            return [_to_plain(v, depth + 1, count, active) for v in node]
        finally:
            active.discard(id(node))
    if isinstance(node, bool) or node is None:
        return node
    if type(node).__name__ == "ScalarBoolean":
        return bool(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def type_name(value: Any) -> str:
    """Return the YAML name of a plain value's type, as a rule author knows it."""
    if value is None:
        return "null"
    if isinstance(value, bool) or type(value).__name__ == "ScalarBoolean":
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return type(value).__name__


class Locator:
    """Find the 1-based line and column of any node of a ruamel tree by its document path."""

    def __init__(self, tree: CommentedMap) -> None:
        self._tree = tree

    def locate(self, path: DocPath, *, at: str = "value") -> tuple[int, int]:
        """Return (line, column) of the node at `path`, or of its deepest existing ancestor."""
        node: Any = self._tree
        best = _one_based((node.lc.line, node.lc.col))
        for depth, part in enumerate(path):
            last = depth == len(path) - 1
            if isinstance(node, CommentedMap) and isinstance(part, str) and part in node:
                key_pos = node.lc.key(part)
                value_pos = node.lc.value(part)
                best = _one_based(key_pos if (last and at == "key") else value_pos)
                if not last and not isinstance(node[part], CommentedMap | CommentedSeq):
                    best = _one_based(key_pos)
                node = node[part]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
                best = _one_based(node.lc.item(part))
                node = node[part]
            else:
                break
        return best


def _one_based(position: Any) -> tuple[int, int]:
    line, column = position[0], position[1]
    # ruamel leaves no position on some scalars (a bare "=" document): point at the start.
    return (0 if line is None else int(line)) + 1, (0 if column is None else int(column)) + 1
