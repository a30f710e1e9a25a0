"""Bulk-load a throwaway PostgreSQL database with a realistic workbench at scale.

People, rule versions, qualifications and the audit trail go through the models (a few
hundred rows); batches, items, assignments, annotations and the verification tables are
streamed with COPY. Labels follow a per-item truth with per-annotator error rates, lead
times are log-normal (two annotators much faster), overlapped items carry consensus labels
and agreement reports, decided batches carry a plan, review tasks, verdicts and a decision.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import psycopg

FUNCTIONAL = {
    "risk_flag": ["no_risk_noticed", "possible_risk"],
    "instruction_following": ["follows", "partly_follows", "does_not_follow"],
    "accuracy": ["accurate", "minor_errors", "inaccurate"],
    "usefulness": ["useful", "partly_useful", "not_useful"],
    "timeliness": ["current", "outdated", "not_time_sensitive"],
    "logic": ["coherent", "minor_lapses", "incoherent"],
    "readability": ["clear", "needs_effort", "unreadable"],
    "overall": [1, 2, 3, 4, 5],
}
SECURITY = {"risks": ["no_risk", "privacy", "health_harm", "false_harmful_info"]}
STATES = (
    ["accepted"] * 60
    + ["rejected"] * 10
    + ["void"] * 5
    + ["released"] * 10
    + ["verifying"] * 10
    + ["annotating"] * 5
)


@dataclass(frozen=True)
class Size:
    """How big the generated workbench is."""

    annotations: int = 1_000_000
    annotators: int = 200
    batches: int = 500
    per_batch_annotators: int = 10
    overlap: float = 0.1
    k: int = 3
    security_share: float = 0.1
    sample: int = 125

    @property
    def items_per_batch(self) -> int:
        """Return items per batch so that the annotations add up to the target."""
        per_item = 1 + self.overlap * (self.k - 1)
        return max(10, round(self.annotations / self.batches / per_item))


@dataclass
class People:
    """Ids of the people made through the models."""

    annotators: list[int]
    reviewers: list[int]
    arbitrators: list[int]
    lead_email: str
    versions: dict[str, int]  # kind -> rule version id
    datasets: dict[str, list[int]]  # kind -> dataset ids


class Copier:
    """COPY rows into tables, counting them."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.counts: dict[str, int] = {}

    def rows(self, table: str, columns: tuple[str, ...], rows) -> None:
        """Stream `rows` into `table`."""
        n = 0
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
        self.counts[table] = self.counts.get(table, 0) + n


def _j(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Workbench:
    """Generates the bulk tables batch by batch, keeping ids consistent."""

    def __init__(self, size: Size, people: People, seed: int = 8) -> None:
        self.size, self.people = size, people
        self.rng = np.random.default_rng(seed)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.next = {"item": 1, "ann": 1, "task": 1, "record": 1}
        n = len(people.annotators)
        self.error = dict(zip(people.annotators, self.rng.uniform(0.01, 0.12, n), strict=True))
        fast = set(people.annotators[:2])
        self.pace = {
            u: (1.2 if u in fast else float(self.rng.uniform(2.6, 3.4))) for u in people.annotators
        }  # log-seconds: e^3 ≈ 20 s

    def batch_rows(self):
        """Yield one dict of table -> rows per batch."""
        for b in range(1, self.size.batches + 1):
            yield self._batch(b)

    def _batch(self, b: int) -> dict[str, list]:
        size, rng = self.size, self.rng
        kind = "security" if b % round(1 / size.security_share) == 0 else "functional"
        controls = SECURITY if kind == "security" else FUNCTIONAL
        version = self.people.versions[kind]
        dataset = self.people.datasets[kind][b % len(self.people.datasets[kind])]
        state = STATES[b % len(STATES)]
        created = self.now - timedelta(days=float(rng.uniform(1, 180)))
        team = list(rng.choice(self.people.annotators, size.per_batch_annotators, replace=False))
        out: dict[str, list] = {
            t: [] for t in ("batches", "items", "assignments", "annotations", "consensus_labels")
        }
        out["batches"].append(
            (
                b,
                f"batch-{b:04d}",
                dataset,
                version,
                kind,
                state,
                size.items_per_batch,
                created,
                b,
                b,
                created,
                created,
                True,
            )
        )
        overlapped, annotations = [], []
        for position in range(size.items_per_batch):
            item = self.next["item"]
            self.next["item"] += 1
            shared = rng.random() < size.overlap
            k = size.k if shared else 1
            out["items"].append(
                (
                    item,
                    b,
                    dataset,
                    f"b{b}-i{position}",
                    position + 1,
                    _j({"instruction": f"q{item}", "response": f"a{item}"}),
                    k,
                    item,
                    created,
                )
            )
            truth = {c: values[int(rng.integers(len(values)))] for c, values in controls.items()}
            who = rng.choice(team, k, replace=False)
            given = []
            for user in who:
                answer = self._answer(truth, controls, int(user), kind)
                ann = self._annotation(b, item, version, int(user), answer, created, state)
                annotations.append(ann)
                given.append(answer)
                out["assignments"].append(
                    (ann[0], item, b, int(user), "annotator", version, created)
                )
            if shared:
                overlapped.append((item, [int(u) for u in who], given))
                out["consensus_labels"].extend(
                    (item, b, c, _j({"value": truth[c]}), "majority_vote", 1.0, created)
                    for c in controls
                    if c != "risks"
                )
        out["annotations"] = annotations
        if state != "annotating":
            out.update(self._verification(b, kind, version, state, annotations, created))
            out["agreement_reports"] = self._reports(b, controls, overlapped, created)
        return out

    def _answer(self, truth, controls, user: int, kind: str) -> dict:
        answer = dict(truth)
        for control, values in controls.items():
            if self.rng.random() < self.error[user]:
                answer[control] = values[int(self.rng.integers(len(values)))]
        if kind == "security":
            answer["risks"] = [answer["risks"]]
        return answer

    def _annotation(self, b, item, version, user, answer, created, state) -> tuple:
        ann = self.next["ann"]
        self.next["ann"] += 1
        made = created + timedelta(hours=float(self.rng.uniform(1, 24 * 10)))
        lead = float(np.exp(self.rng.normal(self.pace[user], 0.5)))
        quarantined = self.rng.random() < 0.001
        return (
            ann,
            ann,
            item,
            item,
            b,
            version,
            user,
            user,
            "[]",
            _j(answer),
            round(lead, 2),
            False,
            made,
            made,
            made,
            "webhook",
            None,
            quarantined,
            "made outside the annotator's queue" if quarantined else None,
        )

    def _verification(self, b, kind, version, state, annotations, created) -> dict[str, list]:
        rng, size = self.rng, self.size
        chosen = (
            annotations
            if kind == "security"
            else [
                annotations[int(i)]
                for i in rng.choice(len(annotations), size.sample, replace=False)
            ]
        )
        reviewers = self.people.reviewers
        plan_kind = "full_review" if kind == "security" else "aql"
        n = len(chosen)
        decided_at = created + timedelta(days=12)
        plan = (
            b,
            b,
            version,
            1,
            plan_kind,
            "{}",
            len(annotations),
            None if kind == "security" else "K",
            n,
            None if kind == "security" else 7,
            None if kind == "security" else 8,
            None if kind == "security" else 2.5,
            "normal",
            b * 7919,
            _j([a[2] for a in chosen]),
            "{}",
            "ISO 2859-1, normal inspection, level II",
            "lead@bench.test",
            created + timedelta(days=11),
        )
        tasks, records, defects = [], [], 0
        for position, ann in enumerate(chosen):
            task = self.next["task"]
            self.next["task"] += 1
            correct = rng.random() >= self.error[ann[6]] * 0.6
            defects += not correct
            reviewer = int(reviewers[int(rng.integers(len(reviewers)))])
            reviewed = decided_at - timedelta(hours=float(rng.uniform(1, 20)))
            tasks.append(
                (
                    task,
                    b,
                    b,
                    ann[2],
                    ann[0],
                    reviewer,
                    version,
                    "sample",
                    position,
                    task,
                    created,
                    reviewed,
                )
            )
            records.append(
                (
                    task,
                    task,
                    task,
                    task,
                    b,
                    ann[2],
                    ann[0],
                    reviewer,
                    reviewer,
                    version,
                    "[]",
                    correct,
                    _j([] if correct else ["D03"]),
                    False,
                    None if correct else "sent for correction",
                    round(float(rng.uniform(5, 60)), 1),
                    reviewed,
                    reviewed,
                    reviewed,
                    "webhook",
                    None,
                    False,
                )
            )
        accuracy = (n - defects) / n
        half = 1.96 * math.sqrt(max(accuracy * (1 - accuracy), 1e-9) / n)
        decision = {
            "accepted": "accepted",
            "released": "accepted",
            "rejected": "rejected",
            "void": "void",
        }.get(state)
        out = {"verification_plans": [plan], "review_tasks": tasks, "verification_records": records}
        if decision:
            if kind == "security":
                reason = {
                    "code": "security_failures_within",
                    "failures": defects,
                    "n": n,
                    "rate": defects / n,
                    "limit": 0.05,
                }
            else:
                reason = {
                    "code": "defects_accept" if defects < 8 else "defects_reject",
                    "defects": defects,
                    "n": n,
                    "accept": 7,
                    "reject": 8,
                }
            out["batch_decisions"] = [
                (
                    b,
                    b,
                    b,
                    decision,
                    n,
                    defects,
                    accuracy,
                    max(0.0, accuracy - half),
                    min(1.0, accuracy + half),
                    0.95,
                    "wilson",
                    _j([reason]),
                    None,
                    "lead@bench.test",
                    decided_at,
                )
            ]
        return out

    def _reports(self, b, controls, overlapped, created) -> list[tuple]:
        rows = []
        for control in controls:
            if control == "risks":
                continue
            pairs: dict[tuple[int, int], list[int]] = {}
            for _item, who, given in overlapped:
                for i in range(len(who)):
                    for j in range(i + 1, len(who)):
                        key = tuple(sorted((who[i], who[j])))
                        cell = pairs.setdefault(key, [0, 0])
                        cell[0] += 1
                        cell[1] += given[i][control] == given[j][control]
            per_pair = [
                {"a": a, "b": bb, "kappa": round(2 * agree / n - 1, 4), "n": n}
                for (a, bb), (n, agree) in sorted(pairs.items())
            ]
            estimate = float(self.rng.uniform(0.6, 0.95))
            rows.append(
                (
                    b,
                    control,
                    "krippendorff_alpha",
                    estimate,
                    estimate - 0.06,
                    min(1.0, estimate + 0.05),
                    estimate + 0.03,
                    0.8,
                    len(overlapped),
                    _j({}),
                    _j(per_pair),
                    created + timedelta(days=11),
                )
            )
        return rows


COLUMNS = {
    "batches": (
        "id",
        "name",
        "dataset_id",
        "rule_version_id",
        "kind",
        "state",
        "item_count",
        "created_at",
        "ls_project_id",
        "ls_webhook_id",
        "pushed_at",
        "last_synced_at",
        "strict_separation",
    ),
    "items": (
        "id",
        "batch_id",
        "dataset_id",
        "external_id",
        "source_line",
        "data",
        "overlap",
        "ls_task_id",
        "created_at",
    ),
    "assignments": (
        "id",
        "item_id",
        "batch_id",
        "user_id",
        "role",
        "rule_version_id",
        "created_at",
    ),
    "annotations": (
        "id",
        "ls_annotation_id",
        "ls_task_id",
        "item_id",
        "batch_id",
        "rule_version_id",
        "user_id",
        "ls_user_id",
        "result_raw",
        "result",
        "lead_time",
        "was_cancelled",
        "ls_created_at",
        "ls_updated_at",
        "ingested_at",
        "source",
        "deleted_at",
        "quarantined",
        "quarantine_reason",
    ),
    "consensus_labels": (
        "item_id",
        "batch_id",
        "control",
        "label",
        "method",
        "support",
        "created_at",
    ),
    "verification_plans": (
        "id",
        "batch_id",
        "rule_version_id",
        "round",
        "kind",
        "parameters",
        "lot_size",
        "code_letter",
        "sample_size",
        "accept_number",
        "reject_number",
        "aql",
        "inspection",
        "seed",
        "sample",
        "strata",
        "reason",
        "created_by",
        "created_at",
    ),
    "review_tasks": (
        "id",
        "batch_id",
        "plan_id",
        "item_id",
        "annotation_id",
        "reviewer_id",
        "rule_version_id",
        "purpose",
        "position",
        "ls_task_id",
        "created_at",
        "completed_at",
    ),
    "verification_records": (
        "id",
        "ls_annotation_id",
        "ls_task_id",
        "task_id",
        "batch_id",
        "item_id",
        "annotation_id",
        "verifier_id",
        "ls_user_id",
        "rule_version_id",
        "result_raw",
        "correct",
        "defect_codes",
        "illegal_content",
        "action_taken",
        "lead_time",
        "reviewed_at",
        "ls_updated_at",
        "ingested_at",
        "source",
        "deleted_at",
        "quarantined",
    ),
    "batch_decisions": (
        "id",
        "batch_id",
        "plan_id",
        "decision",
        "reviewed",
        "defects",
        "accuracy",
        "ci_low",
        "ci_high",
        "confidence",
        "ci_method",
        "reasons",
        "inspection_next",
        "decided_by",
        "decided_at",
    ),
    "agreement_reports": (
        "batch_id",
        "control",
        "coefficient",
        "estimate",
        "ci_low",
        "ci_high",
        "observed_agreement",
        "threshold",
        "items",
        "per_label",
        "per_pair",
        "computed_at",
    ),
}
ORDER = (
    "batches",
    "items",
    "assignments",
    "annotations",
    "consensus_labels",
    "verification_plans",
    "review_tasks",
    "verification_records",
    "batch_decisions",
    "agreement_reports",
)


def load_bulk(conn: psycopg.Connection, size: Size, people: People, progress) -> dict[str, int]:
    """Stream every batch's rows into the bulk tables; return the row counts."""
    copier = Copier(conn)
    bench = Workbench(size, people)
    buffered: dict[str, list] = {t: [] for t in ORDER}
    for b, rows in enumerate(bench.batch_rows(), start=1):
        for table, found in rows.items():
            buffered[table].extend(found)
        if b % 50 == 0 or b == size.batches:
            for table in ORDER:
                if buffered[table]:
                    copier.rows(table, COLUMNS[table], buffered[table])
                    buffered[table] = []
            conn.commit()
            progress(
                f"{b}/{size.batches} batches, {copier.counts.get('annotations', 0):,} annotations"
            )
    for table in (
        "batches",
        "items",
        "assignments",
        "annotations",
        "consensus_labels",
        "verification_plans",
        "review_tasks",
        "verification_records",
        "batch_decisions",
        "agreement_reports",
    ):
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )
    conn.commit()
    return copier.counts
