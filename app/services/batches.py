"""Import items into batches bound to a rule version (R7), all or nothing."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Batch, Dataset, Item
from app.services import audit
from app.services.errors import Conflict, NotFound, ServiceError
from app.services.label_studio import server_for_kind
from app.services.rule_versions import active_version, rule_set_of

MAX_IMPORT_BYTES = 200 * 1024 * 1024
MAX_REPORTED_PROBLEMS = 200
ID_FIELD = "id"


@dataclass
class ImportReport:
    """What an import found: rows read and every bad row with its line."""

    rows: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    def add(self, line: int, message: str) -> None:
        """Record a problem at `line`."""
        self.problems.append((line, message))

    def text(self, source: str) -> str:
        """Return the report as lines `source:line: message`."""
        shown = self.problems[:MAX_REPORTED_PROBLEMS]
        lines = [f"{source}:{line}: {message}" for line, message in shown]
        if len(self.problems) > len(shown):
            lines.append(_("… and %(n)d more problems.", n=len(self.problems) - len(shown)))
        return "\n".join(lines)


class ImportRejected(ServiceError):
    """The file has bad rows; nothing was imported."""

    def __init__(self, report: ImportReport, source: str) -> None:
        message = _("%(n)d bad rows in %(source)s; nothing was imported.",
                    n=len({line for line, _m in report.problems}), source=source)
        super().__init__(message + "\n" + report.text(source))
        self.report = report


def _rows_jsonl(text: str, report: ImportReport):
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        report.rows += 1
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            report.add(number, _("not valid JSON (%(detail)s).", detail=err.msg))
            continue
        if not isinstance(row, dict):
            report.add(number, _("each line must be a JSON object."))
            continue
        yield number, row


def _rows_csv(text: str, report: ImportReport, number_fields: set[str]):
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        report.add(1, _("the CSV file has no header row."))
        return
    for row in reader:
        report.rows += 1
        line = reader.line_num
        if None in row:
            report.add(line, _("this row has more cells than the header."))
            continue
        for name in number_fields:
            value = row.get(name)
            if value not in (None, ""):
                try:
                    row[name] = float(value)
                except ValueError:
                    pass  # validate_item reports it in the rule author's words.
        yield line, row


def decode_upload(raw: bytes, source: str) -> str:
    """Return the text of an uploaded file, or raise a clear error."""
    if len(raw) > MAX_IMPORT_BYTES:
        raise ServiceError(_("%(source)s is larger than %(mb)d MB; split it into several "
                             "batches.", source=source, mb=MAX_IMPORT_BYTES // 2**20))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ServiceError(_("%(source)s is not UTF-8 text (bad byte at offset %(pos)d).",
                             source=source, pos=err.start)) from err


def import_batch(session: Session, raw: bytes, *, source: str, dataset_name: str,
                 rule_set_key: str, batch_name: str | None = None, created_by_id=None,
                 seed: int | None = None) -> Batch:
    """Validate every row against the active rule version; import all rows or none."""
    dataset = session.scalar(select(Dataset).where(Dataset.name == dataset_name))
    if dataset is None:
        raise NotFound(_("No dataset is named “%(name)s”. Register it first.",
                         name=dataset_name))
    version = active_version(session, rule_set_key)
    rules = rule_set_of(version)
    text = decode_upload(raw, source)
    report = ImportReport()
    fmt = "csv" if source.lower().endswith(".csv") else "jsonl"
    numbers = {f.name for f in rules.fields if f.type == "number"}
    rows = _rows_csv(text, report, numbers) if fmt == "csv" else _rows_jsonl(text, report)
    accepted: list[tuple[int, str, dict]] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        external = str(row.get(ID_FIELD) or "").strip() or f"line-{line}"
        if external in seen:
            report.add(line, _("id “%(id)s” repeats line %(first)d.", id=external[:80],
                               first=seen[external]))
            continue
        seen[external] = line
        for problem in rules_problems(rules, row):
            report.add(line, problem)
        accepted.append((line, external, row))
    if report.problems:
        raise ImportRejected(report, source)
    if not accepted:
        raise ServiceError(_("%(source)s holds no items.", source=source))
    name = (batch_name or "").strip() or _default_name(session, dataset.name)
    if session.scalar(select(Batch.id).where(Batch.name == name)) is not None:
        raise Conflict(_("A batch named “%(name)s” exists already.", name=name))
    batch = Batch(name=name, dataset_id=dataset.id, rule_version_id=version.id, kind=rules.kind,
                  item_count=len(accepted), source_filename=source[:300],
                  source_sha256=hashlib.sha256(raw).hexdigest(), created_by_id=created_by_id,
                  ls_server=server_for_kind(rules.kind))
    session.add(batch)
    session.flush()
    overlaps = overlap_plan(len(accepted), rules.quality.overlap.fraction,
                            rules.quality.overlap.k, seed=batch.id if seed is None else seed)
    session.add_all(
        Item(batch_id=batch.id, dataset_id=dataset.id, external_id=external[:200],
             source_line=line, data={k: v for k, v in row.items() if k != ID_FIELD},
             overlap=overlap)
        for (line, external, row), overlap in zip(accepted, overlaps, strict=True)
    )
    session.flush()
    audit.record(session, "batch.import", "batch", batch.id,
                 after={"name": name, "dataset": dataset.name, "rule_version": version.label,
                        "items": len(accepted), "source": source,
                        "sha256": batch.source_sha256, "label_studio": batch.ls_server})
    return batch


def rules_problems(rules, row: dict) -> list[str]:
    """Return the data-format problems of one row, in the current language."""
    from app.services.locale import current_language
    from labeling_rules import validate_item

    return validate_item(rules, {k: v for k, v in row.items() if k != ID_FIELD},
                         lang=current_language())


def overlap_plan(n_items: int, fraction: float, k: int, *, seed: int) -> list[int]:
    """Return each item's number of annotators: `k` on a random `fraction`, 1 on the rest."""
    chosen = set(random.Random(seed).sample(range(n_items), round(n_items * fraction)))
    return [k if i in chosen else 1 for i in range(n_items)]


def _default_name(session: Session, dataset: str) -> str:
    count = session.scalar(select(func.count(Batch.id)).where(
        Batch.dataset_id == select(Dataset.id).where(Dataset.name == dataset).scalar_subquery()))
    return f"{dataset}-{(count or 0) + 1:04d}"


def batch_by_ref(session: Session, ref: str | int) -> Batch:
    """Return a batch by id or name, or raise NotFound."""
    batch = None
    if isinstance(ref, int) or str(ref).isdigit():
        batch = session.get(Batch, int(ref))
    if batch is None:
        batch = session.scalar(select(Batch).where(Batch.name == str(ref)))
    if batch is None:
        raise NotFound(_("No batch is named or numbered “%(ref)s”.", ref=ref))
    return batch
