"""Shared fixtures: a fresh app per test on SQLite or PostgreSQL (LABELGATE_TEST_DB)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TEST_DB = os.environ.get("LABELGATE_TEST_DB", "sqlite")
POSTGRES_URL = os.environ.get(
    "LABELGATE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytest_plugins = [
    f"tests.plugins.{p.stem}"
    for p in sorted((Path(__file__).parent / "plugins").glob("*.py"))
    if p.stem != "__init__"
]


def unavailable(reason: str) -> None:
    """Fail under CI (a needed component must be there), skip on a developer's machine."""
    if IN_CI:
        pytest.fail(f"required component unavailable under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def _postgres_database(tmp_root: Path):
    import psycopg

    name = f"labelgate_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as err:
        unavailable(f"PostgreSQL at {POSTGRES_URL} is not reachable: {err}".strip())
    admin.execute(f'CREATE DATABASE "{name}"')
    base, _sep, _db = POSTGRES_URL.rpartition("/")
    return admin, name, f"{base}/{name}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A fresh, migrated database for this test session; dropped afterwards."""
    from app import migrate
    from app.config import normalise_database_url

    tmp_root = tmp_path_factory.mktemp("db")
    if TEST_DB == "postgresql":
        admin, name, url = _postgres_database(tmp_root)
        url = normalise_database_url(url)
        migrate.upgrade(url)
        yield url
        from app.extensions import db

        if db.engine is not None:
            db.engine.dispose()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    else:
        url = f"sqlite:///{tmp_root / 'labelgate-test.db'}"
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory):
    """An instance folder of the session's own (secret key, uploads)."""
    path = tmp_path_factory.mktemp("instance")
    os.environ["LABELGATE_INSTANCE_PATH"] = str(path)
    return path


def _empty_all_tables(engine) -> None:
    from sqlalchemy import text

    from app.models import Base

    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                              + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def app(database_url, instance_dir):
    """A fresh app per test over an emptied database."""
    from app import create_app
    from app.extensions import db

    application = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "BABEL_DEFAULT_LOCALE": "en",
        "SERVER_NAME": None,
    })
    _empty_all_tables(db.engine)
    yield application
    db.session.remove()
    db.engine.dispose()


@pytest.fixture
def session(app):
    """A session of the test's own, outside any app context.

    No app context is held open: a request made by the test client while one is pushed
    would share its `g` (and Flask-Login's cached user) across requests.
    """
    from app.extensions import db

    own = db.new_session()
    yield own
    own.close()


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def artifacts_dir() -> Path:
    """Where tests leave screenshots and reports for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
