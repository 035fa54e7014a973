"""The audit trail of invoices: every change, by whom and when, written in the same
transaction as the change itself (issue 7)."""

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models.users import AuditEntry


def _actor() -> tuple[int | None, str]:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, current_user.email
    return None, "cli"


def _text(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def record(invoice_code: str, action: str, *, target: str | None = None, field: str | None = None,
           old=None, new=None) -> None:
    """Add one entry to the current transaction; it commits or rolls back with the change."""
    user_id, actor = _actor()
    db.session.add(AuditEntry(invoice_code=invoice_code, user_id=user_id, actor=actor,
                              action=action, target=target, field=field, old_value=_text(old),
                              new_value=_text(new)))


def record_changes(invoice_code: str, target: str, changes: dict[str, tuple]) -> None:
    """One entry per changed field: {field: (old, new)}; unchanged values are skipped."""
    for field, (old, new) in changes.items():
        if _text(old) != _text(new):
            record(invoice_code, "edit", target=target, field=field, old=old, new=new)


def timeline(invoice_code: str) -> list[AuditEntry]:
    """The invoice's entries, newest first."""
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.invoice_code == invoice_code)
                                   .order_by(AuditEntry.id.desc())))
