"""Configuration from environment variables, with defaults that serve one machine."""

import datetime as dt
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url


# The seller's name on invoice documents until COMPANY_NAME is set.
DEFAULT_COMPANY_NAME = "Your Company"
# How PostgreSQL's pg_stat_activity names the app's connections (DB_APPLICATION_NAME).
DEFAULT_APPLICATION_NAME = "project-invoicing"
# A pooled connection older than this is replaced before use: firewalls and proxies drop
# connections idle for an hour or so without telling either end.
POOL_RECYCLE_SECONDS = 1800
# How long opening a PostgreSQL connection may take before the request answers 503 (libpq
# would wait for an unreachable host for minutes).
CONNECT_TIMEOUT_SECONDS = 10
# The largest request body (an upload) without MAX_UPLOAD_MB: a bigger one answers 413.
DEFAULT_UPLOAD_MB = 10
DEFAULT_UPLOAD_LIMIT = DEFAULT_UPLOAD_MB * 1024 * 1024


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _lines(value: str) -> str:
    """A multi-line setting: real newlines, or "\\n" as typed in a one-line .env file."""
    return value.replace("\\n", "\n").strip()


def from_environment(instance_path: str) -> dict:
    """Settings read from the environment (SPEC 9); the CLI uses the same ones."""
    instance = Path(instance_path)
    session_lifetime = dt.timedelta(hours=int(os.environ.get("SESSION_HOURS", "12")))
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'invoicing.sqlite'}"
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": _secret_key(instance),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "localhost"),
        # Whether SMTP_HOST was given: the localhost default may have no server behind it.
        "SMTP_CONFIGURED": bool(os.environ.get("SMTP_HOST")),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", False),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "invoices@localhost"),
        # The seller block of the invoice document: the company running the app.
        "COMPANY_NAME": os.environ.get("COMPANY_NAME", DEFAULT_COMPANY_NAME),
        "COMPANY_ADDRESS": _lines(os.environ.get("COMPANY_ADDRESS", "")),
        "COMPANY_VAT_ID": os.environ.get("COMPANY_VAT_ID", ""),
        "COMPANY_EMAIL": os.environ.get("COMPANY_EMAIL", ""),
        "COMPANY_PHONE": os.environ.get("COMPANY_PHONE", ""),
        "COMPANY_BANK": os.environ.get("COMPANY_BANK", ""),
        # What e-invoices (issue 16) say of the seller beyond the printed block: a postal
        # address in parts, the legal registration (CVR in Denmark), the Peppol electronic
        # address and its scheme (0184: a Danish CVR), the account paid into.
        "COMPANY_STREET": os.environ.get("COMPANY_STREET", ""),
        "COMPANY_POSTAL_CODE": os.environ.get("COMPANY_POSTAL_CODE", ""),
        "COMPANY_CITY": os.environ.get("COMPANY_CITY", ""),
        "COMPANY_COUNTRY": os.environ.get("COMPANY_COUNTRY", "").strip().upper(),
        "COMPANY_REGISTRATION_ID": os.environ.get("COMPANY_REGISTRATION_ID", ""),
        "COMPANY_ENDPOINT_ID": os.environ.get("COMPANY_ENDPOINT_ID", ""),
        "COMPANY_ENDPOINT_SCHEME": os.environ.get("COMPANY_ENDPOINT_SCHEME", ""),
        "COMPANY_IBAN": os.environ.get("COMPANY_IBAN", "").replace(" ", "").upper(),
        "COMPANY_BIC": os.environ.get("COMPANY_BIC", "").strip().upper(),
        # The official UBL schemas and Peppol / CEN / OIOUBL rules (third-party files read
        # from here, never copied into the app): without it, no e-invoice is offered.
        "EINVOICE_RULES_DIR": os.environ.get("EINVOICE_RULES_DIR", ""),
        "PAGE_SIZE": int(os.environ.get("PAGE_SIZE", "50")),
        # Any request body larger than this (a CSV upload of actuals) answers 413.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB") or DEFAULT_UPLOAD_MB)
        * 1024 * 1024,
        # Session cookies: never readable by scripts, not sent on cross-site posts, and
        # only over HTTPS when the app is served behind it.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SECURE_COOKIES", False),
        "PERMANENT_SESSION_LIFETIME": session_lifetime,
        # A form's CSRF token lasts as long as the sign-in, not Flask-WTF's default hour:
        # an editor left open over lunch still saves. The token is bound to the session.
        "WTF_CSRF_TIME_LIMIT": int(session_lifetime.total_seconds()),
        # PostgreSQL connections (engine_options): their name, how long a statement waits
        # for a row lock before it is refused as busy (409), and how long a connection may
        # sit idle inside a transaction (a client that hung while holding locks) before
        # PostgreSQL ends it.
        "DB_APPLICATION_NAME": os.environ.get("DB_APPLICATION_NAME", DEFAULT_APPLICATION_NAME),
        "DB_LOCK_TIMEOUT_MS": int(os.environ.get("DB_LOCK_TIMEOUT_MS", "10000")),
        "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS": int(
            os.environ.get("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", "300000")),
    }


def engine_options(config: Mapping) -> dict:
    """SQLALCHEMY_ENGINE_OPTIONS for the configured database (the factory calls this once the
    caller's own config is in: a test's database URL is known only then). Every pooled
    connection is tested before use, so one PostgreSQL dropped (a restart, a failover, an
    idle timeout) is replaced instead of failing a request. Options given in the config's own
    SQLALCHEMY_ENGINE_OPTIONS win."""
    options: dict = {"pool_pre_ping": True, "pool_recycle": POOL_RECYCLE_SECONDS}
    if make_url(config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "postgresql":
        settings = {"lock_timeout": int(config["DB_LOCK_TIMEOUT_MS"]),
                    "idle_in_transaction_session_timeout":
                        int(config["DB_IDLE_IN_TRANSACTION_TIMEOUT_MS"])}
        options["connect_args"] = {
            "application_name": config["DB_APPLICATION_NAME"],
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "options": " ".join(f"-c {name}={value}" for name, value in settings.items())}
    return {**options, **config.get("SQLALCHEMY_ENGINE_OPTIONS", {})}
