"""Rule set pages: sets, versions, the rendered rules, diffs, publishing and the lifecycle.

Who may do what (the `allow` decorators say it per route, the access matrix tests it):
every signed-in user reads the versions in force (active, and retired ones that annotations
were made under); drafts and approved versions only DRAFT_READERS; rule authors and
administrators publish; a QA lead approves (never their own version); a QA lead or an
administrator activates and retires.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileSize
from markupsafe import Markup
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from app.extensions import db
from app.models import RuleVersion, User
from app.services import rules as rules_service
from app.services.errors import NotFound, ServiceError
from app.web.access import allow
from app.web.forms import EmptyForm, ReasonForm
from labeling_rules.source import MAX_BYTES

bp = Blueprint("rules", __name__, url_prefix="/rules")


class PublishForm(FlaskForm):
    """A rule file, uploaded or pasted."""

    file = FileField(_l("Rule file (YAML)"), validators=[FileSize(max_size=MAX_BYTES)])
    text = TextAreaField(
        _l("…or paste the rule file"), validators=[Optional(), Length(max=MAX_BYTES)]
    )


@dataclass(frozen=True)
class DiffRow:
    """One line pair of a side-by-side diff; a missing side has number None."""

    kind: str
    old_no: int | None
    old: str
    new_no: int | None
    new: str


def side_by_side(old: str, new: str, context: int = 3) -> list[list[DiffRow]]:
    """Return the changed regions of two texts as hunks of line pairs, with context lines."""
    if old == new:
        return []
    a, b = old.splitlines(), new.splitlines()
    hunks = []
    for group in SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        rows = []
        for kind, i1, i2, j1, j2 in group:
            for k in range(max(i2 - i1, j2 - j1)):
                i, j = i1 + k, j1 + k
                rows.append(
                    DiffRow(
                        kind,
                        i + 1 if i < i2 else None,
                        a[i] if i < i2 else "",
                        j + 1 if j < j2 else None,
                        b[j] if j < j2 else "",
                    )
                )
        hunks.append(rows)
    return hunks


@bp.context_processor
def _names() -> dict:
    return {"status_name": rules_service.status_name, "level_name": rules_service.level_name}


def _version_or_404(key: str, version: str) -> RuleVersion:
    try:
        return rules_service.get_version(db.session, key, version)
    except NotFound:
        abort(404)


def _readable(key: str, version: str) -> RuleVersion:
    found = _version_or_404(key, version)
    if not rules_service.may_read(g.user, found):
        abort(403)
    return found


@bp.route("/")
@allow()
def index():
    """List the rule sets with their active versions."""
    return render_template(
        "rules/index.html",
        sets=rules_service.list_rule_sets(db.session),
        can_publish=g.user.has_role(*rules_service.PUBLISHERS),
    )


@bp.route("/publish", methods=["GET", "POST"])
@allow(*rules_service.PUBLISHERS)
def publish():
    """Publish a rule file as a new draft version."""
    form = PublishForm()
    findings = []
    if form.validate_on_submit():
        upload = form.file.data
        source = upload.read() if upload else (form.text.data or "")
        if not source.strip():
            form.text.errors = [*form.text.errors, _("Upload a rule file or paste one.")]
        else:
            name = upload.filename if upload else _("pasted text")
            try:
                outcome = rules_service.publish(db.session, source, author=g.user, source_name=name)
            except rules_service.RuleFileRefused as err:
                db.session.rollback()
                form.text.errors = [*form.text.errors, err.summary]
                findings = err.findings
            except ServiceError as err:
                db.session.rollback()
                form.text.errors = [*form.text.errors, err.message]
            else:
                db.session.commit()
                _flash_published(outcome)
                v = outcome.version
                return redirect(url_for("rules.version", key=v.rule_set.key, version=v.version))
    status = 400 if form.errors or findings else 200
    return render_template("rules/publish.html", form=form, findings=findings), status


def _flash_published(outcome: rules_service.Published) -> None:
    label = outcome.version.label
    if outcome.created:
        flash(_("%(label)s published as a draft.", label=label), "info")
    else:
        flash(
            _("%(label)s is already published with this content; nothing changed.", label=label),
            "info",
        )
    for finding in outcome.warnings:
        flash(finding.format(), "warning")


@bp.route("/<key>")
@allow()
def rule_set(key: str):
    """Show a rule set's versions, their status and the actions the user may take."""
    try:
        record = rules_service.rule_set(db.session, key)
    except NotFound:
        abort(404)
    rows = [
        v for v in rules_service.versions(db.session, record) if rules_service.may_read(g.user, v)
    ]
    return render_template(
        "rules/set.html",
        record=record,
        versions=rows,
        empty_form=EmptyForm(),
        reason_form=ReasonForm(),
        **_powers(),
    )


def _powers() -> dict[str, bool]:
    return {
        "can_approve": g.user.has_role(*rules_service.APPROVERS),
        "can_activate": g.user.has_role(*rules_service.ACTIVATORS),
        "can_publish": g.user.has_role(*rules_service.PUBLISHERS),
        "sees_impact": g.user.has_role(*rules_service.DRAFT_READERS),
    }


@bp.route("/<key>/<version>")
@allow()
def version(key: str, version: str):
    """Show the rendered rules of one version with its hash, author and approval."""
    found = _readable(key, version)
    approver = db.session.get(User, found.approved_by_id) if found.approved_by_id else None
    return render_template(
        "rules/version.html",
        v=found,
        approver=approver,
        # The compiler escapes every text a rule author wrote (labeling_rules.instructions).
        instructions=Markup(found.instructions_html),
        empty_form=EmptyForm(),
        reason_form=ReasonForm(),
        **_powers(),
    )


@bp.route("/<key>/diff")
@allow()
def diff(key: str):
    """Compare two versions: the semantic changes with their level, and the YAML side by side."""
    try:
        record = rules_service.rule_set(db.session, key)
    except NotFound:
        abort(404)
    choices = [
        v for v in rules_service.versions(db.session, record) if rules_service.may_read(g.user, v)
    ]
    old_ref = request.args.get("from") or (choices[1].version if len(choices) > 1 else "")
    new_ref = request.args.get("to") or (choices[0].version if choices else "")
    context = {"record": record, "choices": choices, "old_ref": old_ref, "new_ref": new_ref}
    if not old_ref or not new_ref:
        return render_template("rules/diff.html", **context)
    old, new = _readable(key, old_ref), _readable(key, new_ref)
    try:
        if g.user.has_role(*rules_service.DRAFT_READERS):
            report = rules_service.impact(db.session, key, old.version, new.version)
            context.update(changes=report.diff, impact=report)
        else:
            context["changes"] = rules_service.diff(db.session, key, old.version, new.version)
    except ServiceError as err:
        flash(err.message, "error")
        return render_template("rules/diff.html", **context), 400
    return render_template(
        "rules/diff.html",
        old=old,
        new=new,
        lang=rules_service.domain_lang(),
        hunks=side_by_side(old.content, new.content),
        **context,
    )


def _act(key: str, version: str, form, action) -> object:
    """Run one lifecycle action on a version from a POSTed form, then show the version."""
    found = _version_or_404(key, version)
    if not form.validate_on_submit():
        flash(_("The form was not complete; nothing was changed."), "error")
        return redirect(url_for("rules.version", key=key, version=version)), 400
    try:
        message = action(found, form)
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(message, "info")
    return redirect(url_for("rules.version", key=key, version=version))


@bp.route("/<key>/<version>/approve", methods=["POST"])
@allow(*rules_service.APPROVERS)
def approve(key: str, version: str):
    """Approve a draft (a QA lead who is not its author)."""

    def action(found: RuleVersion, _form) -> str:
        rules_service.approve(db.session, found, g.user)
        return _("%(label)s approved.", label=found.label)

    return _act(key, version, EmptyForm(), action)


@bp.route("/<key>/<version>/activate", methods=["POST"])
@allow(*rules_service.ACTIVATORS)
def activate(key: str, version: str):
    """Put an approved version in force; the active one retires."""

    def action(found: RuleVersion, _form) -> str:
        outcome = rules_service.activate(db.session, found, g.user)
        message = _("%(label)s is active.", label=found.label)
        if outcome.lapsed:
            message += " " + _(
                "%(n)d qualification(s) on older major versions lapsed: those "
                "annotators must retrain.",
                n=outcome.lapsed,
            )
        return message

    return _act(key, version, EmptyForm(), action)


@bp.route("/<key>/<version>/retire", methods=["POST"])
@allow(*rules_service.ACTIVATORS)
def retire(key: str, version: str):
    """Take the active version out of force."""

    def action(found: RuleVersion, form) -> str:
        rules_service.retire(db.session, found, g.user, reason=form.reason.data or "")
        return _("%(label)s is retired.", label=found.label)

    return _act(key, version, ReasonForm(), action)
