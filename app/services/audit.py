"""The audit trail of invoices: every change, by whom and when, written in the same
transaction as the change itself (issue 7).

Who acts reaches the trail explicitly: the edge says so with `set_actor` (the signed-in
user, for the length of a request); anything else — a command, a test — is "cli".

Each invoice's entries form a hash chain (issue 12, app.billing.audit_chain): an entry
takes the next seq of its invoice's chain and hashes over the previous entry's hash. The
chain is appended to under the invoice's row lock, which every use case that writes an
entry already holds; two appends racing without it fail on the unique (invoice, seq)
instead of forking the chain. `verify` recomputes every chain.
"""

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session, joinedload

from app.billing import audit_chain
from app.billing.audit_chain import Break, Verification
from app.extensions import db
from app.models.invoices import Invoice
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


def current_actor() -> Actor:
    """Who is acting now (a payment keeps who recorded it)."""
    return _actor.get()


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


# The head (seq, hash) of each chain this transaction appended to or read, so that a use
# case recording several times reads each head once; forgotten when the transaction ends
# (committed: others may append next; rolled back: what it appended is gone).
_HEADS = "audit_chain_heads"


@event.listens_for(Session, "after_transaction_end")
def _forget_heads(session: Session, _transaction) -> None:
    session.info.pop(_HEADS, None)


def _head(invoice_code: str) -> tuple[int, str]:
    heads = db.session.info.setdefault(_HEADS, {})
    if invoice_code not in heads:
        last = db.session.execute(
            select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.invoice_code == invoice_code)
            .order_by(AuditEntry.seq.desc()).limit(1)).first()
        heads[invoice_code] = tuple(last) if last else (0, audit_chain.GENESIS)
    return heads[invoice_code]


def _now() -> dt.datetime:
    # Naive UTC to the microsecond: what both databases give back, so the hash is too.
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _append(invoice_code: str, entries: list[dict]) -> None:
    """Append the entries to the invoice's chain with one INSERT."""
    seq, previous = _head(invoice_code)
    at = _now()
    rows = audit_chain.chained(({**entry, "at": at} for entry in entries), seq, previous)
    # render_nulls: rows with None in different columns still go in one statement.
    db.session.execute(insert(AuditEntry).execution_options(render_nulls=True), rows)
    db.session.info.setdefault(_HEADS, {})[invoice_code] = (rows[-1]["seq"], rows[-1]["hash"])


def record(invoice_code: str, action: str, *, target: str | None = None, field: str | None = None,
           old=None, new=None) -> None:
    """Add one entry to the current transaction; it commits or rolls back with the change."""
    _append(invoice_code, [_entry(invoice_code, action, target=target, field=field, old=old,
                                  new=new)])


def record_changes(invoice_code: str, target: str, changes: dict[str, tuple]) -> None:
    """One entry per changed field: {field: (old, new)}; unchanged values are skipped.
    Written with one statement, however many fields changed."""
    entries = [_entry(invoice_code, "edit", target=target, field=field, old=old, new=new)
               for field, (old, new) in changes.items() if _text(old) != _text(new)]
    if entries:
        _append(invoice_code, entries)


def timeline(invoice_code: str, limit: int | None = None) -> list[AuditEntry]:
    """The invoice's entries, newest first, with who made them; the latest `limit` only
    when given (a page asks for one more than it shows, to know whether there are more)."""
    query = (select(AuditEntry).where(AuditEntry.invoice_code == invoice_code)
             .options(joinedload(AuditEntry.user)).order_by(AuditEntry.seq.desc()))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


BATCH = 10_000  # entries read at a time by `verify`


def _chain_entries() -> Iterator[Mapping]:
    columns = [getattr(AuditEntry, name) for name in (*audit_chain.FIELDS, "hash")]
    query = (select(*columns).order_by(AuditEntry.invoice_code, AuditEntry.seq)
             .execution_options(yield_per=BATCH))
    for row in db.session.execute(query):
        yield row._mapping


def verify(anchor: Mapping[str, tuple[int, str]] | None = None) -> Verification:
    """Walk every chain of the trail, recomputing each hash, in batches (the trail may hold
    millions of entries); report the first break of each chain, and every invoice whose
    whole chain is gone. `anchor`: the heads an earlier walk found (see audit_chain.verify)."""
    result = audit_chain.verify(_chain_entries(), anchor)
    reported = {b.invoice_code for b in result.breaks}
    orphans = (select(Invoice.code).where(Invoice.code.is_not(None), ~select(AuditEntry.id)
               .where(AuditEntry.invoice_code == Invoice.code).exists())
               .order_by(Invoice.code).execution_options(yield_per=BATCH))
    result.breaks += [Break(code, 1, audit_chain.NO_CHAIN)
                      for code in db.session.scalars(orphans) if code not in reported]
    db.session.rollback()  # a read: end the transaction (and the server-side cursors)
    return result
