"""Invoice pages: the list, one invoice (the editor while draft or in review; the editor's
answers are in app.invoices.editor), its JSON, and the lifecycle actions.

An action that worked reloads the page with its message (HX-Redirect for htmx); a refused
one answers 409 with the reason in the page's message area.
"""

import datetime as dt

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from app import formatting
from app.billing.dues import is_overdue
from app.extensions import db
from app.htmx import blocks, wants_fragment
from app.invoices import bp
from app.invoices.forms import (SORTS, InvoiceFilterForm, MarkPaidForm, PaymentForm,
                                ReopenPaidForm, ReversePaymentForm, fill_contract_choices,
                                fill_customer_choices)
from app.invoices.history import full_history, recent_history
from app.invoices import page
from app.invoices.page import (PAGE, back, base_context, invoice_or_404, message,
                               payments_panel, shows_payments)
from app.invoices.queries import first_detail_pages, invoice_by_code, invoice_list, references
from app.models import Invoice
from app.services import ServiceError
from app.services import corrections, editing, lifecycle, reminders
from app.services.exporting import invoice_json
from app.web.pages import paginate


# ---------------------------------------------------------------- list

@bp.get("/invoices")
def index():
    """Invoices, filtered by status, project invoice status, customer and contract, sorted by
    date or amount, paginated.

    There is no "new invoice" here: invoices are created from a contract (SPEC 5.1).
    """
    form = InvoiceFilterForm(request.args)
    fill_customer_choices(form.customer)
    fill_contract_choices(form.contract)
    filters = form.active()
    sort = filters.pop("sort", "-date")
    query = invoice_list(status=filters.get("status"),
                         project_invoice_status=filters.get("project_invoice_status"),
                         customer_id=int(filters["customer"]) if "customer" in filters else None,
                         contract_number=filters.get("contract"),
                         invoice_type=filters.get("invoice_type"), sort=sort)
    pagination, today = paginate(query), dt.date.today()
    overdue = {invoice.id for invoice in pagination.items
               if is_overdue(invoice.state, invoice.due_date, today)}
    return render_template("invoices/list.html", form=form, pagination=pagination,
                           filtered=bool(filters), sort=sort, sorts=SORTS, overdue=overdue)


# ---------------------------------------------------------------- the page

@bp.get("/invoices/<code>.json")
def show_json(code: str):
    """The invoice JSON of SPEC 9, as `invoices export` prints it."""
    invoice = invoice_by_code(code) or abort(404)
    return jsonify(invoice_json(invoice))


def _page(invoice: Invoice, status: int = 200, *, whole_history: bool = False,
          panel: dict | None = None, **extra):
    """The whole page: header, totals, lines, each group's first page of details and the
    latest entries of the history (every entry with `whole_history`); `panel`: the payments
    card as a refused post left it."""
    context = base_context(invoice)  # with the invoiced to date of each line, read once
    if panel and context["pay"] is not None:
        context["pay"] = payments_panel(invoice, context["allowed"], **panel)
    pages = first_detail_pages(invoice)
    if context["editing"] and pages.has_backed_by_nothing():
        context["refs"] = references({line.project_id for line in invoice.lines})
    if not invoice.is_credit_note and invoice.state in ("confirmed", "paid"):
        # Only a confirmed or paid invoice is ever corrected: a draft's page reads nothing more.
        found = corrections.corrections_of(invoice)
        context.update(corrections=found, open_correction=corrections.open_correction(invoice)
                       if found else None,
                       net_total=corrections.net_total(invoice) if found else None)
    context.update(
        pages=pages, counts=pages.counts,
        history=full_history(invoice) if whole_history else recent_history(invoice), **extra)
    return render_template(PAGE, **context), status


@bp.get("/invoices/<code>")
def show(code: str):
    """One invoice: the editor while draft or in review, read-only afterwards."""
    invoice = invoice_by_code(code) or abort(404)
    return _page(invoice)


@bp.get("/invoices/<code>/history")
def history(code: str):
    """Every entry of the invoice's history ("show all"): the section for htmx, else the page."""
    invoice = invoice_by_code(code) or abort(404)
    if wants_fragment():
        return render_template("invoices/_history.html", invoice=invoice,
                               history=full_history(invoice))
    return _page(invoice, whole_history=True)


# ---------------------------------------------------------------- lifecycle actions

def _done(code: str, text: str, *, to: str | None = None):
    """The action worked: reload the page (or go `to`), showing the message there."""
    flash(text, "success")
    target = to or url_for("invoices.show", code=code)
    if wants_fragment():
        return Response(status=204, headers={"HX-Redirect": target})
    return redirect(target, code=303)


def _refusal(code: str, error: ServiceError, status: int = 409):
    if wants_fragment():
        return message(str(error), "error", status)
    invoice = invoice_by_code(code) or abort(404)
    return _page(invoice, status, notice=str(error), notice_kind="error")


def _action(code: str, use_case, success):
    invoice = invoice_or_404(code)
    try:
        result = use_case(invoice.code)
    except ServiceError as error:
        return _refusal(code, error)
    return _done(invoice.code, success(result))


@bp.post("/invoices/<code>/recalculate")
def recalculate(code: str):
    """Recompute every total from the details and show the result in place."""
    invoice = invoice_or_404(code)
    try:
        result = editing.recalculate_invoice(invoice.code)
    except ServiceError as error:
        return _refusal(code, error)
    text = (_("Recalculated: the totals have been corrected.") if result.changed
            else _("Recalculated: the totals were already correct."))
    if not wants_fragment():
        flash(text, "success")
        return back(code)
    db.session.expire_all()
    invoice = invoice_by_code(code)
    context = {**base_context(invoice), "oob": True}
    html = blocks(PAGE, ["messages"], notice=text, notice_kind="success")
    html += blocks(PAGE, ["totals", "header_version"], **context)
    for line in invoice.lines:
        # Product lines have no name form, hence no version to follow.
        names = ["line_totals"] if line.billing_method == "product" else ["line_totals", "line_version"]
        html += blocks(PAGE, names, **context, line=line)
    return html


@bp.post("/invoices/<code>/refresh")
def refresh(code: str):
    """Add the ready items up to the cut-off that are not on the draft yet."""
    return _action(code, lifecycle.refresh_invoice, lambda added: ngettext(
        "Refreshed: %(num)s detail added.", "Refreshed: %(num)s details added.", added)
        if added else _("Refreshed: nothing new was ready to invoice."))


@bp.post("/invoices/<code>/submit-review")
def submit_review(code: str):
    """Draft → in review."""
    return _action(code, lifecycle.submit_for_review, lambda _i: _("Submitted for review."))


@bp.post("/invoices/<code>/back-to-draft")
def back_to_draft(code: str):
    """In review → draft."""
    return _action(code, lifecycle.back_to_draft, lambda _i: _("Back to draft."))


@bp.post("/invoices/<code>/confirm")
def confirm(code: str):
    """Confirm: the legal number, and the invoice is locked."""
    return _action(code, lifecycle.confirm_invoice, lambda invoice: _(
        "Confirmed with number %(number)s. The credit note is now locked.",
        number=invoice.number) if invoice.is_credit_note else _(
        "Confirmed with invoice number %(number)s. The invoice is now locked.",
        number=invoice.number))


@bp.post("/invoices/<code>/correct")
def correct(code: str):
    """Correct a confirmed or paid invoice: a draft credit note linked to it, crediting
    everything it bills now; the reviewer then enters what should have been billed."""
    invoice = invoice_or_404(code)
    try:
        credit_note = corrections.correct_invoice(invoice.code)
    except ServiceError as error:
        return _refusal(code, error)
    return _done(credit_note.code, _(
        "Credit note %(code)s created as a correction of invoice %(number)s. Enter what "
        "should have been billed on each row, then confirm it.", code=credit_note.code,
        number=invoice.number))


# ---------------------------------------------------------------- panels of the page
# An action that asks for values first (Mark as paid, Reopen) opens a panel in the page's
# message area: its form, sent back with the message next to the field when refused.

def _panel(code: str, status: int = 200, *, invoice: Invoice | None = None, **panel):
    """The open panel (`panel`: its name and form) alone for htmx, else the page with it."""
    if wants_fragment():
        return blocks(PAGE, ["messages"], invoice=invoice or invoice_or_404(code), **panel), status
    return _page(invoice_by_code(code), status, **panel)


def _submit_panel(code: str, run, done, **panel):
    """Validate the panel's form, run the use case with it, answer: the page reloaded with
    `done(form)`; a refused value next to its field (422); a refused action as the page's
    message (409)."""
    invoice = invoice_or_404(code)
    [form] = panel.values()
    if not form.validate():
        return _panel(code, 422, invoice=invoice, **panel)
    try:
        run(invoice.code, form)
    except ServiceError as error:
        if error.field not in form:
            return _refusal(code, error, error.status)
        form[error.field].errors = [str(error)]
        return _panel(code, error.status, **panel)
    return _done(code, done(form))


@bp.get("/invoices/<code>/mark-paid")
def mark_paid_form(code: str):
    """Ask for the payment date (default today) and an optional reference."""
    invoice = invoice_by_code(code) or abort(404)
    return _panel(code, invoice=invoice, mark_paid=MarkPaidForm(formdata=None))


@bp.post("/invoices/<code>/mark-paid")
def mark_paid(code: str):
    """Confirmed → paid, with the payment date."""
    return _submit_panel(
        code, lambda invoice_code, form: lifecycle.mark_paid(
            invoice_code, form.paid_on.data, (form.reference.data or "").strip() or None),
        lambda form: _("Marked as paid on %(date)s.", date=form.paid_on.data.isoformat()),
        mark_paid=MarkPaidForm(request.form))


@bp.get("/invoices/<code>/reopen")
def reopen_paid_form(code: str):
    """Ask why a paid invoice goes back to confirmed."""
    invoice = invoice_by_code(code) or abort(404)
    return _panel(code, invoice=invoice, reopen=ReopenPaidForm(formdata=None))


@bp.post("/invoices/<code>/reopen")
def reopen_paid(code: str):
    """Paid → confirmed, for an invoice marked as paid by mistake, with the reason."""
    return _submit_panel(
        code, lambda invoice_code, form: lifecycle.reopen_paid(invoice_code, form.reason.data),
        lambda _form: _("Reopened: the invoice is confirmed and unpaid again."),
        reopen=ReopenPaidForm(request.form))


@bp.post("/invoices/<code>/delete")
def delete(code: str):
    """Delete a draft or in-review invoice; its items return to ready."""
    invoice = invoice_or_404(code)
    try:
        lifecycle.delete_invoice(invoice.code)
    except ServiceError as error:
        return _refusal(code, error)
    return _done(code, _("Invoice %(code)s was deleted; its items are ready to invoice again.",
                         code=code), to=url_for("invoices.index"))


@bp.post("/invoices/<code>/cancel")
def cancel(code: str):
    """Cancel a draft or in-review invoice: unlike Delete it stays, as a cancelled record;
    its items return to ready."""
    return _action(code, lifecycle.cancel_invoice, lambda invoice: _(
        "Invoice %(code)s was cancelled: it is kept as a record, and its items are ready to "
        "invoice again.", code=invoice.code))


# ---------------------------------------------------------------- payments (issue 15)
# The payments card answers in place: the card itself (what htmx targets), plus the status
# badges, the actions and the header out of band, since a payment can make the invoice paid
# and a reversal reopen it. A refused value comes back next to its field (422), as typed.

# The fields the record form shows; a refusal naming another goes into the card's notice.
_PAYMENT_FIELDS = ("amount", "date", "method", "reference", "note")


def _payments_answer(code: str, status: int = 200, *, done: bool = False, **panel):
    """The payments card for htmx (with the badges, actions and header out of band), the
    page otherwise (`done`: reloaded, with the card's notice as its message)."""
    db.session.expire_all()
    invoice = invoice_or_404(code)
    if not wants_fragment():
        if done:
            flash(panel["notice"], panel.get("notice_kind") or "success")
            return back(code)
        if not shows_payments(invoice):  # a draft or a credit note: the page's message says why
            return _page(invoice, status, notice=panel.get("notice"),
                         notice_kind=panel.get("notice_kind"))
        return _page(invoice, status, panel=panel)
    context = base_context(invoice)
    if shows_payments(invoice):
        context["pay"] = payments_panel(invoice, context["allowed"], **panel)
    html = blocks(PAGE, ["payments"], **context)
    html += blocks(PAGE, ["badges", "actions", "header"], **context, oob=True)
    return html, status


@bp.get("/invoices/<code>/payments/new")
def record_payment_form(code: str):
    """The card with the form of the next payment open: what is due, today."""
    invoice_or_404(code)
    return _payments_answer(code, open_record=True)


@bp.get("/invoices/<code>/payments/<id:payment_id>/reverse")
def reverse_payment_form(code: str, payment_id: int):
    """The card with the Reverse form of one payment open, asking why."""
    invoice_or_404(code)
    return _payments_answer(code, reversing={payment_id: ("", "")})


@bp.post("/invoices/<code>/payments")
def record_payment(code: str):
    """Record a payment (or the refund a credit note left due) of a confirmed invoice:
    partial or final, paid once nothing is due."""
    invoice = invoice_or_404(code)
    form = PaymentForm(request.form)
    if not form.validate():
        return _payments_answer(code, 422, form=form)
    try:
        payment = lifecycle.record_payment(
            invoice.code, form.amount.data, form.date.data, kind=form.kind.data or "payment",
            method=form.method.data or "", reference=(form.reference.data or "").strip() or None,
            note=(form.note.data or "").strip())
    except ServiceError as error:
        if error.field in _PAYMENT_FIELDS:
            form[error.field].errors = [str(error)]
            return _payments_answer(code, error.status, form=form)
        return _payments_answer(code, error.status, notice=str(error), notice_kind="error")
    amount = formatting.money(payment.amount, invoice.currency)
    text = (_("Refund of %(amount)s recorded.", amount=amount) if payment.kind == "refund"
            else _("Payment of %(amount)s recorded.", amount=amount))
    return _payments_answer(code, done=True, notice=text, notice_kind="success")


@bp.post("/invoices/<code>/payments/<id:payment_id>/reverse")
def reverse_payment(code: str, payment_id: int):
    """Reverse a wrong payment or refund, with the reason: it is kept, struck through, and
    the invoice is reopened when something is due again."""
    invoice = invoice_or_404(code)
    form = ReversePaymentForm(request.form)
    typed_reason = request.form.get("reason", "")
    if not form.validate():
        return _payments_answer(code, 422, reversing={
            payment_id: (typed_reason, " ".join(str(e) for e in form.reason.errors))})
    try:
        payment = lifecycle.reverse_payment(invoice.code, payment_id, form.reason.data)
    except ServiceError as error:
        if error.field == "reason":
            return _payments_answer(code, error.status,
                                    reversing={payment_id: (typed_reason, str(error))})
        return _payments_answer(code, error.status, notice=str(error), notice_kind="error")
    amount = formatting.money(payment.amount, invoice.currency)
    text = (_("Refund of %(amount)s reversed.", amount=amount) if payment.kind == "refund"
            else _("Payment of %(amount)s reversed.", amount=amount))
    return _payments_answer(code, done=True, notice=text, notice_kind="success")


@bp.post("/invoices/<code>/reminders")
def send_reminder(code: str):
    """Send the next payment reminder of an overdue invoice now, with its PDF: the card
    answers with the reminder listed (sent, or failed with why)."""
    invoice = invoice_or_404(code)
    try:
        outcome = reminders.send_reminder(invoice.code, today=page.today())
    except ServiceError as error:  # a mail failure too: recorded, the card lists it
        return _payments_answer(code, error.status, notice=str(error), notice_kind="error")
    text = _("Reminder %(level)s sent to %(recipient)s.", level=outcome.level,
             recipient=outcome.recipient)
    return _payments_answer(code, done=True, notice=text, notice_kind="success")


# ---------------------------------------------------------------- product lines (SPEC 5.3)

@bp.post("/invoices/<code>/lines/<id:line_id>/remove")
def remove_line(code: str, line_id: int):
    """Remove a product line from a draft; its contract line is ready to invoice again.
    For htmx: the message, the line taken out of the page and the totals, out of band."""
    invoice = invoice_or_404(code)
    try:
        name = editing.remove_product_line(invoice.code, line_id)
    except editing.LineNotFound as error:
        return _line_gone(code, line_id, str(error))
    except ServiceError as error:
        return _refusal(code, error, error.status)
    text = _("Product line %(name)s removed; it is ready to invoice again.", name=name)
    if not wants_fragment():
        flash(text, "success")
        return back(code)
    db.session.expire_all()
    invoice = invoice_or_404(code)
    return (blocks(PAGE, ["messages"], notice=text, notice_kind="success")
            + blocks(PAGE, ["line_removed"], line_id=line_id)
            + blocks(PAGE, ["totals", "header_version"], **base_context(invoice), oob=True))


def _line_gone(code: str, line_id: int, text: str):
    """Someone else removed the line first: say so, and take it out of the page too."""
    if not wants_fragment():
        flash(text, "warning")
        return back(code)
    html, status = message(text, "warning", 409)
    return html + blocks(PAGE, ["line_removed"], line_id=line_id), status
