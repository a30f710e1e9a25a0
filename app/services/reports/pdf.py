"""Print the pack's HTML to PDF with the system's headless Chromium, as a subprocess.

No Python dependency: Debian's `chromium` (installed by `make chromium`) prints the page.
Chinese text is set in WenQuanYi Micro Hei or Noto Sans CJK (Debian's `fonts-wqy-microhei`
and `fonts-noto-cjk`, also installed by `make chromium`); Chromium embeds the glyphs used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from flask_babel import gettext as _

TIMEOUT_SECONDS = 180
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


class PdfError(RuntimeError):
    """Printing to PDF failed; the message says what to do."""


def chromium_path() -> str | None:
    """Return the browser to print with: LABELGATE_CHROMIUM, else the first one on PATH."""
    configured = os.environ.get("LABELGATE_CHROMIUM")
    if configured:
        return configured if shutil.which(configured) else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html_path: Path, pdf_path: Path) -> None:
    """Print `html_path` to `pdf_path` (A4, backgrounds, no header or footer)."""
    browser = chromium_path()
    if browser is None:
        raise PdfError(
            _(
                "Chromium was not found. Install it with “make chromium” (Debian's chromium "
                "and CJK fonts), or set LABELGATE_CHROMIUM to its path."
            )
        )
    with tempfile.TemporaryDirectory(prefix="labelgate-pdf-") as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-extensions",
            "--no-first-run",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            "--run-all-compositor-stages-before-draw",
            f"--print-to-pdf={pdf_path}",
            Path(html_path).resolve().as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired as err:
            raise PdfError(
                _(
                    "Chromium did not finish printing within %(n)d s; try again when the "
                    "machine is less busy.",
                    n=TIMEOUT_SECONDS,
                )
            ) from err
    if done.returncode != 0 or not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        tail = (done.stderr or "").strip().splitlines()[-3:]
        raise PdfError(
            _(
                "Chromium could not print the report to PDF (exit %(code)d): %(message)s",
                code=done.returncode,
                message=" / ".join(tail) or "-",
            )
        )
