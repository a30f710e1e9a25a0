"""Checks on the decision procedure: known controls, labels and steps; every label reachable."""

from __future__ import annotations

from collections import deque
from typing import Any

from labeling_rules.checks.structure import LABELLED_TYPES
from labeling_rules.report import Reporter

END = "end"


def step_targets(steps: list[dict[str, Any]], index: int) -> list[str]:
    """Return the ids of the steps that may follow step `index` ('end' stops)."""
    step = steps[index]
    default = step.get("next") or (steps[index + 1]["id"] if index + 1 < len(steps) else END)
    return [outcome.get("then") or default for outcome in step["outcomes"]]


def check_procedure(data: dict[str, Any], report: Reporter) -> None:
    """Check that steps name defined controls, labels and steps, and reach every label."""
    steps = data["decision_procedure"]
    controls = {}
    for control in data["controls"]:
        controls.setdefault(control["name"], control)
    ids: dict[str, int] = {}
    for index, step in enumerate(steps):
        path = ("decision_procedure", index, "id")
        if step["id"] in ids:
            first_line = report.line_of(("decision_procedure", ids[step["id"]], "id"))
            report.add("E210", path, step=step["id"], first_line=first_line)
        else:
            ids[step["id"]] = index
    for index, step in enumerate(steps):
        _check_step(index, step, controls, ids, report)
    reachable = _reachable(steps, ids)
    for index, step in enumerate(steps):
        # A duplicate id is unreachable by construction and already reported as E210.
        if index not in reachable and ids[step["id"]] == index:
            report.add("W209", ("decision_procedure", index, "id"), step=step["id"])
    _check_every_label_reached(data, steps, reachable, report)


def _check_step(
    index: int,
    step: dict[str, Any],
    controls: dict[str, dict[str, Any]],
    ids: dict[str, int],
    report: Reporter,
) -> None:
    path = ("decision_procedure", index)
    control = controls.get(step["control"])
    if control is None:
        report.add(
            "E206",
            (*path, "control"),
            step=step["id"],
            control=step["control"],
            allowed=", ".join(controls),
        )
    target = step.get("next")
    if target is not None and target != END and target not in ids:
        report.add("E207", (*path, "next"), step=step["id"], target=target, allowed=", ".join(ids))
    values = [str(label["value"]) for label in (control or {}).get("labels") or []]
    for o_index, outcome in enumerate(step["outcomes"]):
        o_path = (*path, "outcomes", o_index)
        label, then = outcome.get("label"), outcome.get("then")
        labelled = control is not None and control["type"] in LABELLED_TYPES
        if label is None and then is None and labelled:
            report.add("E240", o_path, step=step["id"])
        if label is not None and control is not None and str(label) not in values:
            report.add(
                "E205",
                (*o_path, "label"),
                step=step["id"],
                label=label,
                control=control["name"],
                allowed=", ".join(values) or "-",
            )
        if then is not None and then != END and then not in ids:
            report.add(
                "E207", (*o_path, "then"), step=step["id"], target=then, allowed=", ".join(ids)
            )


def _reachable(steps: list[dict[str, Any]], ids: dict[str, int]) -> set[int]:
    seen = {0}
    queue = deque([0])
    while queue:
        index = queue.popleft()
        for target in step_targets(steps, index):
            following = ids.get(target)
            if following is not None and following not in seen:
                seen.add(following)
                queue.append(following)
    return seen


def _check_every_label_reached(
    data: dict[str, Any], steps: list[dict[str, Any]], reachable: set[int], report: Reporter
) -> None:
    chosen = {
        (steps[index]["control"], str(outcome["label"]))
        for index in reachable
        for outcome in steps[index]["outcomes"]
        if outcome.get("label") is not None
    }
    for c_index, control in enumerate(data["controls"]):
        if control["type"] not in LABELLED_TYPES:
            continue
        for l_index, label in enumerate(control.get("labels") or []):
            if (control["name"], str(label["value"])) not in chosen:
                path = ("controls", c_index, "labels", l_index, "value")
                report.add("E208", path, at="key", control=control["name"], label=label["value"])
