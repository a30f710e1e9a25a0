"""Unbound extensions, bound to an app by `init_app` in the factory."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, scoped_session, sessionmaker


class Database:
    """One engine and one request-scoped session per app."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._factory = sessionmaker(expire_on_commit=False)
        self.session = scoped_session(self._factory)

    def init_app(self, app: Flask) -> None:
        """Create the engine from the app's database URL and close sessions after requests."""
        url = app.config["DATABASE_URL"]
        options: dict = {"future": True}
        if url.startswith("sqlite"):
            options["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            options.update(pool_pre_ping=True, pool_size=5, max_overflow=10)
        self.engine = create_engine(url, **options)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._factory.configure(bind=self.engine)
        app.teardown_appcontext(self._remove)

    def _remove(self, exc: BaseException | None = None) -> None:
        self.session.remove()

    def new_session(self) -> Session:
        """Return a session outside the request scope (jobs, CLI)."""
        return self._factory()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
