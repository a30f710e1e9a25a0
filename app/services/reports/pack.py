"""Write an evidence pack: report.html, report.pdf, report.json, manifest.json, manifest.sha256.

The HTML is self-contained (inline CSS, no external asset) and printable; the PDF is the
same page printed by headless Chromium; the JSON holds the same facts. The manifest embeds
the audit chain's head hash at generation and the SHA-256 of every other file. Writing a
pack is itself an audit event that records the manifest's hash, so a pack can later be
matched with the trail of the workbench that wrote it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.services import audit
from app.services.errors import ServiceError
from app.services.reports.manifest import MANIFEST, MANIFEST_DIGEST, write_manifest
from app.services.reports.model import build_report
from app.services.reports.pdf import PdfError, print_pdf
from app.services.reports.scope import LANGUAGES, ReportScope

HTML, PDF, JSON = "report.html", "report.pdf", "report.json"
PACK_FILES = (HTML, PDF, JSON, MANIFEST, MANIFEST_DIGEST)


@dataclass(frozen=True)
class Pack:
    """A written pack: where it is, its facts, and the manifest's SHA-256."""

    out_dir: Path
    report: dict
    manifest_sha256: str


def render_html(report: dict) -> str:
    """Render the report's facts as one self-contained, printable HTML page."""
    template = current_app.jinja_env.get_template("reports/pack.html")
    return template.render(report=report)


def _check_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise ServiceError(
            _(
                "%(path)s exists and is not an empty folder; give a new folder for the pack.",
                path=str(out_dir),
            )
        )


def _write_files(report: dict, work: Path) -> None:
    (work / JSON).write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (work / HTML).write_text(render_html(report), encoding="utf-8")
    try:
        print_pdf(work / HTML, work / PDF)
    except PdfError as err:
        raise ServiceError(str(err)) from err


def write_pack(session: Session, scope: ReportScope, out_dir: Path, *, language: str) -> Pack:
    """Build the report for `scope` in `language` and write its pack into `out_dir`."""
    if language not in LANGUAGES:
        raise ServiceError(_("Language must be zh_CN or en."))
    out_dir = Path(out_dir)
    _check_out_dir(out_dir)
    with force_locale(language):
        report = build_report(session, scope, language=language)
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and moved in whole, so no half-written pack is left.
        with tempfile.TemporaryDirectory(prefix=".pack-", dir=out_dir.parent) as tmp:
            work = Path(tmp) / "pack"
            work.mkdir()
            _write_files(report, work)
            digest = write_manifest(
                work,
                {
                    "generator": report["generator"],
                    "generated_at": report["generated_at"],
                    "language": language,
                    "filters": report["filters"],
                    "audit_chain_head": report["audit_chain"]["head_hash"],
                    "audit_chain_events": report["audit_chain"]["events"],
                    "audit_chain_ok": report["audit_chain"]["ok"],
                },
            )
            if out_dir.exists():
                out_dir.rmdir()
            shutil.move(str(work), str(out_dir))
    audit.record(
        session,
        "report.generate",
        "report",
        None,
        language=language,
        filters=report["filters"],
        manifest_sha256=digest,
        audit_chain_head=report["audit_chain"]["head_hash"],
        statuses=report["summary"],
    )
    return Pack(out_dir, report, digest)
