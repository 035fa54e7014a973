"""Configuration from environment variables, with defaults that serve one machine."""

import datetime as dt
import os
import secrets
from pathlib import Path


# The seller's name on invoice documents until COMPANY_NAME is set.
DEFAULT_COMPANY_NAME = "Your Company"


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
        "PAGE_SIZE": int(os.environ.get("PAGE_SIZE", "50")),
        # Session cookies: never readable by scripts, not sent on cross-site posts, and
        # only over HTTPS when the app is served behind it.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SECURE_COOKIES", False),
        "PERMANENT_SESSION_LIFETIME": session_lifetime,
        # A form's CSRF token lasts as long as the sign-in, not Flask-WTF's default hour:
        # an editor left open over lunch still saves. The token is bound to the session.
        "WTF_CSRF_TIME_LIMIT": int(session_lifetime.total_seconds()),
    }
