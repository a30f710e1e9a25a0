"""The annotator's door in the browser: Label Studio's editor inside the workbench's page.

Pages (one per kind of work) show the person's queue, the unit they work on in the editor,
and the rule version's instructions beside it. The page's script submits, skips and keeps
drafts through the JSON endpoints below, with the session and its CSRF token; nothing of
Label Studio is reachable from the browser but the editor's own files.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from app.extensions import db
from app.integrations.label_studio_editor import EditorMissing, locate
from app.services import door
from app.services.errors import ServiceError
from app.services.label_studio import gateway_for
from app.web.access import allow, json_view, public

bp = Blueprint("door", __name__)
ROLE_OF = {door.ANNOTATE: "annotator", door.REVIEW: "reviewer"}
ENDPOINT_OF = {door.ANNOTATE: "door.annotate", door.REVIEW: "door.review",
               door.PRACTICE: "door.practice"}
ASSET_MAX_AGE = 365 * 24 * 3600
# Tags whose answers are regions (spans, boxes): only then the editor's region list shows.
REGION_TAGS = re.compile(r"<(?:\w+)?Labels\b|<(?:Rectangle|Polygon|Ellipse|KeyPoint|Brush)\b")


def bundle():
    """Return the editor bundle this app serves (LABELGATE_EDITOR_ASSETS or .venv-ls)."""
    return locate(current_app.config.get("EDITOR_ASSETS"))


@bp.route("/work/batches/<int:batch_id>")
@allow("annotator")
def annotate(batch_id: int):
    """An annotator's queue in a batch, the current item open in the editor."""
    return _page(door.ANNOTATE, batch_id)


@bp.route("/reviews/batches/<int:batch_id>")
@allow("reviewer")
def review(batch_id: int):
    """A verifier's review tasks in a batch, the current one open in the editor."""
    return _page(door.REVIEW, batch_id)


@bp.route("/training/practice/<int:attempt_id>")
@allow("annotator", "reviewer")
def practice(attempt_id: int):
    """A trainee's practice set, labeled in the editor and scored against gold."""
    return _page(door.PRACTICE, attempt_id)


def _url(kind: str, scope_id: int, key: str | None = None) -> str:
    arg = "batch_id" if kind != door.PRACTICE else "attempt_id"
    return url_for(ENDPOINT_OF[kind], **{arg: scope_id}, **({"unit": key} if key else {}))


def _page(kind: str, scope_id: int):
    try:
        queue = door.queue(db.session, g.user, kind, scope_id)
    except door.NotInQueue:
        abort(404)
    if not queue.entries and kind != door.PRACTICE:
        abort(404)
    key = request.args.get("unit")
    if key is None:
        entry = queue.next_open()
        if entry is None:
            return render_template("door/finished.html", queue=queue, kind=kind,
                                   scope_id=scope_id, url=_url)
        key = entry.key
    try:
        unit = door.unit(db.session, g.user, kind, scope_id, key)
        opened = door.open_unit(db.session, g.user, unit)
    except door.NotInQueue:
        db.session.rollback()
        abort(404)
    except door.DoorRefused as refused:
        db.session.rollback()
        return render_template("error.html", code=403, message=refused.message), 403
    db.session.commit()
    try:
        editor = bundle()
    except EditorMissing as missing:
        current_app.logger.error("the door's editor is missing: %s", missing)
        return render_template("error.html", code=503, message=_(
            "The labeling editor is not installed on this server. Tell your administrator: "
            "%(detail)s", detail=str(missing))), 503
    index = queue.index(key) or 0
    previous = queue.entries[index - 1].key if index > 0 else None
    following = queue.entries[index + 1].key if index + 1 < len(queue.entries) else None
    return render_template(
        "door/label.html", queue=queue, unit=unit, kind=kind, scope_id=scope_id, url=_url,
        editor=editor, previous=previous, following=following,
        boot=_boot(kind, scope_id, unit, opened, editor),
    )


def _boot(kind: str, scope_id: int, unit: door.Unit, opened: dict, editor) -> dict[str, Any]:
    """Return what the page's script needs: the task, the answer, the endpoints, the words."""
    refusal = opened["refusal"]
    return {
        "unit": unit.key,
        "config": unit.label_config,
        "regions": bool(REGION_TAGS.search(unit.label_config)),
        "data": unit.data,
        "result": opened["result"],
        "submitted": opened["submitted"],
        "isDraft": opened["is_draft"],
        "readOnly": refusal is not None,
        "readOnlyReason": str(door.REFUSALS[refusal]) if refusal else None,
        "user": {"id": g.user.id, "firstName": g.user.display_name},
        "csrf": generate_csrf(),
        "endpoints": {name: url_for(f"door.{name}", kind=kind, scope_id=scope_id)
                      for name in ("submit", "skip", "draft")},
        "editor": {"mainChunk": editor.main_chunk, "chunks": list(editor.chunks),
                   "entryModule": editor.entry_module},
        "words": {
            "saved": _("Saved."),
            "draftSaved": _("Draft kept."),
            "sending": _("Sending…"),
            "skipPrompt": _("Why do you skip this task? (required)"),
            "sessionEnded": _("Your session has ended. Sign in again; your draft is kept."),
            "failed": _("Not stored:"),
            "editorFailed": _("The labeling editor could not start. Reload the page."),
        },
    }


def _answer(kind: str, scope_id: int, act):
    """Run one door action for the signed-in person; answer JSON, never a traceback."""
    if kind not in door.KINDS:
        return jsonify(error=_("Page not found"), status=404), 404
    role = ROLE_OF.get(kind)
    if role is not None and not g.user.has_role(role):
        return jsonify(error=_("You do not have access to this page."), status=403), 403
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("unit"), str):
        return jsonify(error=_("Send a JSON object naming the unit."), status=400), 400
    try:
        unit = door.unit(db.session, g.user, kind, scope_id, body["unit"])
        payload = act(unit, body)
        db.session.commit()
    except ServiceError as err:
        db.session.rollback()
        return jsonify(error=err.message, status=err.status,
                       code=str(getattr(err, "code", "")) or None), err.status
    return jsonify(payload)


def _after(kind: str, scope_id: int, key: str) -> dict[str, Any]:
    queue = door.queue(db.session, g.user, kind, scope_id)
    following = queue.next_open(after=key)
    return {"status": "stored", "done": queue.done, "total": len(queue.entries),
            "next": _url(kind, scope_id, following.key) if following else _url(kind, scope_id)}


@bp.route("/door/<kind>/<int:scope_id>/submit", methods=["POST"])
@allow()
@json_view
def submit(kind: str, scope_id: int):
    """Store the person's answer to a unit (in Label Studio as them, and here)."""
    def act(unit, body):
        stored = door.submit(db.session, gateway_for(unit), g.user, unit, body.get("result"))
        return {**_after(kind, scope_id, unit.key), "annotation": stored.id}
    return _answer(kind, scope_id, act)


@bp.route("/door/<kind>/<int:scope_id>/skip", methods=["POST"])
@allow()
@json_view
def skip(kind: str, scope_id: int):
    """Skip a unit with a reason (kept in Label Studio as a cancelled annotation)."""
    def act(unit, body):
        reason = body.get("reason")
        door.submit(db.session, gateway_for(unit), g.user, unit, [],
                    skip_reason=reason if isinstance(reason, str) else "")
        return _after(kind, scope_id, unit.key)
    return _answer(kind, scope_id, act)


@bp.route("/door/<kind>/<int:scope_id>/draft", methods=["POST"])
@allow()
@json_view
def draft(kind: str, scope_id: int):
    """Keep the person's unfinished answer."""
    def act(unit, body):
        door.save_draft(db.session, g.user, unit, body.get("result"))
        return {"status": "kept"}
    return _answer(kind, scope_id, act)


@bp.route("/editor/<version>/<name>")
@public
def editor_file(version: str, name: str):
    """Serve a file of Label Studio's editor bundle (cached for a year: the path is versioned)."""
    try:
        editor = bundle()
    except EditorMissing:
        abort(404)
    path = editor.path(name) if version == editor.version else None
    if path is None:
        abort(404)
    return _cached(_file(path))


@bp.route("/static/fonts/<name>")
@public
def editor_font(name: str):
    """Serve the fonts the editor's styles ask for at Label Studio's own address."""
    try:
        path = bundle().font(name)
    except EditorMissing:
        abort(404)
    if path is None:
        abort(404)
    return _cached(_file(path))


_FILES: dict[Path, tuple[bytes, str]] = {}


def _file(path: Path) -> Response:
    """Answer with a bundle file, held in memory (the files of a version never change, and
    an answer cut off by the browser leaves no open file behind)."""
    if path not in _FILES:
        body = path.read_bytes()
        _FILES[path] = (body, hashlib.sha256(body).hexdigest()[:32])
    body, etag = _FILES[path]
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    return response.make_conditional(request)


def _cached(response: Response) -> Response:
    response.cache_control.public = True
    response.cache_control.max_age = ASSET_MAX_AGE
    return response
