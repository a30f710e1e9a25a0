"""PostgreSQL goes away under load: requests answer 503 (never 500), then recover.

The machine's PostgreSQL is shared with other test sessions, so it is not restarted: a TCP
proxy between the workbench and PostgreSQL drops every connection and refuses new ones, which
is what the workbench sees while the server restarts.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from sqlalchemy import create_engine, select

from app.models import Annotation
from app.services.label_studio import webhook_secret
from app.services.rule_versions import rule_set_of
from tests.conftest import TEST_DB
from tests.factories import PASSWORD, make_user
from tests.fakes.fake_label_studio import FakeLabelStudio
from tests.integration.faults.fault_data import made_in_label_studio, pushed_to
from tests.integration.faults.tcp_proxy import TcpProxy
from tests.plugins.live_server import LiveServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        TEST_DB != "postgresql",
        reason="a PostgreSQL outage; runs in the PostgreSQL pass of make test",
    ),
]
CLIENTS = 4


def _through(proxy: TcpProxy, url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{proxy.port}"
    netloc = f"{netloc[0]}@{host}" if len(netloc) == 2 else host
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture
def fake(app):
    """The in-memory Label Studio the deliveries' annotations are re-read from."""
    gateway = FakeLabelStudio()
    app.config["LABEL_STUDIO_GATEWAY"] = gateway
    return gateway


@pytest.fixture
def proxied(app, fake, database_url):
    """The test's app, re-created to reach PostgreSQL through a proxy; served live."""
    from app import create_app
    from app.extensions import db

    original = db.engine
    parts = urlsplit(database_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432).start()
    proxied_app = create_app(
        {
            **{k: app.config[k] for k in ("TESTING", "WTF_CSRF_ENABLED", "BABEL_DEFAULT_LOCALE",
                                          "LABEL_STUDIO_GATEWAY")},
            "DATABASE_URL": _through(proxy, database_url),
        }
    )
    original.dispose()  # The shared `db` now holds the proxied engine.
    server = LiveServer(proxied_app)
    server.start()
    yield proxied_app, proxy, server
    server.stop()
    proxy.stop()


class Load:
    """Client threads reading the batch page and posting webhooks until told to stop."""

    def __init__(self, url: str, batch, items, rules, secret: str, fake) -> None:
        self.url, self.batch, self.items, self.rules = url, batch, items, rules
        self.fake = fake
        self.secret = secret
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.log: list[tuple[float, str, int]] = []  # (time, kind, status)
        self.stored: list[dict] = []  # webhook bodies answered 200
        self.refused: list[dict] = []  # webhook bodies answered 503
        self.next_id = 1

    def _ann_id(self) -> int:
        with self.lock:
            self.next_id += 1
            return self.next_id

    def reader(self, email: str) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            for _attempt in range(5):  # two readers sign in at once while webhooks write
                client.post("/login", data={"email": email, "password": PASSWORD})
                if client.get("/").status_code == 200:
                    break
                time.sleep(0.2)
            else:
                raise AssertionError(f"{email} could not sign in before the outage")
            while not self.stop.is_set():
                status = client.get(f"/batches/{self.batch.id}").status_code
                with self.lock:
                    self.log.append((time.monotonic(), "page", status))

    def hooks(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self.stop.is_set():
                ann_id = self._ann_id()
                item = self.items[ann_id % len(self.items)]
                with self.lock:  # an annotation made in Label Studio, then its webhook
                    _made, body = made_in_label_studio(self.fake, self.batch, item, self.rules)
                status = client.post(
                    f"/webhooks/label-studio/{self.batch.id}",
                    content=json.dumps(body),
                    headers={"X-Labelgate-Secret": self.secret, "Content-Type": "application/json"},
                ).status_code
                with self.lock:
                    self.log.append((time.monotonic(), "hook", status))
                    (self.stored if status == 200 else self.refused).append(body)


def test_postgres_outage_answers_503_then_recovers_and_loses_nothing(
    app, fake, proxied, session, database_url
):
    proxied_app, proxy, server = proxied
    batch, version = pushed_to(app, session, fake, 20)
    make_user(session, email="lead@example.test", roles=("qa_lead",))
    load = Load(
        server.url,
        batch,
        list(batch.items),
        rule_set_of(version),
        webhook_secret(batch.id, proxied_app),
        fake,
    )
    session.commit()  # end the read of the items now: the outage would break its connection
    threads = [
        threading.Thread(target=load.reader, args=("lead@example.test",))
        for _ in range(CLIENTS // 2)
    ]
    threads += [threading.Thread(target=load.hooks) for _ in range(CLIENTS // 2)]
    for thread in threads:
        thread.start()
    time.sleep(2.0)
    cut_at = time.monotonic()
    proxy.cut()
    time.sleep(3.0)
    proxy.restore()
    restored_at = time.monotonic()
    time.sleep(4.0)
    load.stop.set()
    for thread in threads:
        thread.join(timeout=30)

    statuses = Counter(status for _t, _k, status in load.log)
    assert set(statuses) <= {200, 503}, f"unexpected answers: {statuses}"
    during = Counter(s for t, _k, s in load.log if cut_at + 0.5 < t < restored_at)
    assert during[503] > 0 and during[200] == 0, f"while down: {during}"
    # One pooled connection per worker thread may fail once more after the restore.
    late = [s for t, _k, s in load.log if t > restored_at + 1.5]
    assert late and set(late) == {200}, f"after recovery: {Counter(late)}"
    assert {k for t, k, s in load.log if t > restored_at + 1.5} == {"page", "hook"}

    direct = create_engine(database_url)
    try:
        with direct.connect() as conn:
            stored = set(conn.scalars(select(Annotation.ls_annotation_id)))
        # Everything answered 200 is stored. A delivery cut in the middle of its answer may
        # be stored too (committed, then the reply was lost), and so may one whose task a
        # later notice re-read: Label Studio does not retry, and delivering again what was
        # refused (as reconciliation would bring it) must end with exactly what it holds.
        answered = {b["annotation"]["id"] for b in load.stored}
        assert answered <= stored
        client = proxied_app.test_client()
        for body in load.refused:
            response = client.post(
                f"/webhooks/label-studio/{batch.id}",
                json=body,
                headers={"X-Labelgate-Secret": load.secret},
            )
            assert response.status_code == 200
        with direct.connect() as conn:
            final = list(conn.scalars(select(Annotation.ls_annotation_id)))
        assert sorted(final) == sorted(answered | {b["annotation"]["id"] for b in load.refused})
    finally:
        direct.dispose()
