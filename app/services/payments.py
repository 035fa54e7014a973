"""Payments and refunds inside a use case's transaction (issue 15): what an invoice is still
owed (app.billing.payments.amount_due), recording and reversing, and the status that
follows — paid, with the date of the payment that settled it, once nothing is due.

The caller holds the invoice's row lock (app.services.lifecycle's use cases do).
"""

import datetime as dt
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.billing.money import as_money, minor_units, plain
from app.billing.payments import Due, Received, amount_due, net_received, payment_problem
from app.extensions import db
from app.models import Invoice, Payment, StatementLine
from app.services import ServiceError, audit


def credited(invoice: Invoice) -> Decimal:
    """The totals (≤ 0) of the invoice's confirmed credit notes."""
    return Decimal(db.session.scalar(select(func.coalesce(func.sum(Invoice.total_amount), 0)).where(
        Invoice.corrects_invoice_id == invoice.id, Invoice.project_invoice_status == "confirmed",
        Invoice.status != "cancelled")))


def payments_of(invoice: Invoice) -> list[Payment]:
    """Every payment and refund of the invoice, reversed ones too, in date order."""
    return list(db.session.scalars(select(Payment).where(Payment.invoice_id == invoice.id)
                                   .order_by(Payment.date, Payment.id)))


def _received(payments: list[Payment]) -> list[Received]:
    return [Received(p.kind, p.amount, p.is_reversed) for p in payments]


def due_of(invoice: Invoice, payments: list[Payment] | None = None) -> Due:
    """What the invoice is still owed (a refund when negative)."""
    payments = payments_of(invoice) if payments is None else payments
    return amount_due(invoice.total_amount, credited(invoice), _received(payments),
                      invoice.currency)


def paid(invoice: Invoice) -> Decimal:
    """What the customer has paid on the invoice: standing payments less refunds."""
    return net_received(_received(payments_of(invoice)), invoice.currency)


def check_date(invoice: Invoice, day: dt.date, field: str, today: dt.date | None = None) -> None:
    """A payment's date: when the money came in, not before the invoice date, not later
    than today."""
    if day < invoice.invoice_date:
        raise ServiceError(_("The payment date cannot be before the invoice date (%(date)s).",
                             date=invoice.invoice_date.isoformat()), field)
    today = today or dt.date.today()
    if day > today:
        raise ServiceError(_("The payment date cannot be in the future (today is %(date)s).",
                             date=today.isoformat()), field)


def _refusal(problem: str, invoice: Invoice, due: Due, field: str) -> ServiceError:
    shown = plain(as_money(due.amount if due.amount > 0 else due.refund, invoice.currency))
    texts = {
        "not_positive": _("Enter an amount above 0."),
        "too_many_decimals": _("At most %(places)s decimals.",
                               places=minor_units(invoice.currency)),
        "nothing_due": _("Nothing is due on %(invoice)s.", invoice=invoice.number),
        "more_than_due": _("That is more than is due (%(due)s %(currency)s): record at most "
                           "what is due.", due=shown, currency=invoice.currency),
        "no_refund_due": _("No refund is due on %(invoice)s.", invoice=invoice.number),
        "more_than_refund": _("That is more than the refund due (%(due)s %(currency)s).",
                              due=shown, currency=invoice.currency),
    }
    return ServiceError(texts[problem], field)


def record(invoice: Invoice, kind: str, amount: Decimal, day: dt.date, *,
           method: str = "bank_transfer", reference: str | None = None, note: str = "",
           field: str = "amount", audited: bool = True,
           statement_line_id: int | None = None) -> Payment:
    """Add a payment (or refund) of what is due, then settle the status (`audited`: with
    its own entry in the history; Mark as paid writes its own). `statement_line_id`: the
    bank statement line it books (the database refuses a line booked twice)."""
    due = due_of(invoice)
    problem = payment_problem(kind, amount, due, invoice.currency)
    if problem:
        raise _refusal(problem, invoice, due, field)
    payment = Payment(invoice_id=invoice.id, kind=kind, date=day, amount=amount, method=method,
                      reference=reference or None, note=note or "",
                      recorded_by=audit.current_actor().name,
                      statement_line_id=statement_line_id)
    db.session.add(payment)
    db.session.flush()
    if audited:
        audit.record(invoice.code, kind, field="amount", new=plain(amount),
                     target=audit.target("payment", payment.id, day.isoformat()))
    settle(invoice, day)
    return payment


def reverse(invoice: Invoice, payment: Payment, reason: str, now: dt.datetime, *,
            audited: bool = True) -> None:
    """Reverse a payment (kept, with who and why), then settle the status."""
    payment.reversed_at = now
    payment.reversed_by = audit.current_actor().name
    payment.reversal_reason = reason
    if payment.statement_line_id is not None:
        # The bank line it booked is open again: it may pay another invoice.
        db.session.execute(update(StatementLine).where(
            StatementLine.id == payment.statement_line_id).values(
            status="open", version=StatementLine.version + 1))
    db.session.flush()
    if audited:
        audit.record(invoice.code, f"reverse_{payment.kind}", field="amount",
                     old=plain(payment.amount), new=reason,
                     target=audit.target("payment", payment.id, payment.date.isoformat()))
    settle(invoice, None)


def settle(invoice: Invoice, day: dt.date | None) -> None:
    """Paid once nothing is due (a refund due leaves it paid), with `day` — the date of the
    payment that settled it — or, after a reversal, the latest payment still standing;
    confirmed and unpaid otherwise. Payments of a confirmed invoice only."""
    payments = payments_of(invoice)
    standing = [p for p in payments if not p.is_reversed and p.kind == "payment"]
    if due_of(invoice, payments).amount <= 0 and standing:
        invoice.status = "paid"
        if day is not None or invoice.paid_on is None or invoice.paid_on not in {
                p.date for p in standing}:
            invoice.paid_on = day or max(p.date for p in standing)
        last = max(standing, key=lambda p: (p.date, p.id))
        invoice.payment_reference = last.reference
    elif invoice.status == "paid":
        invoice.status = "active"
        invoice.paid_on = None
        invoice.payment_reference = None


def amounts_due(invoices: list[Invoice]) -> dict[int, Due]:
    """What each of these confirmed invoices is owed, read in three statements whatever
    their number (their totals, their credit notes', their payments), by the one rule."""
    ids = [invoice.id for invoice in invoices]
    if not ids:
        return {}
    credits = dict(db.session.execute(
        select(Invoice.corrects_invoice_id, func.sum(Invoice.total_amount))
        .where(Invoice.corrects_invoice_id.in_(ids), Invoice.project_invoice_status == "confirmed",
               Invoice.status != "cancelled").group_by(Invoice.corrects_invoice_id)).all())
    received: dict[int, list[Received]] = {}
    for invoice_id, kind, amount in db.session.execute(
            select(Payment.invoice_id, Payment.kind, func.sum(Payment.amount))
            .where(Payment.invoice_id.in_(ids), Payment.reversed_at.is_(None))
            .group_by(Payment.invoice_id, Payment.kind)):
        received.setdefault(invoice_id, []).append(Received(kind, Decimal(amount)))
    return {invoice.id: amount_due(invoice.total_amount, Decimal(credits.get(invoice.id, 0)),
                                   received.get(invoice.id, []), invoice.currency)
            for invoice in invoices}


def owed(invoice: Invoice, due: Due | None = None) -> Decimal:
    """What the invoice JSON and the CLI say is due: what a confirmed invoice is still owed
    (negative: a refund due), a draft's total, nothing on a cancelled invoice or a credit
    note."""
    if invoice.is_credit_note or invoice.status == "cancelled":
        return Decimal(0)
    if invoice.number is None:
        return invoice.total_amount
    return (due or due_of(invoice)).amount
