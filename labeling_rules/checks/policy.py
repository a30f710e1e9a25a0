"""Checks that depend on the rule set's kind (R2, R4, R5, V2) and on its quality policy."""

from __future__ import annotations

import math
import re
from typing import Any

from labeling_rules.checks.structure import LABELLED_TYPES
from labeling_rules.messages import LANGUAGES
from labeling_rules.report import Reporter
from labeling_rules.risks import load_risks, risks_by_code
from labeling_rules.source import DocPath

# ISO 2859-1 preferred AQL values (percent nonconforming) up to the schema's limit of 10.
PREFERRED_AQL = (
    0.010,
    0.015,
    0.025,
    0.040,
    0.065,
    0.10,
    0.15,
    0.25,
    0.40,
    0.65,
    1.0,
    1.5,
    2.5,
    4.0,
    6.5,
    10.0,
)
# Below this, chance-corrected agreement is at best "moderate" (Landis & Koch 1977), and
# Krippendorff (2004, p. 241) accepts only alpha >= 0.667 even for tentative conclusions.
AGREEMENT_FLOOR = 0.6
TASK_CONTROLS = {
    "classification": ("single_choice", "multiple_choice"),
    "rating": ("rating",),
    "span_labeling": ("span_labels",),
    "correction": ("text_correction",),
}
_LANG_SUFFIX = re.compile(r"\.(?P<lang>[A-Za-z_]+)\.ya?ml$")


def check_policy(data: dict[str, Any], report: Reporter, file_name: str | None) -> None:
    """Check kind-specific sections, sampling and agreement policy, checklist, task type."""
    if data["kind"] == "functional":
        _check_functional(data, report)
    else:
        _check_security(data, report)
    _check_quality(data["quality"], report)
    _check_checklist(data, report)
    _check_task_type(data, report)
    if file_name:
        _check_file_language(data, report, file_name)


def _labels(data: dict[str, Any]):
    for c_index, control in enumerate(data["controls"]):
        for l_index, label in enumerate(control.get("labels") or []):
            yield ("controls", c_index, "labels", l_index), control, label


def _check_functional(data: dict[str, Any], report: Reporter) -> None:
    if "risky_content" not in data:
        report.add("E234", ("kind",))
    if "risk_scope" in data:
        report.add("E235", ("risk_scope",), at="key", what="risk_scope")
    for path, _control, label in _labels(data):
        if "risks" in label:
            report.add("E235", (*path, "risks"), at="key", what=f"risks ({label['value']})")


def _check_security(data: dict[str, Any], report: Reporter) -> None:
    if "safe_response_guidance" not in data:
        report.add("E237", ("kind",))
    kind = data["quality"]["sampling"]["kind"]
    if kind != "full_review":
        report.add("E225", ("quality", "sampling", "kind"), kind=kind)
    covered = _check_risk_map(data, report)
    out_of_scope = _check_out_of_scope(data, report, covered)
    for risk in load_risks():
        if risk.code not in covered and risk.code not in out_of_scope:
            report.add("E231", ("controls",), at="key", risk=risk.code, name=risk.name(report.lang))


def _check_risk_map(data: dict[str, Any], report: Reporter) -> set[str]:
    known = risks_by_code()
    covered: set[str] = set()
    mapped_controls: set[str] = set()
    for path, control, label in _labels(data):
        if "risks" not in label:
            report.add("E236", (*path, "value"), at="key", label=label["value"])
            continue
        for index, code in enumerate(label["risks"]):
            if code not in known:
                report.add("E230", (*path, "risks", index), risk=code)
            else:
                covered.add(code)
                mapped_controls.add(control["name"])
    for index, control in enumerate(data["controls"]):
        unmapped = control["name"] not in mapped_controls
        if control["type"] in LABELLED_TYPES and control.get("labels") and unmapped:
            report.add("E238", ("controls", index, "name"), control=control["name"])
    return covered


def _check_out_of_scope(data: dict[str, Any], report: Reporter, covered: set[str]) -> set[str]:
    known = risks_by_code()
    declared: set[str] = set()
    entries = (data.get("risk_scope") or {}).get("out_of_scope") or []
    for index, entry in enumerate(entries):
        path: DocPath = ("risk_scope", "out_of_scope", index, "risk")
        code = entry["risk"]
        if code not in known:
            report.add("E230", path, risk=code)
        elif code in covered:
            report.add("E233", path, risk=code)
        else:
            declared.add(code)
            report.add(
                "W232", path, risk=code, name=known[code].name(report.lang), reason=entry["reason"]
            )
    return declared


def _check_quality(quality: dict[str, Any], report: Reporter) -> None:
    sampling = quality["sampling"]
    base = ("quality", "sampling")
    if sampling["kind"] == "exact" and sampling["aql"] >= sampling["ltpd"]:
        report.add("E221", (*base, "aql"), aql=sampling["aql"], ltpd=sampling["ltpd"])
    if sampling["kind"] == "sprt" and sampling["p0"] >= sampling["p1"]:
        report.add("E222", (*base, "p0"), p0=sampling["p0"], p1=sampling["p1"])
    if sampling["kind"] in ("aql", "exact"):
        aql = sampling["aql"]
        if not any(math.isclose(aql, value, rel_tol=1e-9) for value in PREFERRED_AQL):
            report.add(
                "W223",
                (*base, "aql"),
                aql=aql,
                preferred=", ".join(f"{v:g}" for v in PREFERRED_AQL),
            )
    threshold = quality["agreement"]["threshold"]
    if threshold < AGREEMENT_FLOOR:
        report.add(
            "W224",
            ("quality", "agreement", "threshold"),
            threshold=threshold,
            floor=AGREEMENT_FLOOR,
        )
    if quality["overlap"]["fraction"] == 0:
        report.add(
            "W241",
            ("quality", "overlap", "fraction"),
            coefficient=quality["agreement"]["coefficient"],
        )


def _check_checklist(data: dict[str, Any], report: Reporter) -> None:
    first: dict[str, DocPath] = {}
    for index, check in enumerate(data["verification"]["checklist"]):
        path = ("verification", "checklist", index, "code")
        if check["code"] in first:
            report.add(
                "E229", path, defect=check["code"], first_line=report.line_of(first[check["code"]])
            )
        else:
            first[check["code"]] = path


def _check_task_type(data: dict[str, Any], report: Reporter) -> None:
    needs = TASK_CONTROLS[data["task_type"]]
    if not any(control["type"] in needs for control in data["controls"]):
        report.add("E227", ("task_type",), task_type=data["task_type"], needs=" / ".join(needs))


def _check_file_language(data: dict[str, Any], report: Reporter, file_name: str) -> None:
    match = _LANG_SUFFIX.search(file_name)
    if match and match["lang"] in LANGUAGES and match["lang"] != data["language"]:
        report.add("W239", ("language",), suffix=match["lang"], language=data["language"])
