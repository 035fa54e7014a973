"""What the invoice page's views (app.invoices.routes) and the editor's answers
(app.invoices.editor) share: the page template, the context every block of it needs, the
invoice of the URL, and the way back to the page."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from flask import abort, redirect, url_for
from flask_login import current_user

from app import formatting
from app.web.access import permission_for
from app.billing.editability import editable_detail_fields
from app.billing.enums import BACKINGS
from app.billing.lifecycle import ACTIONS, is_allowed
from app.billing.payments import Due, days_overdue
from app.billing.totals import over_contract
from app.extensions import db
from app.htmx import blocks
from app.invoices.forms import PaymentForm
from app.invoices.queries import DETAIL_PAGE, GROUPS
from app.models import Invoice, InvoiceLine, Payment, Reminder
from app.services import payments, reminders
from app.services.exporting import invoiced_to_date
from app.web.templating import input_price, plain_number, typed

PAGE = "invoices/detail.html"

# The endpoint that carries out each lifecycle action; its permission decides whether the
# signed-in user is offered the action (app.web.access, one table for the whole app).
ACTION_ENDPOINTS = {"edit": "edit_detail", "recalculate": "recalculate", "refresh": "refresh",
                    "submit_review": "submit_review", "back_to_draft": "back_to_draft",
                    "confirm": "confirm", "mark_paid": "mark_paid", "reopen_paid": "reopen_paid",
                    "delete": "delete", "cancel": "cancel", "correct": "correct",
                    "pay": "record_payment", "reverse_payment": "reverse_payment",
                    "remind": "send_reminder"}


def offered(action: str, state: str, invoice_type: str = "invoice") -> bool:
    """The invoice's state and type allow the action (app.billing.lifecycle) and so does the
    user's role."""
    if not is_allowed(action, state, invoice_type):
        return False
    endpoint = ACTION_ENDPOINTS.get(action)
    return endpoint is None or current_user.can(permission_for(f"invoices.{endpoint}", "POST"))


class InvoicedToDate:
    """Per contract line, what earlier confirmed invoices charged (SPEC 5.3), read in one
    query the first time a block of the page shows it; and whether this invoice's line
    goes over the contract line amount with it (app.billing.totals.over_contract)."""

    def __init__(self, invoice: Invoice) -> None:
        self._invoice = invoice
        self._earlier: dict[int, Decimal] | None = None

    def __getitem__(self, contract_line_id: int) -> Decimal:
        if self._earlier is None:
            self._earlier = invoiced_to_date(self._invoice)
        return self._earlier.get(contract_line_id, Decimal(0))

    def over(self, line: InvoiceLine) -> Decimal | None:
        """The excess over the contract line amount, None within it (or for a product line)."""
        if line.billing_method == "product" or line.contract_line_amount is None:
            return None
        return over_contract(line.contract_line_amount, self[line.contract_line_id], line.amount)


def base_context(invoice: Invoice) -> dict:
    """What every block of the page needs: the invoice, its state and what it allows."""
    state, kind = invoice.state, invoice.invoice_type
    allowed = {a for a in ACTIONS if offered(a, state, kind)}
    editing = "edit" in allowed
    return {"invoice": invoice, "state": state, "editing": editing, "allowed": allowed,
            "credit_note": invoice.is_credit_note,
            "editable": {b: editable_detail_fields(b, state, invoice_type=kind) if editing
                         else frozenset() for b in BACKINGS},
            "correction_values": correction_values,
            "typed_quantity": typed_quantity,
            "groups": GROUPS, "page_size": DETAIL_PAGE, "refs": None,
            "invoiced": InvoicedToDate(invoice),
            "pay": payments_panel(invoice, allowed) if shows_payments(invoice) else None}


# ---------------------------------------------------------------- the payments panel (issue 15)

def shows_payments(invoice: Invoice) -> bool:
    """A confirmed or paid invoice has a payments panel; a draft or a credit note has none
    (a refund is recorded against the original)."""
    return not invoice.is_credit_note and invoice.state in ("confirmed", "paid")


@dataclass
class PaymentsPanel:
    """What the payments card shows: every payment and refund (reversed ones too), what is
    due (app.billing.payments.amount_due through app.services.payments.due_of), and the
    forms a billing manager is offered."""

    payments: list[Payment]
    due: Due
    currency: str
    partly_paid: bool
    record: PaymentForm | None  # the open form; None: closed, or not the user's to record
    can_record: bool  # the user may record, and something is due either way
    can_reverse: bool
    # The open Reverse forms: payment id → (the reason typed, its error).
    reversing: dict[int, tuple[str, str]] = field(default_factory=dict)
    reminders: list[Reminder] = field(default_factory=list)  # each level sent or tried
    days_overdue: int = 0
    can_remind: bool = False  # overdue, something due, and the user may send reminders
    notice: str | None = None
    notice_kind: str = "info"

    @property
    def kind(self) -> str:
        """What the form records: a refund when one is due, else a payment."""
        return "refund" if self.due.amount < 0 else "payment"

    @property
    def due_shown(self) -> Decimal:
        """What is owed, or the refund due, as a positive figure."""
        return self.due.refund if self.due.amount < 0 else self.due.amount


def payments_panel(invoice: Invoice, allowed: set[str] | frozenset[str], *,
                   form: PaymentForm | None = None, open_record: bool = False,
                   **extra) -> PaymentsPanel:
    """The payments card of a confirmed or paid invoice; `open_record`: with the form that
    records a payment open (what is due, today), `form`: a refused one (the values as
    typed, the message next to its field)."""
    found = payments.payments_of(invoice)
    due = payments.due_of(invoice, found)
    standing = any(p.kind == "payment" and not p.is_reversed for p in found)
    partly = invoice.state == "confirmed" and standing and due.amount > 0
    if form is None and open_record and "pay" in allowed and not due.settled:
        form = PaymentForm(formdata=None, kind="refund" if due.amount < 0 else "payment")
        shown = due.refund if due.amount < 0 else due.amount
        form.amount.typed = typed(formatting.money_plain(shown, invoice.currency))
    elif "pay" not in allowed:
        form = None
    late = days_overdue(invoice.due_date, today())
    return PaymentsPanel(found, due, invoice.currency, partly, form,
                         "pay" in allowed and not due.settled, "reverse_payment" in allowed,
                         reminders=reminders.reminders_of(invoice), days_overdue=late,
                         can_remind="remind" in allowed and late > 0 and due.amount > 0,
                         **extra)


def today() -> dt.date:
    """The day the page ages the invoice on (tests replace it)."""
    return dt.date.today()


def typed_quantity(value: Decimal | None) -> str:
    """A quantity as the person types it (the language's decimal sign)."""
    return typed(plain_number(value))


def correction_values(detail, currency: str, typed_text: dict[str, str] | None = None) -> dict:
    """The text of a corrective detail's inputs (a credit note): what should have been
    billed, as typed; `typed_text` (a refused row) instead where given."""
    values = {
        "description": detail.description or "",
        "external_description": detail.external_description or "",
        "corrected_quantity": typed(plain_number(detail.corrected_quantity)),
        "corrected_price": typed(input_price(detail.corrected_price, currency)),
        "corrected_tax": typed(formatting.money_plain(detail.corrected_tax, currency)),
        "corrected_billing_type": detail.corrected_billing_type or detail.billing_type,
    }
    if typed_text:
        values.update((name, text) for name, text in typed_text.items() if name in values)
    return values


def invoice_or_404(code: str) -> Invoice:
    """The invoice of the URL, header only."""
    return db.session.scalars(db.select(Invoice).where(Invoice.code == code)).first() or abort(404)


def back(code: str):
    """Back to the invoice page (after a form posted without htmx)."""
    return redirect(url_for("invoices.show", code=code), code=303)


def message(text: str, kind: str, status: int):
    """A notice in the page's message area."""
    return blocks(PAGE, ["messages"], notice=text, notice_kind=kind), status
