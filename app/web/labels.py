"""Translated names of domain values shown to people."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLE_NAMES = {
    "admin": _l("Administrator"),
    "rule_author": _l("Rule author"),
    "qa_lead": _l("QA lead"),
    "supervisor": _l("Supervisor"),
    "reviewer": _l("Reviewer"),
    "arbitrator": _l("Arbitrator"),
    "annotator": _l("Annotator"),
    "auditor": _l("Auditor"),
}

MODALITY_NAMES = {
    "text": _l("Text"),
    "image": _l("Image"),
    "audio": _l("Audio"),
    "video": _l("Video"),
    "multimodal": _l("Multimodal"),
}

SOURCE_TYPE_NAMES = {
    "collected": _l("Collected by us"),
    "licensed": _l("Licensed from a third party"),
    "user_provided": _l("Provided by users"),
    "synthetic": _l("Synthetic"),
    "open_source": _l("Open-source"),
    "other": _l("Other"),
}

STATE_NAMES = {
    "imported": _l("imported"),
    "annotating": _l("annotating"),
    "verifying": _l("verifying"),
    "accepted": _l("accepted"),
    "rejected": _l("rejected"),
    "void": _l("void"),
    "released": _l("released"),
}

KIND_NAMES = {
    "functional": _l("functional"),
    "security": _l("security"),
}

# Why a record does not count (codes of workflow.Quarantine), with what each names.
QUARANTINE_REASONS = {
    "unknown_user": _l("made by Label Studio account %(ls_user_id)s, which belongs to nobody "
                       "here"),
    "deactivated": _l("%(email)s was deactivated when it was made"),
    "not_assigned": _l("%(email)s was not given this unit"),
    "worked_on_batch": _l("%(email)s worked on this batch and may not verify it (V3)"),
    "not_qualified": _l("%(email)s held no qualification in force for %(rule_set)s major "
                        "version %(major)s"),
    "result_invalid": _l("the result does not fit %(rule_version)s: %(detail)s"),
}


# The same reasons named without who or what, for counts grouped by reason.
QUARANTINE_NAMES = {
    "unknown_user": _l("made by an account that belongs to nobody here"),
    "deactivated": _l("made by someone deactivated at the time"),
    "not_assigned": _l("made by someone not given the unit"),
    "worked_on_batch": _l("a verdict by someone who worked on the batch (V3)"),
    "not_qualified": _l("made without a qualification in force"),
    "result_invalid": _l("a result that does not fit the rules"),
}


def quarantine_name(code: str | None) -> str:
    """Return the name of a quarantine reason (or the stored text of an old one)."""
    return str(QUARANTINE_NAMES.get(code or "", code or ""))


def quarantine_text(code: str | None, params: dict | None = None) -> str:
    """Return why a record is quarantined, in the reader's language.

    Reasons stored before they became codes (English prose) are shown as they are.
    """
    if not code:
        return ""
    template = QUARANTINE_REASONS.get(code)
    if template is None:
        return code
    values = {"ls_user_id": "?", "email": "?", "rule_set": "?", "major": "?",
              "rule_version": "?", "detail": ""}
    values.update({k: v for k, v in (params or {}).items() if v is not None})
    return str(template) % values
