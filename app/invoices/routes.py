"""Invoice pages: the list, and one invoice as an inline editor (HTMX).

Views parse a form, call one use case of app.services and pick the answer: for htmx the
named blocks of invoices/detail.html (the edited row, plus line and header totals as
out-of-band swaps), otherwise a redirect back to the page. Refusals are 4xx: 422 for a
value that cannot be saved, 409 when the row changed under the person or the invoice's
state does not allow the action.
"""

from decimal import Decimal
from types import SimpleNamespace

from flask import (Response, abort, current_app, flash, jsonify, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.auth.access import permission_for
from app.billing.editability import editable_detail_fields
from app.billing.enums import BACKINGS
from app.billing.lifecycle import ACTIONS, is_allowed
from app.extensions import db
from app.htmx import blocks, wants_fragment
from app.invoices import bp
from app.invoices.forms import (SORTS, DetailForm, HeaderForm, InvoiceFilterForm, LineForm,
                                MarkPaidForm, NewDetailForm, fill_contract_choices,
                                fill_customer_choices)
from app.invoices.queries import (DETAIL_PAGE, GROUPS, detail_page,
                                  detail_with_references, first_detail_pages, group_counts,
                                  invoice_by_code, invoice_list, references)
from app.labels import TRANSACTION_CLASSES
from app.models import Invoice, InvoiceLine, InvoiceLineDetail, Unit
from app.services import ServiceError
from app.services import audit, editing, lifecycle
from app.services.editing import (ROW, DetailEdit, DetailNotFound, EditConflict,
                                  InvalidFields)
from app.services.exporting import invoice_json, invoiced_to_date
from app.services.lifecycle import InvoiceActionRefused, state_of

PAGE = "invoices/detail.html"


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
                         contract_number=filters.get("contract"), sort=sort)
    pagination = db.paginate(query, page=request.args.get("page", 1, type=int),
                             per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("invoices/list.html", form=form, pagination=pagination,
                           filtered=bool(filters), sort=sort, sorts=SORTS)


# ---------------------------------------------------------------- the page

@bp.get("/invoices/<code>.json")
def show_json(code: str):
    """The invoice JSON of SPEC 9, as `invoices export` prints it."""
    invoice = invoice_by_code(code) or abort(404)
    return jsonify(invoice_json(invoice))


# The endpoint that carries out each lifecycle action; its permission decides whether the
# signed-in user is offered the action (app.auth.access, one table for the whole app).
ACTION_ENDPOINTS = {"edit": "edit_detail", "recalculate": "recalculate", "refresh": "refresh",
                    "submit_review": "submit_review", "back_to_draft": "back_to_draft",
                    "confirm": "confirm", "mark_paid": "mark_paid", "delete": "delete"}


def _offered(action: str, state: str) -> bool:
    """The invoice's state allows the action (app.billing.lifecycle) and so does the user's role."""
    if not is_allowed(action, state):
        return False
    endpoint = ACTION_ENDPOINTS.get(action)
    return endpoint is None or current_user.can(permission_for(f"invoices.{endpoint}", "POST"))


def _base_context(invoice: Invoice) -> dict:
    """What every block of the page needs: the invoice, its state and what it allows."""
    state = state_of(invoice)
    allowed = {a for a in ACTIONS if _offered(a, state)}
    editing = "edit" in allowed
    return {"invoice": invoice, "state": state, "editing": editing, "allowed": allowed,
            "editable": {b: editable_detail_fields(b, state) if editing else frozenset()
                         for b in BACKINGS},
            "groups": GROUPS, "page_size": DETAIL_PAGE, "refs": None}


HISTORY_SHOWN = 200  # newest first; the trail itself keeps everything


def _page(invoice: Invoice, status: int = 200, **extra):
    """The whole page: header, totals, lines and each group's first page of details."""
    context = _base_context(invoice)
    earlier = invoiced_to_date(invoice)
    pages = first_detail_pages(invoice)
    if context["editing"] and pages.has_backed_by_nothing():
        context["refs"] = references({line.project_id for line in invoice.lines})
    context.update(
        invoiced={line.contract_line_id: earlier.get(line.contract_line_id, Decimal(0))
                  for line in invoice.lines},
        pages=pages, counts=pages.counts, history=audit.timeline(invoice.code)[:HISTORY_SHOWN],
        **extra)
    return render_template(PAGE, **context), status


@bp.get("/invoices/<code>")
def show(code: str):
    """One invoice: the editor while draft or in review, read-only afterwards."""
    invoice = invoice_by_code(code) or abort(404)
    return _page(invoice)


def _back(code: str):
    return redirect(url_for("invoices.show", code=code), code=303)


def _invoice(code: str) -> Invoice:
    return db.session.scalars(db.select(Invoice).where(Invoice.code == code)).first() or abort(404)


# ---------------------------------------------------------------- detail rows

def _row_context(invoice: Invoice, detail: InvoiceLineDetail, **extra) -> dict:
    context = _base_context(invoice)
    if detail.backing == "none" and context["editable"]["none"]:
        context["refs"] = references([detail.invoice_line.project_id])
    return {**context, "detail": detail, "line": detail.invoice_line, **extra}


def _totals(invoice: Invoice, line: InvoiceLine, counts: dict | None = None) -> str:
    """Line totals, header totals and the versions the other forms of the page carry, as
    out-of-band swaps; group counts when a detail came, went or moved."""
    context = {**_base_context(invoice), "line": line, "oob": True}
    html = blocks(PAGE, ["line_totals", "line_version", "totals", "header_version"], **context)
    for group, count in (counts or {}).items():
        html += blocks(PAGE, ["group_count"], **context, group=group,
                       counts={(line.id, group): count})
    return html


def _fresh_detail(detail_id: int) -> InvoiceLineDetail | None:
    db.session.expire_all()
    return detail_with_references(detail_id)


def _row_answer(code: str, detail_id: int, status: int, *, errors: dict | None = None,
                message: str | None = None) -> Response | tuple:
    """The row as it is now (the refused values are not kept), with the refusal shown in it."""
    detail = _fresh_detail(detail_id)
    if detail is None:
        return _row_gone(detail_id, message or _("This detail is no longer on the invoice."))
    if detail.invoice_id != _invoice(code).id:
        abort(404)
    invoice = db.session.get(Invoice, detail.invoice_id)
    if not wants_fragment():
        flash(message or " ".join(str(m) for m in (errors or {}).values()), "error")
        return _back(code)
    context = _row_context(invoice, detail, row_errors=errors or {}, row_message=message,
                           row_class="refused")
    html = blocks(PAGE, ["detail_row"], **context) + _totals(invoice, detail.invoice_line)
    return html, status


def _row_gone(detail_id: int, message: str):
    if not wants_fragment():
        flash(message, "warning")
        return redirect(request.referrer or url_for("invoices.index"), code=303)
    return blocks(PAGE, ["row_gone"], detail_id=detail_id, row_message=message), 409


def _saved(code: str, edit: DetailEdit, *, created: bool = False):
    """The saved row — moved to the top of its group when its billing type changed — with
    the totals; the new-detail form closes after a creation."""
    if not wants_fragment():
        flash(_("Saved."), "success")
        return _back(code)
    detail = _fresh_detail(edit.detail_id)
    invoice, line = db.session.get(Invoice, edit.invoice_id), db.session.get(InvoiceLine, edit.line_id)
    context = _row_context(invoice, detail, row_class="just-saved")
    html = ""
    headers = {}
    counts = None
    if created or edit.moved:
        counts = {group: n for group, n in group_counts(line).items()
                  if group in (detail.billing_type, edit.previous_billing_type)}
        if edit.moved and not created:
            html += blocks(PAGE, ["row_removed"], detail_id=detail.id)
        if created:
            html += blocks(PAGE, ["new_detail_closed"], line=line)
        headers = {"HX-Retarget": f"#line-{line.id}-{detail.billing_type}-head",
                   "HX-Reswap": "afterend"}
    html = blocks(PAGE, ["detail_row"], **context) + html + _totals(invoice, line, counts)
    return html, 200, headers


def _refused(code: str, detail_id: int, error: ServiceError):
    if isinstance(error, DetailNotFound):
        return _row_gone(detail_id, str(error))
    if isinstance(error, InvalidFields):
        return _row_answer(code, detail_id, 422, errors=error.errors)
    return _row_answer(code, detail_id, 409, message=str(error))


def _detail_in(code: str, detail_id: int) -> tuple[Invoice, InvoiceLineDetail]:
    invoice = _invoice(code)
    detail = db.session.get(InvoiceLineDetail, detail_id)
    if detail is None or detail.invoice_id != invoice.id:
        abort(404)
    return invoice, detail


@bp.post("/invoices/<code>/details/<int:detail_id>")
def edit_detail(code: str, detail_id: int):
    """Save an edited detail row; answer the row with its line and header totals."""
    invoice, detail = _detail_in(code, detail_id)
    form = DetailForm(request.form, backing=detail.backing, state=state_of(invoice),
                      currency=invoice.currency)
    if not form.validate():
        return _row_answer(code, detail_id, 422, errors=form.messages())
    try:
        edit = editing.update_detail(invoice.code, detail_id, form.version.data, form.changes())
    except (EditConflict, InvalidFields, DetailNotFound, InvoiceActionRefused) as error:
        return _refused(code, detail_id, error)
    return _saved(code, edit)


@bp.post("/invoices/<code>/details/<int:detail_id>/delete")
def delete_detail(code: str, detail_id: int):
    """Remove a detail from the invoice; its actual or milestone returns to ready."""
    invoice, detail = _detail_in(code, detail_id)
    version = request.form.get("version", type=int)
    try:
        edit = editing.delete_detail(invoice.code, detail_id, version)
    except (EditConflict, InvalidFields, DetailNotFound, InvoiceActionRefused) as error:
        return _refused(code, detail_id, error)
    if not wants_fragment():
        flash(_("The detail was removed from the invoice."), "success")
        return _back(code)
    invoice = db.session.get(Invoice, edit.invoice_id)
    line = db.session.get(InvoiceLine, edit.line_id)
    counts = {edit.previous_billing_type: group_counts(line)[edit.previous_billing_type]}
    # The row itself is replaced by nothing; the totals follow out of band.
    return _totals(invoice, line, counts if line.billing_method == "time_and_material" else None)


@bp.get("/invoices/<code>/lines/<int:line_id>/details")
def more_details(code: str, line_id: int):
    """The next page of one billing-type group of a line (details load a page at a time)."""
    invoice = invoice_by_code(code) or abort(404)
    line = next((l for l in invoice.lines if l.id == line_id), None) or abort(404)
    group = request.args.get("billing_type", "chargeable")
    if group not in GROUPS:
        abort(404)
    if not wants_fragment():
        return redirect(url_for("invoices.show", code=code, _anchor=f"invoice-line-{line.id}"))
    rows, remaining = detail_page(line, group, request.args.get("after", 0, type=int))
    context = _base_context(invoice)
    if context["editable"]["none"] and any(d.backing == "none" for d in rows):
        context["refs"] = references([line.project_id])
    return blocks(PAGE, ["detail_rows"], **context, line=line, group=group, rows=rows,
                  remaining=remaining)


# ---------------------------------------------------------------- new details

def _new_row(invoice: Invoice, line: InvoiceLine, form_data, errors: dict | None = None):
    """The new-detail row: the class first (only those the contract line includes), then
    the fields of a detail backed by nothing."""
    classes = editing.line_classes(line)
    chosen = form_data.get("transaction_class") or (classes[0] if len(classes) == 1 else "")
    if chosen not in classes:
        chosen = ""
    values = {key: form_data.get(key, "") for key in form_data}
    values["transaction_class"] = chosen
    if request.headers.get("HX-Trigger-Name") == "transaction_class":
        values.pop("unit", None)  # another class: its own default unit
    if chosen:
        values.setdefault("unit", str(_default_unit(chosen)))
        values.setdefault("start_date", invoice.cutoff_date.isoformat())
        values.setdefault("billing_type", "chargeable")
    state = state_of(invoice)
    new = SimpleNamespace(
        transaction_class=chosen, values=values,
        classes=[(c, TRANSACTION_CLASSES[c]) for c in classes],
        editable=editable_detail_fields("none", state),
        shown=SimpleNamespace(amount=None, tax=None, extended_amount=None))
    context = _base_context(invoice)
    context["refs"] = references([line.project_id])
    return blocks(PAGE, ["new_detail"], **context, line=line, new=new, new_errors=errors or {})


def _default_unit(transaction_class: str) -> int:
    """Hour for time, each for the others (the built-in units)."""
    key = "hour" if transaction_class == "time" else "each"
    return db.session.scalar(db.select(Unit.id).where(Unit.key == key))


def _tm_line(code: str, line_id: int) -> tuple[Invoice, InvoiceLine]:
    invoice = _invoice(code)
    line = db.session.get(InvoiceLine, line_id)
    if line is None or line.invoice_id != invoice.id or line.billing_method != "time_and_material":
        abort(404)
    return invoice, line


@bp.get("/invoices/<code>/lines/<int:line_id>/details/new")
def new_detail(code: str, line_id: int):
    """The form row of a new detail, drawn again when its class or product choice changes."""
    invoice, line = _tm_line(code, line_id)
    if not wants_fragment():
        return _back(code)
    if not _base_context(invoice)["editing"]:
        return _message(lifecycle.REFUSALS["edit"], "error", 409)
    return _new_row(invoice, line, request.args)


@bp.post("/invoices/<code>/lines/<int:line_id>/details")
def create_detail(code: str, line_id: int):
    """Add a detail backed by nothing: price blank → price list; amount and tax on save."""
    invoice, line = _tm_line(code, line_id)
    form = NewDetailForm(request.form, state=state_of(invoice), currency=invoice.currency)
    if form.validate():
        try:
            edit = editing.add_detail(invoice.code, line.id, form.transaction_class.data,
                                      form.changes())
        except InvalidFields as error:
            errors = error.errors
        except ServiceError as error:  # the invoice or the line refuses a new detail
            errors = {ROW: str(error)}
        else:
            return _saved(code, edit, created=True)
    else:
        errors = form.messages()
    if not wants_fragment():
        flash(" ".join(map(str, errors.values())), "error")
        return _back(code)
    invoice, line = _tm_line(code, line_id)
    return _new_row(invoice, line, request.form, errors), 422


# ---------------------------------------------------------------- header and line names

@bp.post("/invoices/<code>/header")
def edit_header(code: str):
    """Save the header (name, description, bill-to, dates, discount, freight) and answer it
    with the recomputed header totals."""
    invoice = _invoice(code)
    form = HeaderForm(request.form, state=state_of(invoice), currency=invoice.currency)
    status, errors, message = 200, {}, None
    if not form.validate():
        status, errors = 422, form.messages()
    else:
        try:
            editing.update_header(invoice.code, form.version.data, form.changes())
        except InvalidFields as error:
            status, errors = 422, error.errors
        except (EditConflict, InvoiceActionRefused) as error:
            status, message = 409, str(error)
    if not wants_fragment():
        if status != 200:
            flash(message or " ".join(map(str, errors.values())), "error")
        return _back(code)
    db.session.expire_all()
    invoice = invoice_by_code(code)
    context = {**_base_context(invoice), "header_errors": errors, "header_message": message}
    html = blocks(PAGE, ["header"], **context) + blocks(PAGE, ["totals"], **context, oob=True)
    return html, status


@bp.post("/invoices/<code>/lines/<int:line_id>")
def rename_line(code: str, line_id: int):
    """Rename an invoice line (the one editable line field)."""
    invoice = _invoice(code)
    line = db.session.get(InvoiceLine, line_id)
    if line is None or line.invoice_id != invoice.id:
        abort(404)
    form = LineForm(request.form, state=state_of(invoice), billing_method=line.billing_method)
    status, errors, message = 200, {}, None
    try:
        if not form.validate():
            raise InvalidFields(form.messages())
        editing.rename_line(invoice.code, line_id, form.version.data,
                            form.changes().get("name", line.name))
    except InvalidFields as error:
        status, errors = 422, error.errors
    except (EditConflict, InvoiceActionRefused) as error:
        status, message = 409, str(error)
    if not wants_fragment():
        if status != 200:
            flash(message or " ".join(map(str, errors.values())), "error")
        return _back(code)
    db.session.expire_all()
    invoice = _invoice(code)
    line = db.session.get(InvoiceLine, line_id)
    return blocks(PAGE, ["line_name"], **_base_context(invoice), line=line,
                  line_errors=errors, line_message=message), status


# ---------------------------------------------------------------- lifecycle actions

def _message(text: str, kind: str, status: int):
    """A notice in the page's message area."""
    return blocks(PAGE, ["messages"], notice=text, notice_kind=kind), status


def _done(code: str, text: str, *, to: str | None = None):
    """The action worked: reload the page (or go `to`), showing the message there."""
    flash(text, "success")
    target = to or url_for("invoices.show", code=code)
    if wants_fragment():
        return Response(status=204, headers={"HX-Redirect": target})
    return redirect(target, code=303)


def _refusal(code: str, error: ServiceError, status: int = 409):
    if wants_fragment():
        return _message(str(error), "error", status)
    invoice = invoice_by_code(code) or abort(404)
    return _page(invoice, status, notice=str(error), notice_kind="error")


def _action(code: str, use_case, success):
    invoice = _invoice(code)
    try:
        result = use_case(invoice.code)
    except ServiceError as error:
        return _refusal(code, error)
    return _done(invoice.code, success(result))


@bp.post("/invoices/<code>/recalculate")
def recalculate(code: str):
    """Recompute every total from the details and show the result in place."""
    invoice = _invoice(code)
    try:
        result = editing.recalculate_invoice(invoice.code)
    except ServiceError as error:
        return _refusal(code, error)
    text = (_("Recalculated: the totals have been corrected.") if result.changed
            else _("Recalculated: the totals were already correct."))
    if not wants_fragment():
        flash(text, "success")
        return _back(code)
    db.session.expire_all()
    invoice = invoice_by_code(code)
    context = {**_base_context(invoice), "oob": True}
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
        "Confirmed with invoice number %(number)s. The invoice is now locked.",
        number=invoice.number))


@bp.get("/invoices/<code>/mark-paid")
def mark_paid_form(code: str):
    """Ask for the payment date (default today) and an optional reference."""
    invoice = invoice_by_code(code) or abort(404)
    form = MarkPaidForm(formdata=None)
    if wants_fragment():
        return blocks(PAGE, ["messages"], invoice=invoice, mark_paid=form)
    return _page(invoice, mark_paid=form)


@bp.post("/invoices/<code>/mark-paid")
def mark_paid(code: str):
    """Confirmed → paid, with the payment date."""
    invoice = _invoice(code)
    form = MarkPaidForm(request.form)
    if not form.validate():
        if wants_fragment():
            return blocks(PAGE, ["messages"], invoice=invoice, mark_paid=form), 422
        return _page(invoice_by_code(code), 422, mark_paid=form)
    try:
        lifecycle.mark_paid(invoice.code, form.paid_on.data, (form.reference.data or "").strip() or None)
    except ServiceError as error:
        return _refusal(code, error)
    return _done(code, _("Marked as paid on %(date)s.", date=form.paid_on.data.isoformat()))


@bp.post("/invoices/<code>/delete")
def delete(code: str):
    """Delete a draft or in-review invoice; its items return to ready."""
    invoice = _invoice(code)
    try:
        lifecycle.delete_invoice(invoice.code)
    except ServiceError as error:
        return _refusal(code, error)
    return _done(code, _("Invoice %(code)s was deleted; its items are ready to invoice again.",
                         code=code), to=url_for("invoices.index"))
