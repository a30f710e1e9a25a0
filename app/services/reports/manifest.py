"""The pack's manifest: SHA-256 of every file, and the check that names what was changed.

`manifest.json` lists every other file of the pack with its SHA-256, plus the audit chain's
head hash, the generation time, the generator's version, the filters and the language.
`manifest.sha256` holds the SHA-256 of `manifest.json` in `sha256sum` format, so that
`sha256sum -c manifest.sha256` works without the workbench too. Neither is a signature:
whoever can rewrite every file can rewrite both. The workbench therefore also records the
manifest's hash in its audit trail when it writes a pack (see `pack.py`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

FORMAT = "labelgate-evidence-pack/1"
MANIFEST = "manifest.json"
MANIFEST_DIGEST = "manifest.sha256"
_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _digest_line(digest: str) -> bytes:
    """Return the `sha256sum` line for the manifest (what manifest.sha256 must hold)."""
    return f"{digest}  {MANIFEST}\n".encode("ascii")


def write_manifest(pack_dir: Path, meta: dict) -> str:
    """Hash every file in `pack_dir`, write the manifest and its digest; return the digest."""
    files = {
        path.name: file_sha256(path)
        for path in sorted(pack_dir.iterdir())
        if path.is_file() and path.name not in (MANIFEST, MANIFEST_DIGEST)
    }
    manifest = {"format": FORMAT, **meta, "files": files}
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    (pack_dir / MANIFEST).write_text(text, encoding="utf-8")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    (pack_dir / MANIFEST_DIGEST).write_bytes(_digest_line(digest))
    return digest


@dataclass(frozen=True)
class Finding:
    """One difference between a pack and its manifest: a file and what happened to it."""

    name: str
    problem: str  # changed | missing | extra | unreadable | mismatch


@dataclass(frozen=True)
class PackCheck:
    """The result of checking a pack: its manifest (when readable) and every difference."""

    pack_dir: Path
    manifest: dict | None
    manifest_sha256: str | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Tell whether the pack is exactly as written."""
        return not self.findings


def _read_manifest(pack_dir: Path, findings: list[Finding]) -> tuple[dict | None, str | None]:
    path = pack_dir / MANIFEST
    if not path.is_file():
        findings.append(Finding(MANIFEST, "missing"))
        return None, None
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    digest_file = pack_dir / MANIFEST_DIGEST
    if not digest_file.is_file():
        findings.append(Finding(MANIFEST_DIGEST, "missing"))
    elif digest_file.read_bytes() != _digest_line(digest):
        # Either file may have been edited; the two no longer vouch for each other.
        findings.append(Finding(MANIFEST_DIGEST, "mismatch"))
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        findings.append(Finding(MANIFEST, "unreadable"))
        return None, digest
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        findings.append(Finding(MANIFEST, "unreadable"))
        return None, digest
    return manifest, digest


def verify_pack(pack_dir: Path) -> PackCheck:
    """Compare every file of a pack with its manifest; name each changed, missing or extra."""
    pack_dir = Path(pack_dir)
    if not pack_dir.is_dir():
        raise FileNotFoundError(pack_dir)
    findings: list[Finding] = []
    manifest, digest = _read_manifest(pack_dir, findings)
    listed = manifest["files"] if manifest else {}
    present = {p.name for p in pack_dir.iterdir() if p.name not in (MANIFEST, MANIFEST_DIGEST)}
    for name in sorted(listed):
        path = pack_dir / name
        if not path.is_file():
            findings.append(Finding(name, "missing"))
        elif file_sha256(path) != listed[name]:
            findings.append(Finding(name, "changed"))
    if manifest is not None:
        findings.extend(Finding(name, "extra") for name in sorted(present - set(listed)))
    return PackCheck(pack_dir, manifest, digest, findings)
