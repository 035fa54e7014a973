"""The history of an invoice as a bookkeeper reads it (issue 11): field labels instead of
column names, values in the user's language and the invoice's currency, rows named by
what they were called, one entry per change a person made.

The trail (app.services.audit) keeps plain values — ids, ISO dates, plain numbers, stored
states; this module turns the entries of one page into sentences.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from app import formatting
from app.extensions import db
from app.models import Category, Invoice, Product, Resource, Role, Task, Unit
from app.models.users import AuditEntry
from app.services import audit
from app.terms import FIELD_LABELS, term, unit_term
from app.web.templating import PRODUCT_CHOICE_LABELS, unit_price

SHOWN = 20  # the latest entries on the page; "show all" loads the rest

_LABELS = {**FIELD_LABELS, "paid_on": _l("Payment date")}
_MONEY = {"amount", "tax", "extended_amount", "discount_amount", "freight_amount",
          "detail_amount", "pre_freight_amount", "total_tax", "total_amount",
          "corrected_amount", "corrected_tax", "corrected_freight_amount"}
_DATES = {"start_date", "invoice_date", "due_date", "cutoff_date", "paid_on"}
_TERMS = {"billing_type", "transaction_class", "status", "project_invoice_status",
          "corrected_billing_type"}
_REFERENCES = {"task": Task, "category": Category, "role": Role, "resource": Resource,
               "unit": Unit, "product": Product}
_SYSTEM_ACTORS = {"cli": _l("Command line"), "schedule": _l("Automatic invoicing")}


@dataclass(frozen=True)
class Change:
    """One value: its label, what it was and what it became (None: nothing shown)."""
    label: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Entry:
    id: int
    at: dt.datetime
    who: str
    email: str | None  # the actor's e-mail when `who` is their name
    action: str
    what: str  # "Changed", "Confirmed — number 2026-0007"
    subject: str | None  # "Detail ‘Workshop with finance team’"
    changes: tuple[Change, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class History:
    entries: list[Entry]
    more: bool  # older entries exist beyond these


def recent_history(invoice: Invoice, shown: int = SHOWN) -> History:
    """The latest `shown` entries, reading one more to know whether there are others."""
    rows = audit.timeline(invoice.code, limit=shown + 1)
    return History(_present(invoice, rows[:shown]), more=len(rows) > shown)


def full_history(invoice: Invoice) -> History:
    """Every entry of the invoice, newest first."""
    return History(_present(invoice, audit.timeline(invoice.code)), more=False)


# ---------------------------------------------------------------- values

def _names(rows: list[AuditEntry]) -> dict[tuple[str, str], str]:
    """The names of the tasks, roles, units … that edits name by id: one query per kind."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if row.field in _REFERENCES:
            for value in (row.old_value, row.new_value):
                if value is not None and value.isdigit():
                    wanted.setdefault(row.field, set()).add(int(value))
    names = {}
    for field, ids in wanted.items():
        model = _REFERENCES[field]
        for found in db.session.scalars(select(model).where(model.id.in_(ids))):
            names[(field, str(found.id))] = unit_term(found) if model is Unit else found.name
    return names


class _Values:
    """Stored text → what the user reads, for one invoice's currency."""

    def __init__(self, currency: str, names: dict[tuple[str, str], str]) -> None:
        self.currency, self.names = currency, names

    def __call__(self, field: str | None, text: str | None) -> str | None:
        if text is None:
            return None
        try:
            return self._shown(field, text)
        except (ValueError, InvalidOperation):
            return text  # an entry older than its field's format is shown as stored

    def _shown(self, field: str | None, text: str) -> str:
        if field in _MONEY:
            return formatting.money(Decimal(text), self.currency)
        if field in ("price", "corrected_price"):
            return unit_price(Decimal(text), self.currency)
        if field in ("quantity", "corrected_quantity"):
            return formatting.quantity(Decimal(text))
        if field == "discount_percent":
            return formatting.percent(Decimal(text))
        if field in _DATES:
            return formatting.day(dt.date.fromisoformat(text))
        if field in _TERMS:
            return term(text)
        if field == "product_choice":
            return str(PRODUCT_CHOICE_LABELS.get(text, text))
        if field in _REFERENCES:
            return self.names.get((field, text), text)
        if field == "bill_to_country":
            return get_locale().territories.get(text, text)
        return text


def _label(field: str) -> str:
    return str(_LABELS.get(field, field))


# ---------------------------------------------------------------- entries

def _subject(target: audit.Target | None) -> str | None:
    if target is None or target.row_id is None:
        return None  # the header: its field labels say enough
    if target.kind == "detail":
        return (_("Detail ‘%(name)s’", name=target.label) if target.label
                else _("Detail %(id)s", id=target.row_id))
    if target.kind == "line":
        return (_("Line ‘%(name)s’", name=target.label) if target.label
                else _("Line %(id)s", id=target.row_id))
    if target.kind == "payment":
        # The label is the payment's date, stored as ISO.
        try:
            when = formatting.day(dt.date.fromisoformat(target.label or ""))
        except ValueError:
            return _("Payment %(id)s", id=target.row_id)
        return _("Payment %(id)s of %(date)s", id=target.row_id, date=when)
    return target.key


def _who(row: AuditEntry) -> tuple[str, str | None]:
    if row.user is not None and row.user.name:
        return row.user.name, row.actor
    if row.actor in _SYSTEM_ACTORS:
        return str(_SYSTEM_ACTORS[row.actor]), None
    return row.actor, None


def _describe(row: AuditEntry, value: _Values) -> tuple[str, list[Change], list[str]]:
    """What happened, the values it changed and anything else worth saying."""
    action, field, old, new = row.action, row.field, row.old_value, row.new_value
    what = formatting.audit_action(action)
    status = _label("project_invoice_status")
    if action == "confirm":
        # Recorded as field "number", old = the state it was confirmed from: not an old number.
        return (_("Confirmed — number %(number)s", number=new),
                [Change(status, term(old), term("confirmed"))], [])
    if action == "correct":
        # On the original: new = the credit note's Invoice ID.
        return _("Corrected by credit note %(code)s", code=new), [], []
    if action == "create_correction":
        # On the credit note: field "number", new = the original's number.
        return _("Created as a correction of invoice %(number)s", number=new), [], []
    if action == "correction_confirmed":
        # On the original: old = the credit note's Invoice ID, new = its number.
        return _("Correction %(code)s confirmed as %(number)s", code=old, number=new), [], []
    if action in ("submit_review", "back_to_draft"):
        return what, [Change(status, term(old), term(new))], []
    if action == "delete":
        return what, [Change(status, term(old), None)], []
    if action == "recalculate":
        return what, [Change(_label("total_amount"), value("total_amount", old),
                             value("total_amount", new))], []
    if action == "refresh":
        added = int(new) if new and new.isdigit() else 0
        return what, [], [ngettext("%(num)d transaction added", "%(num)d transactions added",
                                   added)]
    if action == "reopen_paid":
        return what, [Change(_label("paid_on"), value("paid_on", old), None)], [
            _("Reason: %(reason)s", reason=new)]
    if action in ("payment", "refund"):
        # Field "amount", new = the amount recorded; the target names the payment and its date.
        return what, [Change(_label("amount"), None, value("amount", new))], []
    if action in ("reverse_payment", "reverse_refund"):
        # Field "amount", old = the amount reversed, new = why.
        return what, [Change(_label("amount"), value("amount", old), None)], [
            _("Reason: %(reason)s", reason=new)]
    if action == "send":
        notes = [_("To %(recipient)s", recipient=new)] + ([old] if old else [])
        return (what if field == "sent" else _("Sending failed")), [], notes
    if field is not None:
        return what, [Change(_label(field), value(field, old), value(field, new))], []
    # An entry with values but no field (written before the trail named its fields).
    if old is None and new is None:
        return what, [], []
    return what, [Change("", old, new)], []


def _present(invoice: Invoice, rows: list[AuditEntry]) -> list[Entry]:
    value = _Values(invoice.currency, _names(rows))
    entries = []
    for row in rows:
        what, changes, notes = _describe(row, value)
        who, email = _who(row)
        entries.append(Entry(row.id, row.at, who, email, row.action, what,
                             _subject(audit.parse_target(row.target)), tuple(changes),
                             tuple(notes)))
    return entries
