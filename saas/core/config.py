"""Configuration read from the environment, with embedded defaults for `make run`.

Every setting documented in README's configuration table is read here and nowhere else.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import secrets
from pathlib import Path
from typing import Any

INSTANCE_DIR = Path(os.environ.get("TEND_INSTANCE_DIR", Path.cwd() / "instance")).resolve()


def _seconds_list(name: str, raw: str) -> list[float]:
    """A comma-separated list of seconds, e.g. "60,300,900" (`name` is for the error)."""
    try:
        values = [float(part) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise ValueError(f"{name} must be seconds separated by commas, got {raw!r}") from exc
    if any(value < 0 for value in values):
        raise ValueError(f"{name} must not hold negative seconds")
    return values


def _positive_seconds(name: str, raw: str) -> float:
    """A number of seconds above zero, e.g. "10" (`name` is for the error)."""
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from exc
    if not value > 0:
        raise ValueError(f"{name} must be more than 0 seconds")
    return value


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


def _embedded_support_keys() -> str:
    """Return the support-request encryption key kept under instance/ (development only)."""
    path = INSTANCE_DIR / "support_keys"
    if path.exists():
        return path.read_text().strip()
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    path.touch(mode=0o600)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _checked_fernet_keys(value: str) -> str:
    """Refuse to start with a malformed key list (never echoing the keys themselves)."""
    keys = [k.strip() for k in value.split(",") if k.strip()]
    for number, key in enumerate(keys, start=1):
        try:
            ok = len(base64.urlsafe_b64decode(key.encode())) == 32
        except (ValueError, TypeError):
            ok = False
        if not ok:
            raise RuntimeError(f"SUPPORT_ENCRYPTION_KEYS: key {number} is not a Fernet key")
    return ",".join(keys)


def _dkim_private_key() -> str:
    """The platform's DKIM key: DKIM_PRIVATE_KEY (PEM; line breaks may be written as \\n) or
    the file DKIM_PRIVATE_KEY_FILE names. Refuses to start with one that is not an RSA key."""
    pem = os.environ.get("DKIM_PRIVATE_KEY", "").replace("\\n", "\n").strip()
    path = os.environ.get("DKIM_PRIVATE_KEY_FILE", "").strip()
    if not pem and path:
        pem = Path(path).read_text().strip()
    if not pem:
        return ""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise RuntimeError("DKIM_PRIVATE_KEY is not a PEM RSA private key without a passphrase")
    return pem + "\n"


def served_base_url(host: str, port: int) -> str:
    """The address a development server listening on host:port is reached at.

    A server listening on every interface (0.0.0.0, ::) is reached at this machine's
    loopback address; other machines need BASE_URL set to an address they can reach.
    """
    host = host.strip().strip("[]")
    try:
        address = ipaddress.ip_address(host) if host else None
    except ValueError:  # a host name
        address = None
    if not host or (address is not None and address.is_unspecified):
        host = "localhost" if address is not None and address.version == 6 else "127.0.0.1"
    elif address is not None and address.version == 6:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def sqlalchemy_url(url: str) -> str:
    """psycopg 3 is the driver; accept the common postgres:// spellings."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'tend.db'}"
    return sqlalchemy_url(url)


def _release() -> str:
    """Package version plus git revision when known (for Sentry releases)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        base = version("tend")
    except PackageNotFoundError:
        base = "0"
    revision = os.environ.get("GIT_REVISION", "")
    if not revision:
        head = Path(__file__).resolve().parents[2] / ".git" / "HEAD"
        try:
            ref = head.read_text().strip()
            if ref.startswith("ref: "):
                ref_path = head.parent / ref[5:]
                ref = ref_path.read_text().strip() if ref_path.exists() else ""
            revision = ref[:12]
        except OSError:
            revision = ""
    return f"tend@{base}+{revision}" if revision else f"tend@{base}"


def _plan_prices(monthly: str, yearly: str) -> dict[str, str]:
    """A plan's Stripe Price ids by billing interval (an interval without one is not offered)."""
    prices = {"month": monthly.strip(), "year": yearly.strip()}
    return {interval: price for interval, price in prices.items() if price}


def storage_settings() -> dict[str, Any]:
    """Where uploaded files go, and what an image upload may be.

    The local backend (the embedded default) keeps files under instance/uploads/ and Tend
    serves them at /media/; setting S3_BUCKET switches to an S3-compatible bucket, whose
    files readers fetch from S3_PUBLIC_URL (by default the bucket's own address).
    """
    bucket = os.environ.get("S3_BUCKET", "").strip()
    return {
        "STORAGE_BACKEND": (os.environ.get("STORAGE_BACKEND") or ("s3" if bucket else "local"))
        .strip()
        .lower(),
        "UPLOADS_DIR": os.environ.get("UPLOADS_DIR") or str(INSTANCE_DIR / "uploads"),
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL", "").strip().rstrip("/"),
        "S3_REGION": os.environ.get("S3_REGION", "").strip() or "us-east-1",
        "S3_ACCESS_KEY_ID": os.environ.get("S3_ACCESS_KEY_ID", ""),
        "S3_SECRET_ACCESS_KEY": os.environ.get("S3_SECRET_ACCESS_KEY", ""),
        "S3_PUBLIC_URL": os.environ.get("S3_PUBLIC_URL", "").strip().rstrip("/"),
        # One image upload: its bytes, and its pixels (a small file can declare a huge image).
        "IMAGE_MAX_BYTES": int(os.environ.get("IMAGE_MAX_BYTES", str(10 * 1024 * 1024))),
        "IMAGE_MAX_PIXELS": int(os.environ.get("IMAGE_MAX_PIXELS", str(50_000_000))),
    }


def billing_settings() -> dict[str, Any]:
    """Stripe keys, the practitioner plan table and the reader-payments platform fee.

    Billing is on only when STRIPE_SECRET_KEY is set; without it every plan limit is off, the
    billing pages say paid plans are not available yet and the ops console's Payments page
    tells operators how to turn payments on. In each plan None means unlimited.
    """
    return {
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_CONNECT_WEBHOOK_SECRET": os.environ.get("STRIPE_CONNECT_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", "").rstrip("/"),
        "PLATFORM_FEE_PERCENT": float(os.environ.get("PLATFORM_FEE_PERCENT", "0")),
        "BILLING_GRACE_DAYS": int(os.environ.get("BILLING_GRACE_DAYS", "7")),
        # Days a processed webhook event's id is kept to recognise Stripe's redeliveries.
        "STRIPE_EVENT_RETENTION_DAYS": int(os.environ.get("STRIPE_EVENT_RETENTION_DAYS", "30")),
        "BILLING_PLANS": [
            {
                "key": "free",
                "name": "Free",
                "prices": {},
                "max_publications": 1,
                "max_subscribers": 1_000,
                "max_storage_bytes": 1_000_000_000,
                "custom_domain": False,
                "sending_domain": False,
                "tend_branding": True,
            },
            {
                "key": "pro",
                "name": "Pro",
                "prices": _plan_prices(
                    os.environ.get("STRIPE_PRICE_PRO", ""),
                    os.environ.get("STRIPE_PRICE_PRO_YEARLY", ""),
                ),
                "max_publications": 3,
                "max_subscribers": 10_000,
                "max_storage_bytes": 10_000_000_000,
                "custom_domain": True,
                "sending_domain": True,
                "tend_branding": False,
            },
            {
                "key": "studio",
                "name": "Studio",
                "prices": _plan_prices(
                    os.environ.get("STRIPE_PRICE_STUDIO", ""),
                    os.environ.get("STRIPE_PRICE_STUDIO_YEARLY", ""),
                ),
                "max_publications": None,
                "max_subscribers": None,
                "max_storage_bytes": 100_000_000_000,
                "custom_domain": True,
                "sending_domain": True,
                "tend_branding": False,
            },
        ],
    }


def load_config() -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    env = os.environ.get("TEND_ENV", "development")
    production = env == "production"
    redis_url = os.environ.get("REDIS_URL", "")
    smtp_url = os.environ.get("SMTP_URL", "")
    secret_key = os.environ.get("SECRET_KEY") or (None if production else _embedded_secret_key())
    if production and not secret_key:
        raise RuntimeError("SECRET_KEY must be set when TEND_ENV=production")
    # Production without keys gets "": saas.core.crypto refuses to build the app (web and worker).
    support_keys = os.environ.get("SUPPORT_ENCRYPTION_KEYS", "")
    support_keys_file = "" if support_keys or production else str(INSTANCE_DIR / "support_keys")
    return {
        "TEND_ENV": env,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        # Migrations run as the role that owns the tables; the app's role owns none.
        "MIGRATION_DATABASE_URI": sqlalchemy_url(os.environ.get("MIGRATION_DATABASE_URL", "")),
        # hide_parameters: SQL errors never carry row values (support text, addresses).
        # No ping per checkout: connections idle longer than DB_PING_AFTER_IDLE_SECONDS are
        # pinged, and replaced after DB_POOL_RECYCLE_SECONDS (saas.core.db_pool).
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": False,
            "pool_recycle": int(os.environ.get("DB_POOL_RECYCLE_SECONDS", "1800")),
            "hide_parameters": True,
        },
        "DB_PING_AFTER_IDLE_SECONDS": float(os.environ.get("DB_PING_AFTER_IDLE_SECONDS", "30")),
        "SENTRY_DSN": os.environ.get("SENTRY_DSN", ""),
        "SENTRY_TRACES_SAMPLE_RATE": float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0.0")),
        "RELEASE": _release(),
        "REDIS_URL": redis_url,
        "BASE_URL": (os.environ.get("BASE_URL") or served_base_url("127.0.0.1", 5000)).rstrip("/"),
        # Without BASE_URL, development links follow the address `flask serve` and `flask demo`
        # are given (saas/site/cli.py), so `make run PORT=8080` mails links that work.
        "BASE_URL_FOLLOWS_SERVER": not production and not os.environ.get("BASE_URL"),
        "PLATFORM_HOSTS": [
            h.strip().lower()
            for h in os.environ.get("PLATFORM_HOSTS", "localhost,127.0.0.1").split(",")
            if h.strip()
        ],
        # Custom-domain verification asks this nameserver (host:port) for TXT records; empty
        # means the system resolver. The timeout is not an environment setting (tests lower it).
        "DNS_RESOLVER": os.environ.get("DNS_RESOLVER", "").strip(),
        "DNS_TIMEOUT": 3.0,
        # Requests to addresses practitioners typed (webhooks): seconds to connect, seconds
        # for the whole exchange, bytes of the answer kept. Loopback stays refused unless a
        # test allows it (not an environment setting); private ranges are always refused.
        "OUTBOUND_CONNECT_TIMEOUT": float(os.environ.get("OUTBOUND_CONNECT_TIMEOUT", "5")),
        "OUTBOUND_TIMEOUT": float(os.environ.get("OUTBOUND_TIMEOUT", "10")),
        "OUTBOUND_MAX_BODY": int(os.environ.get("OUTBOUND_MAX_BODY", str(64 * 1024))),
        "OUTBOUND_ALLOW_LOOPBACK": False,
        # Outbound webhooks: pauses (seconds) before each retry of a failed delivery (about
        # 25 hours in all), then the delivery fails; when one fails so and nothing reached
        # the endpoint for WEBHOOK_DISABLE_HOURS, it is switched off and its owners told.
        "WEBHOOK_RETRY_SCHEDULE": _seconds_list(
            "WEBHOOK_RETRY_SCHEDULE",
            os.environ.get("WEBHOOK_RETRY_SCHEDULE", "60,300,1200,3600,7200,14400,28800,36000"),
        ),
        "WEBHOOK_DISABLE_HOURS": float(os.environ.get("WEBHOOK_DISABLE_HOURS", "24")),
        # Days a finished webhook delivery stays in its endpoint's log.
        "WEBHOOK_LOG_DAYS": float(os.environ.get("WEBHOOK_LOG_DAYS", "30")),
        "MAIL_TRANSPORT": os.environ.get("MAIL_TRANSPORT") or ("smtp" if smtp_url else "outbox"),
        "SMTP_URL": smtp_url,
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Tend <hello@tend.localhost>"),
        "OUTBOX_DIR": str(INSTANCE_DIR / "outbox"),
        # The platform signs the mail it sends as itself with this DKIM key (none: unsigned),
        # published at <DKIM_SELECTOR>._domainkey.<DKIM_DOMAIN, else MAIL_FROM's domain>.
        "DKIM_PRIVATE_KEY": _dkim_private_key(),
        "DKIM_SELECTOR": os.environ.get("DKIM_SELECTOR", "tend").strip(),
        "DKIM_DOMAIN": os.environ.get("DKIM_DOMAIN", "").strip().lower(),
        # A publication's own sending domain: the host its return-path CNAME points at
        # (empty: "bounces." + MAIL_FROM's domain), and the days an old DKIM key stays
        # published after a rotation switched to the new one.
        "RETURN_PATH_HOST": os.environ.get("RETURN_PATH_HOST", "").strip().lower(),
        "DKIM_RETIRE_DAYS": int(os.environ.get("DKIM_RETIRE_DAYS", "7")),
        # Bounces: the domain of each delivery's VERP envelope sender (empty: RETURN_PATH_HOST's
        # value), soft bounces within SOFT_BOUNCE_DAYS that suppress a reader, and the
        # complaint rates (over COMPLAINT_RATE_DAYS, counted against at least
        # COMPLAINT_RATE_FLOOR messages) that warn and that pause a publication's sends.
        "BOUNCE_DOMAIN": os.environ.get("BOUNCE_DOMAIN", "").strip().lower(),
        "SOFT_BOUNCE_LIMIT": int(os.environ.get("SOFT_BOUNCE_LIMIT", "3")),
        "SOFT_BOUNCE_DAYS": float(os.environ.get("SOFT_BOUNCE_DAYS", "30")),
        "COMPLAINT_WARN_RATE": float(os.environ.get("COMPLAINT_WARN_RATE", "0.001")),
        "COMPLAINT_PAUSE_RATE": float(os.environ.get("COMPLAINT_PAUSE_RATE", "0.003")),
        "COMPLAINT_RATE_DAYS": float(os.environ.get("COMPLAINT_RATE_DAYS", "30")),
        "COMPLAINT_RATE_FLOOR": int(os.environ.get("COMPLAINT_RATE_FLOOR", "1000")),
        # Days a verified custom domain whose DNS no longer points here is still served.
        "CUSTOM_DOMAIN_GRACE_DAYS": int(os.environ.get("CUSTOM_DOMAIN_GRACE_DAYS", "3")),
        # Seconds an SMTP connection waits for the server before the send is retried.
        "SMTP_TIMEOUT": float(os.environ.get("SMTP_TIMEOUT", "30")),
        # Pauses (seconds) before trying a temporarily refused message again on the same
        # connection; still refused after them, the delivery is deferred for later.
        "SMTP_RETRY_DELAYS": _seconds_list(
            "SMTP_RETRY_DELAYS", os.environ.get("SMTP_RETRY_DELAYS", "1,4,15")
        ),
        # When deferred deliveries are tried again: seconds after each deferral, the last
        # pause repeating, until DELIVERY_RETRY_HOURS after the first one (then: failed).
        "DELIVERY_RETRY_SCHEDULE": _seconds_list(
            "DELIVERY_RETRY_SCHEDULE",
            os.environ.get("DELIVERY_RETRY_SCHEDULE", "60,300,900,1800,3600,7200,14400"),
        ),
        "DELIVERY_RETRY_HOURS": float(os.environ.get("DELIVERY_RETRY_HOURS", "48")),
        # Seconds a claimed delivery may go without its worker's heartbeat before the send's
        # watcher re-queues it (the worker died).
        "DELIVERY_CLAIM_TIMEOUT": int(os.environ.get("DELIVERY_CLAIM_TIMEOUT", "300")),
        # Seconds between two heartbeats of a worker process holding claims; a process missing
        # three in a row is taken for dead and its claims go to other workers at once.
        "WORKER_HEARTBEAT_SECONDS": _positive_seconds(
            "WORKER_HEARTBEAT_SECONDS", os.environ.get("WORKER_HEARTBEAT_SECONDS") or "10"
        ),
        # Seconds between two sweeps of the sends in progress by each worker process (a send
        # whose watcher was lost carries on within this time).
        "SEND_SWEEP_SECONDS": float(os.environ.get("SEND_SWEEP_SECONDS", "30")),
        "INBOUND_EMAIL_DOMAIN": os.environ.get("INBOUND_EMAIL_DOMAIN", "in.tend.localhost"),
        # Reader replies by email: the shared secret of POST /inbound/email (empty = off), the
        # largest message accepted there and by the SMTP server, and where that server listens.
        "INBOUND_SECRET": os.environ.get("INBOUND_SECRET", ""),
        "INBOUND_MAX_BYTES": int(os.environ.get("INBOUND_MAX_BYTES", str(10 * 1024 * 1024))),
        "INBOUND_SMTP_HOST": os.environ.get("INBOUND_SMTP_HOST", "127.0.0.1"),
        "INBOUND_SMTP_PORT": int(os.environ.get("INBOUND_SMTP_PORT", "2525")),
        # Seconds a reader's emailed sign-in link (to reply on the web) stays valid.
        "READER_LINK_MAX_AGE": int(os.environ.get("READER_LINK_MAX_AGE", "1800")),
        "SUBSCRIBE_CONFIRM_MAX_AGE": int(
            os.environ.get("SUBSCRIBE_CONFIRM_MAX_AGE", str(7 * 86400))
        ),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI")
        or (redis_url if redis_url and production else "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        # Requests one API key may make (Flask-Limiter's notation); past it, 429 + Retry-After.
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "120 per minute; 3000 per hour"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        # __Host- cookies are only accepted over https, for this exact host, path /.
        "SESSION_COOKIE_NAME": "__Host-tend_session" if production else "tend_session",
        "REMEMBER_COOKIE_NAME": "__Host-tend_remember" if production else "tend_remember",
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
        # Anonymous public pages may be kept this long by a CDN or proxy in front (s-maxage),
        # and served while it fetches a fresh copy for this much longer.
        "PUBLIC_SHARED_MAX_AGE": int(os.environ.get("PUBLIC_SHARED_MAX_AGE", "60")),
        "PUBLIC_STALE_WHILE_REVALIDATE": int(
            os.environ.get("PUBLIC_STALE_WHILE_REVALIDATE", "300")
        ),
        # Rendered public pages and readers' states in the shared cache (Redis): how long a
        # copy may live at most (each is also dropped as soon as its content changes), the
        # key prefix, and how long a Redis call may take before the page is built without it.
        "PAGE_FRAGMENT_SECONDS": int(os.environ.get("PAGE_FRAGMENT_SECONDS", "3600")),
        "CACHE_KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "tend:"),
        "CACHE_REDIS_TIMEOUT": float(os.environ.get("CACHE_REDIS_TIMEOUT", "0.25")),
        # How long past PUBLIC_CACHE_SECONDS a page is kept to serve if the app fails.
        "PUBLIC_CACHE_STALE_SECONDS": int(
            os.environ.get("PUBLIC_CACHE_STALE_SECONDS", "86400" if production else "0")
        ),
        "WORKER_FORK": _bool("TEND_WORKER_FORK", False),
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "1" if production else "0")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(2 * 1024 * 1024))),
        # Fernet keys for support requests, newest first; the file is the embedded default's.
        "SUPPORT_ENCRYPTION_KEYS": _checked_fernet_keys(support_keys)
        if support_keys
        else ("" if production else _checked_fernet_keys(_embedded_support_keys())),
        "SUPPORT_KEYS_FILE": support_keys_file,
        # Subscriber CSV uploads only; every other request keeps MAX_CONTENT_LENGTH.
        "IMPORT_MAX_BYTES": int(os.environ.get("IMPORT_MAX_BYTES", str(20 * 1024 * 1024))),
        **storage_settings(),
        **billing_settings(),
    }
