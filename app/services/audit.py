"""The audit trail of invoices: every change, by whom and when, written in the same
transaction as the change itself (issue 7).

Who acts reaches the trail explicitly: the edge says so with `set_actor` (the signed-in
user, for the length of a request); anything else — a command, a test — is "cli".
"""

from contextvars import ContextVar, Token
from dataclasses import dataclass

from sqlalchemy import insert, select

from app.extensions import db
from app.models.users import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who the trail records: a user (id and e-mail), or a name such as "cli"."""

    user_id: int | None
    name: str


CLI = Actor(None, "cli")
_actor: ContextVar[Actor] = ContextVar("audit_actor", default=CLI)


def set_actor(actor: Actor) -> Token:
    """Record what follows as done by `actor`, until `reset_actor(token)`."""
    return _actor.set(actor)


def reset_actor(token: Token) -> None:
    _actor.reset(token)


def _text(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _entry(invoice_code: str, action: str, *, target: str | None = None,
           field: str | None = None, old=None, new=None) -> dict:
    actor = _actor.get()
    return {"invoice_code": invoice_code, "user_id": actor.user_id, "actor": actor.name,
            "action": action, "target": target, "field": field, "old_value": _text(old),
            "new_value": _text(new)}


def record(invoice_code: str, action: str, *, target: str | None = None, field: str | None = None,
           old=None, new=None) -> None:
    """Add one entry to the current transaction; it commits or rolls back with the change."""
    db.session.execute(insert(AuditEntry), [_entry(invoice_code, action, target=target,
                                                   field=field, old=old, new=new)])


def record_changes(invoice_code: str, target: str, changes: dict[str, tuple]) -> None:
    """One entry per changed field: {field: (old, new)}; unchanged values are skipped.
    Written with one statement, however many fields changed."""
    entries = [_entry(invoice_code, "edit", target=target, field=field, old=old, new=new)
               for field, (old, new) in changes.items() if _text(old) != _text(new)]
    if entries:
        db.session.execute(insert(AuditEntry), entries)


def timeline(invoice_code: str) -> list[AuditEntry]:
    """The invoice's entries, newest first."""
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.invoice_code == invoice_code)
                                   .order_by(AuditEntry.id.desc())))
