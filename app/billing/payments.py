"""Getting paid (issue 15), the pure rules: what is still due on an invoice, when a payment
may be recorded, when the invoice is paid, how late it is (ageing buckets), which reminder
level is due, and which open invoice a bank-statement line pays.

Money in, money out: a payment reduces what is due, a refund (money paid back after a
credit note on a paid invoice) raises it; a reversed payment or refund counts for nothing
but is kept. A confirmed credit note's total (negative) is credited against its original.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

from .money import EXACT, check_places, minor_units, require_decimal, zero

__all__ = [
    "AGEING_BUCKETS", "PAYMENT_KINDS", "PAYMENT_METHODS", "Due", "Match", "OpenInvoice",
    "Received", "ReminderLevel", "ageing_bucket", "amount_due", "days_overdue",
    "REMINDER_PLACEHOLDERS", "due_reminder_level", "fill_placeholders", "next_reminder_level",
    "unknown_placeholders", "match_statement_line", "net_received", "payment_problem",
]

PAYMENT_METHODS = ("bank_transfer", "card", "cash", "other")
PAYMENT_KINDS = ("payment", "refund")
AGEING_BUCKETS = ("not_due", "1_30", "31_60", "61_90", "over_90")
# The upper bound (days overdue) of each bucket but the last.
_BUCKET_LIMITS = ((0, "not_due"), (30, "1_30"), (60, "31_60"), (90, "61_90"))


@dataclass(frozen=True)
class Received:
    """One payment or refund of an invoice as the rules see it."""

    kind: str  # one of PAYMENT_KINDS
    amount: Decimal  # > 0, in the invoice's currency
    reversed: bool = False


@dataclass(frozen=True)
class Due:
    """What an invoice is owed: `amount` > 0 the customer still owes, < 0 a refund is due."""

    amount: Decimal

    @property
    def settled(self) -> bool:
        return self.amount == 0

    @property
    def refund(self) -> Decimal:
        """What has to be paid back (a credit note on a paid invoice), 0 otherwise."""
        return -self.amount if self.amount < 0 else Decimal(0)


def net_received(received: Iterable[Received], currency: str) -> Decimal:
    """Payments less refunds, the reversed ones left out; exact, in the currency's minor
    units (what an e-invoice states as prepaid)."""
    places = minor_units(currency)
    net = zero(currency)
    with localcontext(EXACT):
        for entry in received:
            if entry.kind not in PAYMENT_KINDS:
                raise ValueError(f"Unknown payment kind: {entry.kind!r}")
            if entry.reversed:
                continue
            amount = check_places(require_decimal(entry.amount, "amount"), places)
            net += amount if entry.kind == "payment" else -amount
    return net


def amount_due(total: Decimal, credited: Decimal, received: Iterable[Received],
               currency: str) -> Due:
    """total + credited (the confirmed credit notes' totals, ≤ 0) − payments + refunds, the
    reversed ones left out; exact, in the currency's minor units."""
    places = minor_units(currency)
    with localcontext(EXACT):
        due = check_places(require_decimal(total, "total"), places) + check_places(
            require_decimal(credited, "credited"), places)
        due -= net_received(received, currency)
    return Due(due + zero(currency))


def payment_problem(kind: str, amount: Decimal, due: Due, currency: str) -> str | None:
    """Why a payment (or refund) of `amount` cannot be recorded against what is due, as a
    code the edge words: not_positive, too_many_decimals, nothing_due, more_than_due,
    no_refund_due, more_than_refund; None when it can."""
    amount = require_decimal(amount, "amount")
    if amount <= 0:
        return "not_positive"
    try:
        check_places(amount, minor_units(currency))
    except ValueError:
        return "too_many_decimals"
    if kind == "payment":
        if due.amount <= 0:
            return "nothing_due"
        return "more_than_due" if amount > due.amount else None
    if kind == "refund":
        if due.refund <= 0:
            return "no_refund_due"
        return "more_than_refund" if amount > due.refund else None
    raise ValueError(f"Unknown payment kind: {kind!r}")


def days_overdue(due_date: dt.date, today: dt.date) -> int:
    """Whole days past the due date; 0 on the due date and before it."""
    return max((today - due_date).days, 0)


def ageing_bucket(due_date: dt.date, today: dt.date) -> str:
    """not_due (on or before the due date), 1_30, 31_60, 61_90 or over_90 days overdue."""
    late = days_overdue(due_date, today)
    for limit, bucket in _BUCKET_LIMITS:
        if late <= limit:
            return bucket
    return "over_90"


@dataclass(frozen=True)
class ReminderLevel:
    """A reminder level an admin configures: sent once an invoice is `days` overdue."""

    level: int
    days: int


def due_reminder_level(levels: Sequence[ReminderLevel], overdue: int,
                       sent: Iterable[int]) -> int | None:
    """The reminder level to send now: the highest level the invoice is overdue enough for,
    unless it (or a higher one) was sent already — a level is never sent twice, and one run
    after a long pause sends the level reached, not every level skipped. None: nothing due."""
    sent = set(sent)
    reached = [level.level for level in levels if overdue > 0 and overdue >= level.days]
    if not reached:
        return None
    level = max(reached)
    if sent and max(sent) >= level:
        return None
    return level


def next_reminder_level(levels: Sequence[ReminderLevel], overdue: int,
                        sent: Iterable[int]) -> int | None:
    """The level "Send reminder" sends by hand on an overdue invoice: the one after the
    highest sent (the first when none was), whatever its days; None when the invoice is
    not overdue or every level was sent."""
    if overdue <= 0:
        return None
    sent = set(sent)
    later = sorted(level.level for level in levels if not sent or level.level > max(sent))
    return later[0] if later else None


# What a reminder's subject and text may say, in braces: {invoice}, {amount_due}, …
REMINDER_PLACEHOLDERS = ("customer", "invoice", "invoice_date", "due_date", "days_overdue",
                         "amount_due", "company", "payment_details")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")


def unknown_placeholders(text: str) -> list[str]:
    """The {names} in a reminder text that are not placeholders, in order, once each."""
    found = []
    for name in _PLACEHOLDER.findall(text):
        if name not in REMINDER_PLACEHOLDERS and name not in found:
            found.append(name)
    return found


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """The text with each known {placeholder} replaced by its value; anything else in
    braces stays as written (no format string: a text cannot reach an attribute)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


@dataclass(frozen=True)
class OpenInvoice:
    """An open invoice a statement line may pay: its Invoice ID, legal number, currency and
    what is due."""

    code: str
    number: str
    currency: str
    due: Decimal


@dataclass(frozen=True)
class Match:
    """What a statement line pays: `kind` exact (the reference names one invoice and the
    amount is what is due), partial (it names one, for less than is due), amount (no
    reference, but exactly one invoice of the currency is due that amount), over (it names
    one, for more than is due) or none."""

    kind: str
    invoice: str | None = None


def _named(reference: str, invoices: Sequence[OpenInvoice]) -> list[OpenInvoice]:
    """The invoices whose legal number or Invoice ID stands in the reference as a word."""
    text = reference.upper()
    found = []
    for invoice in invoices:
        for key in (invoice.number, invoice.code):
            if key and re.search(rf"(?<![0-9A-Z]){re.escape(key.upper())}(?![0-9A-Z])", text):
                found.append(invoice)
                break
    return found


def match_statement_line(reference: str, amount: Decimal, currency: str,
                         invoices: Sequence[OpenInvoice]) -> Match:
    """Which open invoice a credit line of a bank statement pays (issue 15): by the invoice
    number or ID in its reference text first, by the amount alone otherwise."""
    amount = require_decimal(amount, "amount")
    if amount <= 0:
        return Match("none")
    same_currency = [i for i in invoices if i.currency == currency]
    named = _named(reference or "", same_currency)
    if len(named) == 1:
        invoice = named[0]
        if amount == invoice.due:
            return Match("exact", invoice.code)
        return Match("partial" if amount < invoice.due else "over", invoice.code)
    if not named:
        by_amount = [i for i in same_currency if i.due == amount]
        if len(by_amount) == 1:
            return Match("amount", by_amount[0].code)
    return Match("none")
