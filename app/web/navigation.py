"""Navigation by role: an entry is shown only when its endpoint admits the user."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.web.access import ANONYMOUS, AUTHENTICATED

# (endpoint, label); labels are marked for extraction and translated when shown.
ENTRIES = (
    ("home.index", _l("Home")),
    ("dashboard.overview_page", _l("QA dashboard")),
    ("batches.my_work", _l("My work")),
    ("verification.my_reviews", _l("My reviews")),
    ("verification.arbitration_queue", _l("Arbitration")),
    ("verification.supervision_index", _l("Supervision")),
    ("training.index", _l("Training")),
    ("datasets.index", _l("Datasets")),
    ("batches.index", _l("Batches")),
    ("batches.quarantine", _l("Quarantine")),
    ("deliveries.index", _l("Failed deliveries")),
    ("training.qualifications", _l("Qualifications")),
    ("training.records", _l("Training records")),
    ("rules.index", _l("Labeling rules")),
    ("admin.users", _l("Users")),
    ("audit.events", _l("Audit trail")),
    ("reports.index", _l("Compliance reports")),
    ("home.account", _l("My account")),
)


def entries_for(user) -> list[tuple[str, str]]:
    """Return the entries whose views admit `user`."""
    shown = []
    for endpoint, label in ENTRIES:
        view = current_app.view_functions.get(endpoint)
        roles = getattr(view, "_access", None)
        if roles is None:
            continue
        if roles & {ANONYMOUS, AUTHENTICATED} or user.has_role(*roles):
            shown.append((endpoint, str(label)))
    return shown
