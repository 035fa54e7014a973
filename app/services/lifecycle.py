"""Moving an invoice through its life (SPEC 8): review, confirm, pay, delete, cancel.

Every use case locks the invoice row, checks the action against app.billing.lifecycle,
writes, and commits once; a refused action raises InvoiceActionRefused and changes nothing.
"""

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.orm import selectinload

from app.billing.lifecycle import ActionNotAllowed, check_allowed
from app.billing.payments import PAYMENT_KINDS, PAYMENT_METHODS
from app.extensions import db
from app.terms import INVOICE_STATUSES, PROJECT_INVOICE_STATUSES
from app.models import (Actual, BilledSale, Contract, ContractLine, Invoice, InvoiceLine, InvoiceLineDetail,
                        Milestone, Payment, ScheduleRun)
from app.services import Conflict, NotFound, ServiceError, audit, find_one, use_case
from app.services.checks import text
from app.services.invoicing import add_missing_lines, add_ready_items, recalculate
from app.services.issuing import freeze_document
from app.services import payments
from app.services.numbering import next_legal_number
from app.services.posting import post_correction


class InvoiceNotFound(NotFound):
    pass


class InvoiceActionRefused(Conflict):
    pass


def find_invoice(code: str, *, lock: bool = False) -> Invoice:
    """An invoice by its Invoice ID (PRO-000042) or its legal number."""
    return find_one(select(Invoice).where((Invoice.code == code) | (Invoice.number == code)),
                    InvoiceNotFound(_("unknown invoice '%(code)s'", code=code)), lock=lock)


# Why an action is refused, by action (SPEC 8); the invoice and its state follow.
REFUSALS = {
    "submit_review": _l("Only draft invoices can be submitted for review"),
    "back_to_draft": _l("Only invoices in review can go back to draft"),
    "confirm": _l("Only draft or in-review invoices can be confirmed"),
    "mark_paid": _l("Only confirmed invoices can be marked as paid"),
    "reopen_paid": _l("Only paid invoices can be reopened"),
    "send": _l("Only confirmed or paid invoices can be sent to the customer"),
    "delete": _l("Only draft or in-review invoices can be deleted"),
    "cancel": _l("Only draft or in-review invoices can be cancelled"),
    "refresh": _l("Only draft invoices can have their transactions refreshed"),
    "recalculate": _l("Only draft or in-review invoices can be recalculated"),
    "edit": _l("Only draft or in-review invoices can be edited"),
    "correct": _l("Only confirmed or paid invoices can be corrected"),
    "pay": _l("Payments are recorded only on confirmed or paid invoices"),
    "reverse_payment": _l("Payments are reversed only on confirmed or paid invoices"),
    "remind": _l("Reminders are sent only for confirmed invoices that are not paid"),
}
# Why a credit note does not do what an invoice does (app.billing.lifecycle).
CREDIT_NOTE_REFUSALS = {
    "refresh": _l("A credit note takes no new items: it corrects what its invoice billed"),
    "mark_paid": _l("A credit note is not paid like an invoice"),
    "reopen_paid": _l("A credit note is not paid like an invoice"),
    "correct": _l("A credit note is not corrected itself: correct the invoice it corrects"),
    "pay": _l("A credit note is not paid like an invoice"),
    "reverse_payment": _l("A credit note is not paid like an invoice"),
    "remind": _l("A credit note is not paid like an invoice"),
}


def state_label(invoice: Invoice) -> str:
    """The invoice's state as a user reads it: Draft, In review, Confirmed, Paid…"""
    state = invoice.state
    return str(PROJECT_INVOICE_STATUSES.get(state) or INVOICE_STATUSES[state])


def check_action(invoice: Invoice, action: str) -> None:
    """Raise InvoiceActionRefused, with a translated reason, unless the action is allowed.

    The reason says the state the invoice is in now, with its legal number once it has
    one: a person who lost a race reads "already confirmed as 2026-0007"."""
    try:
        check_allowed(action, invoice.state, invoice.invoice_type)
    except ActionNotAllowed:
        if invoice.is_credit_note and action in CREDIT_NOTE_REFUSALS:
            raise InvoiceActionRefused(_("%(reason)s (%(invoice)s).",
                                         reason=CREDIT_NOTE_REFUSALS[action],
                                         invoice=invoice.number or invoice.code)) from None
        if invoice.number:
            raise InvoiceActionRefused(_(
                "%(reason)s (%(invoice)s, number %(number)s: %(state)s).",
                reason=REFUSALS[action], invoice=invoice.code, state=state_label(invoice),
                number=invoice.number)) from None
        raise InvoiceActionRefused(
            _("%(reason)s (%(invoice)s: %(state)s).", reason=REFUSALS[action],
              invoice=invoice.code, state=state_label(invoice))) from None


def _for_action(code: str, action: str) -> Invoice:
    """The invoice locked and read after the lock, if the action is allowed on it now."""
    invoice = find_invoice(code, lock=True)
    check_action(invoice, action)
    return invoice


def _for_action_on_contract(code: str, action: str) -> Invoice:
    """As _for_action, for an action that takes items of the contract: locks in the one
    order every use case follows — contract, then invoice, then items — so that it waits
    for (and then sees) an invoice being created or refreshed for the same contract."""
    contract_id = db.session.scalar(
        select(Invoice.contract_id).where((Invoice.code == code) | (Invoice.number == code)))
    if contract_id is not None:
        db.session.execute(select(Contract.id).where(Contract.id == contract_id)
                           .with_for_update())
    return _for_action(code, action)


@use_case
def submit_for_review(code: str) -> Invoice:
    """Draft → in review."""
    invoice = _for_action(code, "submit_review")
    invoice.project_invoice_status = "in_review"
    audit.record(invoice.code, "submit_review", old="draft", new="in_review")
    return invoice


@use_case
def back_to_draft(code: str) -> Invoice:
    """In review → draft."""
    invoice = _for_action(code, "back_to_draft")
    invoice.project_invoice_status = "draft"
    audit.record(invoice.code, "back_to_draft", old="in_review", new="draft")
    return invoice


@use_case
def confirm_invoice(code: str, *, now: dt.datetime | None = None) -> Invoice:
    """Give the gapless legal number, lock the invoice, post what it bills and freeze its
    document (app.services.issuing).

    The legal number comes from a counter row locked until commit, so concurrent
    confirmations queue and a failure anywhere rolls the number back with the rest.
    """
    original = _lock_original(code)
    invoice = _for_action(code, "confirm")
    before = invoice.project_invoice_status
    now = now or dt.datetime.now()
    if original is None:
        _check_items_placed(invoice)
    recalculate(invoice)
    invoice.number = next_legal_number(invoice.invoice_date.year)
    invoice.project_invoice_status = "confirmed"
    invoice.confirmed_at = now
    if original is None:
        _post_items(invoice)
        _write_billed_sales(invoice, now)
    else:
        post_correction(invoice, original, now)
    freeze_document(invoice, now)
    audit.record(invoice.code, "confirm", field="number", old=before, new=invoice.number)
    if original is not None:
        audit.record(original.code, "correction_confirmed", field="number",
                     old=invoice.code, new=invoice.number)
        # What the original is owed changed: settled by the credit note, or a refund due.
        payments.settle(original, invoice.invoice_date)
    return invoice


def _lock_original(code: str) -> Invoice | None:
    """For a credit note, the invoice it corrects, locked before the credit note (the one
    order: contract → invoice → its correction → items); None for an invoice."""
    original_id = db.session.scalar(
        select(Invoice.corrects_invoice_id).where((Invoice.code == code) | (Invoice.number == code)))
    if original_id is None:
        return None
    return find_one(select(Invoice).where(Invoice.id == original_id),
                    InvoiceNotFound(_("unknown invoice '%(code)s'", code=code)), lock=True)


class ItemsNotPlaced(Conflict):
    """An item on the invoice does not have the status of an item on an invoice."""


def _check_items_placed(invoice: Invoice) -> None:
    """Refuse to confirm an invoice carrying an item whose status says it is not on an
    invoice (invoice_created): confirming would bill what someone withdrew. The items are
    locked, so that nothing changes them between this check and their posting."""
    detail = InvoiceLineDetail
    misplaced = []
    for model, column in ((Actual, detail.actual_id), (Milestone, detail.milestone_id)):
        misplaced += db.session.scalars(
            select(model.id).join(detail, column == model.id)
            .where(detail.invoice_id == invoice.id, model.status != "invoice_created")
            .order_by(model.id).with_for_update(of=model)).all()
    products = db.session.scalars(
        select(ContractLine.id).join(InvoiceLine, InvoiceLine.contract_line_id == ContractLine.id)
        .where(InvoiceLine.invoice_id == invoice.id, InvoiceLine.billing_method == "product",
               ContractLine.status != "invoice_created")
        .with_for_update(of=ContractLine)).all()
    if misplaced or products:
        raise ItemsNotPlaced(ngettext(
            "Invoice %(invoice)s carries %(num)s item that is no longer marked as on an "
            "invoice; nothing was confirmed. Remove it first.",
            "Invoice %(invoice)s carries %(num)s items that are no longer marked as on an "
            "invoice; nothing was confirmed. Remove them first.",
            len(misplaced) + len(products), invoice=invoice.code))


def _post_items(invoice: Invoice) -> None:
    on_invoice = select(InvoiceLineDetail.actual_id).where(
        InvoiceLineDetail.invoice_id == invoice.id, InvoiceLineDetail.actual_id.is_not(None))
    db.session.execute(update(Actual).where(Actual.id.in_(on_invoice)).values(status="invoice_posted"))
    milestones = select(InvoiceLineDetail.milestone_id).where(
        InvoiceLineDetail.invoice_id == invoice.id, InvoiceLineDetail.milestone_id.is_not(None))
    db.session.execute(update(Milestone).where(Milestone.id.in_(milestones))
                       .values(status="invoice_posted"))
    products = select(InvoiceLine.contract_line_id).where(
        InvoiceLine.invoice_id == invoice.id, InvoiceLine.billing_method == "product")
    db.session.execute(update(ContractLine).where(ContractLine.id.in_(products))
                       .values(status="invoice_posted"))


def _write_billed_sales(invoice: Invoice, now: dt.datetime) -> None:
    """One billed-sales row per detail and product line, with the values the invoice carries."""
    detail, line = InvoiceLineDetail.__table__, InvoiceLine.__table__
    columns = ["invoice_id", "invoice_line_id", "detail_id", "contract_line_id", "actual_id",
               "milestone_id", "transaction_class", "billing_type", "date", "quantity", "price",
               "amount", "tax", "currency", "posted_at"]
    from_details = (
        select(detail.c.invoice_id, detail.c.invoice_line_id, detail.c.id, line.c.contract_line_id,
               detail.c.actual_id, detail.c.milestone_id, detail.c.transaction_class,
               detail.c.billing_type, detail.c.start_date, detail.c.quantity, detail.c.price,
               detail.c.amount, detail.c.tax, literal(invoice.currency), literal(now))
        .select_from(detail.join(line, line.c.id == detail.c.invoice_line_id))
        .where(detail.c.invoice_id == invoice.id).order_by(detail.c.id))
    from_products = (
        select(line.c.invoice_id, line.c.id, literal(None), line.c.contract_line_id, literal(None),
               literal(None), literal(None), literal("chargeable"), literal(invoice.invoice_date),
               line.c.quantity, line.c.price, line.c.amount, line.c.tax, literal(invoice.currency),
               literal(now))
        .where(line.c.invoice_id == invoice.id, line.c.billing_method == "product")
        .order_by(line.c.id))
    sales = BilledSale.__table__
    db.session.execute(insert(sales).from_select(columns, from_details))
    db.session.execute(insert(sales).from_select(columns, from_products))


@use_case
def mark_paid(code: str, paid_on: dt.date, reference: str | None = None, *,
              today: dt.date | None = None) -> Invoice:
    """Confirmed → paid: one payment of what is still due, on the day the money came in
    (not before the invoice date, not in the future), with an optional reference."""
    invoice = _for_action(code, "mark_paid")
    payments.check_date(invoice, paid_on, "paid_on", today)
    payments.record(invoice, "payment", payments.due_of(invoice).amount, paid_on,
                    reference=reference, field="paid_on", audited=False)
    audit.record(invoice.code, "mark_paid", field="paid_on", new=paid_on)
    return invoice


REASON_MAX = 500


@use_case
def reopen_paid(code: str, reason: str, *, now: dt.datetime | None = None) -> Invoice:
    """Paid → confirmed again, for an invoice marked as paid by mistake: its payments are
    reversed (kept, with the reason) and the history keeps the payment date withdrawn."""
    reason = text(reason, "reason", limit=REASON_MAX)
    invoice = _for_action(code, "reopen_paid")
    audit.record(invoice.code, "reopen_paid", field="paid_on", old=invoice.paid_on, new=reason)
    now = now or dt.datetime.now()
    for payment in payments.payments_of(invoice):
        if not payment.is_reversed:
            payments.reverse(invoice, payment, reason, now, audited=False)
    invoice.status, invoice.paid_on, invoice.payment_reference = "active", None, None
    return invoice


class PaymentNotFound(NotFound):
    pass


@use_case
def record_payment(code: str, amount, day: dt.date, *, kind: str = "payment",
                   method: str = "bank_transfer", reference: str | None = None,
                   note: str = "", today: dt.date | None = None) -> Payment:
    """A payment of a confirmed invoice (partial or final: paid once nothing is due), or a
    refund of what a credit note left to pay back."""
    invoice = _for_action(code, "pay")
    if kind not in PAYMENT_KINDS:
        raise ServiceError(_("Choose a payment or a refund."), "kind")
    if method not in PAYMENT_METHODS:
        raise ServiceError(_("Choose bank transfer, card, cash or other."), "method")
    payments.check_date(invoice, day, "date", today)
    if reference is not None:
        reference = text(reference, "reference", limit=100, required=False) or None
    return payments.record(invoice, kind, amount, day, method=method, reference=reference,
                           note=text(note or "", "note", limit=REASON_MAX, required=False))


@use_case
def reverse_payment(code: str, payment_id: int, reason: str, *,
                    now: dt.datetime | None = None) -> Payment:
    """Reverse a wrong payment or refund: kept, with who and why; the invoice is reopened
    when something is due again."""
    reason = text(reason, "reason", limit=REASON_MAX)
    invoice = _for_action(code, "reverse_payment")
    payment = db.session.scalars(select(Payment).where(
        Payment.id == payment_id, Payment.invoice_id == invoice.id).with_for_update()
        .execution_options(populate_existing=True)).first()
    if payment is None:
        raise PaymentNotFound(_("%(invoice)s has no payment %(payment)s.",
                                invoice=invoice.number, payment=payment_id))
    if payment.is_reversed:
        raise Conflict(_("This payment was already reversed on %(date)s.",
                         date=payment.reversed_at.date().isoformat()))
    payments.reverse(invoice, payment, reason, now or dt.datetime.now())
    return payment


def release_items(invoice_id: int, *, detail_ids: list[int] | None = None) -> None:
    """Return the actuals, milestones (and, for a whole invoice, product lines) to ready."""
    scope = [InvoiceLineDetail.invoice_id == invoice_id]
    if detail_ids is not None:
        scope.append(InvoiceLineDetail.id.in_(detail_ids))
    actuals = select(InvoiceLineDetail.actual_id).where(*scope, InvoiceLineDetail.actual_id.is_not(None))
    db.session.execute(update(Actual).where(Actual.id.in_(actuals), Actual.status == "invoice_created")
                       .values(status="ready"))
    milestones = select(InvoiceLineDetail.milestone_id).where(
        *scope, InvoiceLineDetail.milestone_id.is_not(None))
    db.session.execute(update(Milestone).where(Milestone.id.in_(milestones),
                                               Milestone.status == "invoice_created")
                       .values(status="ready"))
    if detail_ids is None:
        release_product_lines(invoice_id)


def release_product_lines(invoice_id: int, *, line_ids: list[int] | None = None) -> None:
    """Return the product contract lines of the invoice's product lines (all, or those
    invoice lines) to ready."""
    scope = [InvoiceLine.invoice_id == invoice_id, InvoiceLine.billing_method == "product"]
    if line_ids is not None:
        scope.append(InvoiceLine.id.in_(line_ids))
    products = select(InvoiceLine.contract_line_id).where(*scope)
    db.session.execute(update(ContractLine).where(ContractLine.id.in_(products),
                                                  ContractLine.status == "invoice_created")
                       .values(status="ready"))


@use_case
def delete_invoice(code: str) -> None:
    """Remove a draft or in-review invoice; everything on it returns to ready."""
    invoice = _for_action(code, "delete")
    if not invoice.is_credit_note:  # a correction holds no items: its original does
        release_items(invoice.id)
    db.session.execute(update(ScheduleRun).where(ScheduleRun.invoice_id == invoice.id)
                       .values(invoice_id=None))
    db.session.execute(delete(InvoiceLineDetail).where(InvoiceLineDetail.invoice_id == invoice.id))
    db.session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id))
    audit.record(invoice.code, "delete", old=invoice.project_invoice_status)
    db.session.delete(invoice)


@use_case
def cancel_invoice(code: str) -> Invoice:
    """Keep the record as cancelled and release its items for another invoice."""
    invoice = _for_action(code, "cancel")
    if not invoice.is_credit_note:
        release_items(invoice.id)
    db.session.execute(update(InvoiceLineDetail).where(InvoiceLineDetail.invoice_id == invoice.id)
                       .values(is_open=False), execution_options={"synchronize_session": False})
    db.session.execute(update(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)
                       .values(is_open=False), execution_options={"synchronize_session": False})
    audit.record(invoice.code, "cancel", field="status", old=invoice.status, new="cancelled")
    invoice.status = "cancelled"
    return invoice


@use_case
def refresh_invoice(code: str) -> int:
    """Add every ready item up to the draft's cut-off that is not on it yet; safe to repeat.

    Returns how many details (and product lines) were added.
    """
    invoice = _for_action_on_contract(code, "refresh")
    lines_before = _line_count(invoice)
    add_missing_lines(invoice)
    added = add_ready_items(invoice) + _line_count(invoice) - lines_before
    recalculate(invoice)
    audit.record(invoice.code, "refresh", new=added)
    return added


def _line_count(invoice: Invoice) -> int:
    return db.session.scalar(select(func.count()).select_from(InvoiceLine)
                             .where(InvoiceLine.invoice_id == invoice.id))


def remove_detail(invoice: Invoice, detail: InvoiceLineDetail) -> None:
    """The steps of removing a detail, inside the caller's transaction: release its item,
    record it, delete it, recompute the totals. (A credit note's detail holds no item: its
    original keeps it as billed.)"""
    if not invoice.is_credit_note:
        release_items(invoice.id, detail_ids=[detail.id])
    audit.record(invoice.code, "remove_detail", target=audit.target(
        "detail", detail.id, detail.description or detail.external_description))
    db.session.delete(detail)
    db.session.flush()
    recalculate(invoice)


def remove_product_line(invoice: Invoice, line: InvoiceLine) -> None:
    """The steps of removing a product line (SPEC 5.3), inside the caller's transaction:
    its contract line returns to ready, record it, delete it. The caller recomputes the
    totals (and decides what a discount larger than what is left means)."""
    if not invoice.is_credit_note:
        release_product_lines(invoice.id, line_ids=[line.id])
    audit.record(invoice.code, "remove_line", target=audit.target("line", line.id, line.name))
    db.session.delete(line)
    db.session.flush()


def list_invoices(contract=None) -> list[Invoice]:
    """Invoices, newest first, optionally of one contract."""
    query = (select(Invoice).options(selectinload(Invoice.contract), selectinload(Invoice.customer))
             .order_by(Invoice.id.desc()))
    if contract is not None:
        query = query.where(Invoice.contract_id == contract.id)
    return list(db.session.scalars(query))
