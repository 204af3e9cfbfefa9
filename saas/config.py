"""Configuration read from the environment, with embedded defaults for `make run`.

Every setting documented in README's configuration table is read here and nowhere else.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

INSTANCE_DIR = Path(os.environ.get("TEND_INSTANCE_DIR", Path.cwd() / "instance")).resolve()


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _embedded_secret_key() -> str:
    """Return a secret key kept under instance/ so sessions survive restarts in development."""
    path = INSTANCE_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'tend.db'}"
    # psycopg 3 is the driver; accept the common postgres:// spellings.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _release() -> str:
    """Package version plus git revision when known (for Sentry releases)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        base = version("tend")
    except PackageNotFoundError:
        base = "0"
    revision = os.environ.get("GIT_REVISION", "")
    if not revision:
        head = Path(__file__).resolve().parent.parent / ".git" / "HEAD"
        try:
            ref = head.read_text().strip()
            if ref.startswith("ref: "):
                ref_path = head.parent / ref[5:]
                ref = ref_path.read_text().strip() if ref_path.exists() else ""
            revision = ref[:12]
        except OSError:
            revision = ""
    return f"tend@{base}+{revision}" if revision else f"tend@{base}"


def load_config() -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    env = os.environ.get("TEND_ENV", "development")
    production = env == "production"
    redis_url = os.environ.get("REDIS_URL", "")
    smtp_url = os.environ.get("SMTP_URL", "")
    secret_key = os.environ.get("SECRET_KEY") or (None if production else _embedded_secret_key())
    if production and not secret_key:
        raise RuntimeError("SECRET_KEY must be set when TEND_ENV=production")
    return {
        "TEND_ENV": env,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        # hide_parameters: SQL errors never carry row values (support text, addresses).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "SENTRY_DSN": os.environ.get("SENTRY_DSN", ""),
        "SENTRY_TRACES_SAMPLE_RATE": float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0.0")),
        "RELEASE": _release(),
        "REDIS_URL": redis_url,
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "PLATFORM_HOSTS": [
            h.strip().lower()
            for h in os.environ.get("PLATFORM_HOSTS", "localhost,127.0.0.1").split(",")
            if h.strip()
        ],
        "MAIL_TRANSPORT": os.environ.get("MAIL_TRANSPORT") or ("smtp" if smtp_url else "outbox"),
        "SMTP_URL": smtp_url,
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Tend <hello@tend.localhost>"),
        "OUTBOX_DIR": str(INSTANCE_DIR / "outbox"),
        "INBOUND_EMAIL_DOMAIN": os.environ.get("INBOUND_EMAIL_DOMAIN", "in.tend.localhost"),
        "SUBSCRIBE_CONFIRM_MAX_AGE": int(
            os.environ.get("SUBSCRIBE_CONFIRM_MAX_AGE", str(7 * 86400))
        ),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI")
        or (redis_url if redis_url and production else "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "PASSWORD_RESET_MAX_AGE": int(os.environ.get("PASSWORD_RESET_MAX_AGE", "3600")),
        "SIGNUP_CONFIRM_MAX_AGE": int(os.environ.get("SIGNUP_CONFIRM_MAX_AGE", "86400")),
        "INVITE_MAX_AGE": int(os.environ.get("INVITE_MAX_AGE", str(7 * 86400))),
        "ARCHIVE_PAGE_SIZE": int(os.environ.get("ARCHIVE_PAGE_SIZE", "12")),
        # Seconds anonymous readers' public pages are served from the in-process cache; 0 = off.
        "PUBLIC_CACHE_SECONDS": int(
            os.environ.get("PUBLIC_CACHE_SECONDS", "10" if production else "0")
        ),
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "1" if production else "0")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(2 * 1024 * 1024))),
        # Subscriber CSV uploads only; every other request keeps MAX_CONTENT_LENGTH.
        "IMPORT_MAX_BYTES": int(os.environ.get("IMPORT_MAX_BYTES", str(20 * 1024 * 1024))),
    }
