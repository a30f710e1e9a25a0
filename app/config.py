"""Settings from LABELGATE_* environment variables, with safe local defaults."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


def _secret_key(instance: Path) -> str:
    """Return the configured secret key, or one generated once and kept under instance/."""
    configured = os.environ.get("LABELGATE_SECRET_KEY")
    if configured:
        return configured
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Create with 0600 so other local users cannot read it.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


@dataclass(frozen=True)
class Settings:
    """The settings a deployment can change; read once by `load_settings`."""

    instance_path: Path
    database_url: str
    secret_key: str
    label_studio_url: str | None
    label_studio_api_key: str | None
    label_studio_public_url: str | None
    label_studio_security_url: str | None
    label_studio_security_api_key: str | None
    editor_assets: str | None
    redis_url: str | None
    jobs_queue: str
    job_retry_intervals: tuple[float, ...]
    default_locale: str
    public_url: str
    audit_retention_days: int
    login_attempts_per_minute: int


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read settings from the environment, filling in local defaults."""
    env = os.environ if environ is None else environ
    instance = Path(env.get("LABELGATE_INSTANCE_PATH", str(DEFAULT_INSTANCE)))
    instance.mkdir(parents=True, exist_ok=True)
    database_url = env.get("LABELGATE_DATABASE_URL") or f"sqlite:///{instance / 'labelgate.db'}"
    return Settings(
        instance_path=instance,
        database_url=normalise_database_url(database_url),
        secret_key=_secret_key(instance),
        label_studio_url=env.get("LABELGATE_LABEL_STUDIO_URL") or None,
        label_studio_api_key=env.get("LABELGATE_LABEL_STUDIO_API_KEY") or None,
        label_studio_public_url=env.get("LABELGATE_LABEL_STUDIO_PUBLIC_URL") or None,
        label_studio_security_url=env.get("LABELGATE_LABEL_STUDIO_SECURITY_URL") or None,
        label_studio_security_api_key=env.get("LABELGATE_LABEL_STUDIO_SECURITY_API_KEY") or None,
        editor_assets=env.get("LABELGATE_EDITOR_ASSETS") or None,
        redis_url=env.get("LABELGATE_REDIS_URL") or None,
        jobs_queue=env.get("LABELGATE_JOBS_QUEUE") or "labelgate",
        job_retry_intervals=_seconds_list(env.get("LABELGATE_JOB_RETRY_INTERVALS", "5,30,120")),
        default_locale=env.get("LABELGATE_DEFAULT_LOCALE", "zh_CN"),
        public_url=env.get("LABELGATE_PUBLIC_URL", "http://127.0.0.1:5000"),
        # Article-8 evidence must be kept at least six months (B §5c); never lower.
        audit_retention_days=max(183, int(env.get("LABELGATE_AUDIT_RETENTION_DAYS", "183"))),
        login_attempts_per_minute=int(env.get("LABELGATE_LOGIN_ATTEMPTS_PER_MINUTE", "10")),
    )


def _seconds_list(text: str) -> tuple[float, ...]:
    """Return "5,30,120" as (5.0, 30.0, 120.0); raise ValueError naming the setting."""
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        values = ()
    if not values or any(v < 0 for v in values):
        raise ValueError(f"LABELGATE_JOB_RETRY_INTERVALS={text!r}: give seconds separated by "
                         "commas, e.g. 5,30,120.")
    return values


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url
