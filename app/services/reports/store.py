"""Where the web page keeps the packs it writes: one folder each under instance/reports/."""

from __future__ import annotations

import io
import json
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from app.models import utcnow
from app.services.errors import NotFound
from app.services.reports.manifest import MANIFEST, verify_pack

PACK_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")
JSON_NAME = "report.json"


@dataclass(frozen=True)
class StoredPack:
    """A pack on disk as the page lists it: its id, manifest, summary and integrity."""

    id: str
    path: Path
    manifest: dict
    summary: dict
    intact: bool


def packs_root() -> Path:
    """Return the folder that holds the packs written from the web page."""
    return Path(current_app.instance_path) / "reports"


def new_pack_dir() -> Path:
    """Return a fresh, not yet existing folder for a pack, named by time."""
    return packs_root() / f"{utcnow():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def pack_dir(pack_id: str) -> Path:
    """Return the folder of a stored pack; NotFound for an unknown or malformed id."""
    path = packs_root() / pack_id
    if not PACK_ID.match(pack_id) or not (path / MANIFEST).is_file():
        raise NotFound(_("No evidence pack is stored under “%(id)s”.", id=pack_id))
    return path


def load(pack_id: str) -> StoredPack:
    """Return one stored pack with its integrity checked now."""
    path = pack_dir(pack_id)
    check = verify_pack(path)
    try:
        summary = json.loads((path / JSON_NAME).read_text(encoding="utf-8"))["summary"]
    except (OSError, ValueError, KeyError):
        summary = {}
    return StoredPack(pack_id, path, check.manifest or {}, summary, check.ok)


def list_packs(limit: int = 50) -> list[StoredPack]:
    """Return the newest stored packs first."""
    root = packs_root()
    if not root.is_dir():
        return []
    ids = sorted((p.name for p in root.iterdir() if PACK_ID.match(p.name)), reverse=True)
    return [load(i) for i in ids[:limit] if (root / i / MANIFEST).is_file()]


def zip_bytes(pack: StoredPack) -> bytes:
    """Return the pack's files as one ZIP archive, inside a folder named after the pack."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(pack.path.iterdir()):
            if path.is_file():
                archive.write(path, f"labelgate-evidence-{pack.id}/{path.name}")
    return buffer.getvalue()
