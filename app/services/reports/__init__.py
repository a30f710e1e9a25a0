"""The compliance evidence pack (Articles 8 and 19): facts, HTML, PDF, JSON, manifest, check.

>>> pack = write_pack(session, ReportScope(dataset="prompts"), Path("out"), language="en")
>>> verify_pack(Path("out")).ok
True
"""

from app.services.reports.manifest import Finding, PackCheck, verify_pack
from app.services.reports.model import build_report
from app.services.reports.pack import PACK_FILES, Pack, render_html, write_pack
from app.services.reports.scope import LANGUAGES, ReportScope, parse_day

__all__ = [
    "LANGUAGES",
    "PACK_FILES",
    "Finding",
    "Pack",
    "PackCheck",
    "ReportScope",
    "build_report",
    "parse_day",
    "render_html",
    "verify_pack",
    "write_pack",
]
