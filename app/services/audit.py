"""The audit trail of invoices: every change, by whom and when, written in the same
transaction as the change itself (issue 7).

Who acts reaches the trail explicitly: the edge says so with `set_actor` (the signed-in
user, for the length of a request); anything else — a command, a test — is "cli".
"""

import re
from contextvars import ContextVar, Token
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import joinedload

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


# A target is a stable key ("header", "line 3", "detail 17") and, for a line or a detail,
# how it was called when the entry was written ("detail 17: Workshop with finance team"):
# a removed row is gone later, and the trail must still say which one it was.
TARGET_LENGTH = 100  # AuditEntry.target
_TARGET = re.compile(r"(?P<key>(?P<kind>[a-z_]+) (?P<id>\d+))(?:: (?P<label>.*))?", re.DOTALL)


def target(kind: str, row_id: int, label: str | None = None) -> str:
    """The target of an entry about a row: its key, then its label, shortened to fit."""
    key = f"{kind} {row_id}"
    label = " ".join((label or "").split())
    if not label:
        return key
    room = TARGET_LENGTH - len(key) - 2
    if len(label) > room:
        label = label[:room - 1].rstrip() + "…"
    return f"{key}: {label}"


@dataclass(frozen=True)
class Target:
    key: str
    kind: str
    row_id: int | None
    label: str | None


def parse_target(text: str | None) -> Target | None:
    """The parts of a stored target: "detail 17: Workshop" → key "detail 17", kind
    "detail", row 17, label "Workshop"; "header" is a key alone."""
    if not text:
        return None
    match = _TARGET.fullmatch(text)
    if match is None:
        return Target(text, text, None, None)
    return Target(match["key"], match["kind"], int(match["id"]), match["label"] or None)


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


def timeline(invoice_code: str, limit: int | None = None) -> list[AuditEntry]:
    """The invoice's entries, newest first, with who made them; the latest `limit` only
    when given (a page asks for one more than it shows, to know whether there are more)."""
    query = (select(AuditEntry).where(AuditEntry.invoice_code == invoice_code)
             .options(joinedload(AuditEntry.user)).order_by(AuditEntry.id.desc()))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))
