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
