"""The invoice editor's answers (HTMX): detail rows, new details, the header, line names.

Every edit goes one way (`answer`): validate the form, call one use case of
app.services.editing, then answer — for htmx the named blocks of invoices/detail.html (the
edited row, plus line and header totals as out-of-band swaps), otherwise a flash and a
redirect back to the page. Refusals are 4xx: 422 for a value that cannot be saved, 409 when
the row changed under the person or the invoice's state does not allow the action.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from types import SimpleNamespace

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from app.billing.editability import editable_detail_fields
from app.extensions import db
from app.htmx import blocks, wants_fragment
from app.invoices import bp
from app.invoices.forms import (CorrectionForm, DetailForm, LineCorrectionForm, LineForm,
                                NewDetailForm, header_form)
from app.invoices.page import PAGE, back, base_context, invoice_or_404
from app.invoices.queries import (GROUPS, detail_page, detail_with_references, group_counts,
                                  invoice_by_code, references)
from app.labels import TRANSACTION_CLASSES
from app.models import Invoice, InvoiceLine, InvoiceLineDetail
from app.services import ROW, ServiceError
from app.services import corrections, editing, lifecycle
from app.services.editing import DetailEdit
from app.web.pages import default_unit_id, posted_id

# ---------------------------------------------------------------- validate → use case → answer


@dataclass(frozen=True)
class Refusal:
    """Why an edit was not saved: values (422, a message by field) or a conflict (409, one
    message); `gone` when what was edited is no longer there."""

    status: int
    errors: dict = field(default_factory=dict)
    message: str | None = None
    gone: bool = False

    @classmethod
    def of(cls, error: ServiceError) -> "Refusal":
        if error.status == 422:
            return cls(422, error.errors)
        return cls(409, message=str(error), gone=error.status == 404)

    def text(self) -> str:
        return self.message or " ".join(map(str, self.errors.values()))


def _state_refusal(invoice: Invoice) -> Refusal | None:
    """409 with the invoice's state when it can no longer be edited (confirmed in another
    tab): said before any posted value is looked at, let alone drawn."""
    try:
        lifecycle.check_action(invoice, "edit")
    except ServiceError as error:
        return Refusal.of(error)
    return None


def answer(invoice: Invoice, form, use_case: Callable, *, saved: Callable, refused: Callable,
           done: str | None = None, gone: Callable | None = None):
    """Check that the invoice can be edited, validate the form (None: nothing to validate),
    call the use case, and answer: for htmx `saved(result)` or `refused(refusal)`; without
    htmx a flash (`done` once saved, the refusal otherwise) and the page again.
    `gone(refusal)` answers either way when what was edited is no longer there."""
    result = None
    refusal = _state_refusal(invoice)
    if refusal is None and form is not None and not form.validate():
        refusal = Refusal(422, form.messages())
    if refusal is None:
        try:
            result = use_case()
        except ServiceError as error:
            refusal = Refusal.of(error)
    if refusal is not None and refusal.gone and gone is not None:
        return gone(refusal)
    if wants_fragment():
        return saved(result) if refusal is None else refused(refusal)
    if refusal is not None:
        flash(refusal.text(), "error")
    elif done:
        flash(done, "success")
    return back(invoice.code)


# ---------------------------------------------------------------- detail rows

def _row_context(invoice: Invoice, detail: InvoiceLineDetail, **extra) -> dict:
    context = base_context(invoice)
    if detail.backing == "none" and context["editable"]["none"] and not invoice.is_credit_note:
        context["refs"] = references([detail.invoice_line.project_id])
    return {**context, "detail": detail, "line": detail.invoice_line, **extra}


def _totals(invoice: Invoice, line: InvoiceLine, counts: dict | None = None) -> str:
    """Line totals, header totals and the versions the other forms of the page carry, as
    out-of-band swaps; group counts when a detail came, went or moved."""
    context = {**base_context(invoice), "line": line, "oob": True}
    html = blocks(PAGE, ["line_totals", "line_version", "totals", "header_version"], **context)
    for group, count in (counts or {}).items():
        html += blocks(PAGE, ["group_count"], **context, group=group,
                       counts={(line.id, group): count})
    return html


def _fresh_detail(detail_id: int) -> InvoiceLineDetail | None:
    """The detail as the use case left it (committed values stay loaded; a refusal's
    rollback expired everything), with what its row shows."""
    return detail_with_references(detail_id)


def _refused_row(code: str, detail_id: int, refusal: Refusal):
    """The row as it is now with the refusal shown in it; a refused value (422) stays in its
    cell as typed, so it can be corrected. After a conflict (409) the row shows what is
    saved now."""
    detail = _fresh_detail(detail_id)
    if detail is None:
        return _row_gone(detail_id, refusal.message or _("This detail is no longer on the invoice."))
    if detail.invoice_id != invoice_or_404(code).id:
        abort(404)
    invoice = db.session.get(Invoice, detail.invoice_id)
    typed = _typed() if refusal.status == 422 else None
    context = _row_context(invoice, detail, row_errors=refusal.errors, typed_values=typed,
                           row_message=refusal.message, row_class="refused")
    html = blocks(PAGE, ["detail_row"], **context) + _totals(invoice, detail.invoice_line)
    return html, refusal.status


def _typed() -> dict[str, str]:
    """What the person typed in the row, to draw it again after a refused value."""
    return {name: value for name, value in request.form.items()
            if name not in ("version", "csrf_token")}


def _row_gone(detail_id: int, text: str):
    if not wants_fragment():
        flash(text, "warning")
        return redirect(request.referrer or url_for("invoices.index"), code=303)
    return blocks(PAGE, ["row_gone"], detail_id=detail_id, row_message=text), 409


def _saved(edit: DetailEdit, *, created: bool = False):
    """The saved row — moved to the top of its group when its billing type changed — with
    the totals; the new-detail form closes after a creation."""
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


def _removed(edit: DetailEdit) -> str:
    """The row itself is replaced by nothing; the totals follow out of band."""
    invoice = db.session.get(Invoice, edit.invoice_id)
    line = db.session.get(InvoiceLine, edit.line_id)
    counts = {edit.previous_billing_type: group_counts(line)[edit.previous_billing_type]}
    return _totals(invoice, line, counts if line.billing_method == "time_and_material" else None)


def _detail_in(code: str, detail_id: int) -> tuple[Invoice, InvoiceLineDetail]:
    invoice = invoice_or_404(code)
    detail = db.session.get(InvoiceLineDetail, detail_id)
    if detail is None or detail.invoice_id != invoice.id:
        abort(404)
    return invoice, detail


def _detail_answer(invoice: Invoice, detail_id: int, form, use_case: Callable, saved: Callable,
                   done: str):
    code = invoice.code
    return answer(invoice, form, use_case, saved=saved, done=done,
                  refused=partial(_refused_row, code, detail_id),
                  gone=lambda refusal: _row_gone(detail_id, refusal.message))


@bp.post("/invoices/<code>/details/<id:detail_id>")
def edit_detail(code: str, detail_id: int):
    """Save an edited detail row; answer the row with its line and header totals."""
    invoice, detail = _detail_in(code, detail_id)
    form = DetailForm(request.form, backing=detail.backing, state=invoice.state,
                      currency=invoice.currency, transaction_class=detail.transaction_class)
    return _detail_answer(
        invoice, detail_id, form,
        lambda: editing.update_detail(invoice.code, detail_id, form.version.data, form.changes()),
        saved=_saved, done=_("Saved."))


@bp.post("/invoices/<code>/corrections/<id:detail_id>")
def edit_correction(code: str, detail_id: int):
    """Save what should have been billed for a corrective detail of a credit note; answer
    the row with its differences and the line and header totals."""
    invoice, detail = _detail_in(code, detail_id)
    form = CorrectionForm(request.form, backing=detail.backing, state=invoice.state,
                          currency=invoice.currency)
    return _detail_answer(
        invoice, detail_id, form,
        lambda: corrections.update_correction(invoice.code, detail_id, form.version.data,
                                              form.changes()),
        saved=_saved, done=_("Saved."))


@bp.post("/invoices/<code>/details/<id:detail_id>/delete")
def delete_detail(code: str, detail_id: int):
    """Remove a detail from the invoice; its actual or milestone returns to ready."""
    invoice, detail = _detail_in(code, detail_id)
    version = posted_id(request.form, "version")  # a garbled one is None: stale (409)
    return _detail_answer(invoice, detail_id, None,
                          lambda: editing.delete_detail(invoice.code, detail_id, version),
                          saved=_removed, done=_("The detail was removed from the invoice."))


@bp.get("/invoices/<code>/lines/<id:line_id>/details")
def more_details(code: str, line_id: int):
    """The next page of one billing-type group of a line (details load a page at a time)."""
    invoice = invoice_by_code(code) or abort(404)
    line = next((l for l in invoice.lines if l.id == line_id), None) or abort(404)
    group = request.args.get("billing_type", "chargeable")
    after = posted_id(request.args, "after")
    if group not in GROUPS or (after is None and request.args.get("after", "").strip()):
        abort(404)  # no such group, or after a detail no row can be
    if not wants_fragment():
        return redirect(url_for("invoices.show", code=code, _anchor=f"invoice-line-{line.id}"))
    rows, remaining = detail_page(line, group, after or 0)
    context = base_context(invoice)
    if (context["editable"]["none"] and not invoice.is_credit_note
            and any(d.backing == "none" for d in rows)):
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
        values.setdefault("unit", str(default_unit_id(chosen)))
        values.setdefault("start_date", invoice.cutoff_date.isoformat())
        values.setdefault("billing_type", "chargeable")
    state = invoice.state
    new = SimpleNamespace(
        transaction_class=chosen, values=values,
        classes=[(c, TRANSACTION_CLASSES[c]) for c in classes],
        editable=editable_detail_fields("none", state),
        shown=SimpleNamespace(amount=None, tax=None, extended_amount=None))
    context = base_context(invoice)
    context["refs"] = references([line.project_id])
    return blocks(PAGE, ["new_detail"], **context, line=line, new=new, new_errors=errors or {})


def _tm_line(code: str, line_id: int) -> tuple[Invoice, InvoiceLine]:
    invoice = invoice_or_404(code)
    line = db.session.get(InvoiceLine, line_id)
    if line is None or line.invoice_id != invoice.id or line.billing_method != "time_and_material":
        abort(404)
    return invoice, line


@bp.get("/invoices/<code>/lines/<id:line_id>/details/new")
def new_detail(code: str, line_id: int):
    """The form row of a new detail, drawn again when its class or product choice changes."""
    invoice, line = _tm_line(code, line_id)
    if not wants_fragment():
        return back(code)
    refusal = _state_refusal(invoice)
    if refusal is not None:
        return blocks(PAGE, ["new_detail_refused"], line=line, row_message=refusal.text()), 409
    return _new_row(invoice, line, request.args)


@bp.post("/invoices/<code>/lines/<id:line_id>/details")
def create_detail(code: str, line_id: int):
    """Add a detail backed by nothing: price blank → price list; amount and tax on save."""
    invoice, line = _tm_line(code, line_id)
    form = NewDetailForm(request.form, state=invoice.state, currency=invoice.currency)

    def refused(refusal: Refusal):
        invoice, line = _tm_line(code, line_id)
        if refusal.status == 409:
            # The invoice can no longer be edited: the row says so instead of the form.
            return blocks(PAGE, ["new_detail_refused"], line=line,
                          row_message=refusal.text()), 409
        # What was typed is kept: the row is drawn again from the posted values.
        errors = refusal.errors or {ROW: refusal.message}
        return _new_row(invoice, line, request.form, errors), refusal.status

    # No class or an unknown one leaves the form without its class field: the use case
    # refuses it next to the class select (422), never an attribute error.
    class_field = getattr(form, "transaction_class", None)
    transaction_class = class_field.data if class_field is not None else None
    return answer(invoice, form, lambda: editing.add_detail(
        invoice.code, line.id, transaction_class, form.changes()),
        saved=partial(_saved, created=True), refused=refused, done=_("Saved."))


# ---------------------------------------------------------------- header and line names

@bp.post("/invoices/<code>/header")
def edit_header(code: str):
    """Save the header (name, description, bill-to, dates, discount, freight) and answer it
    with the recomputed header totals."""
    invoice = invoice_or_404(code)
    form = header_form(invoice, request.form)

    def header(refusal: Refusal | None = None):
        context = {**base_context(invoice_by_code(code)),
                   # A refused value (422) stays as typed, to be corrected.
                   "header_typed": _typed() if refusal and refusal.status == 422 else {},
                   "header_errors": refusal.errors if refusal else {},
                   "header_message": refusal.message if refusal else None}
        html = blocks(PAGE, ["header"], **context) + blocks(PAGE, ["totals"], **context, oob=True)
        return html, refusal.status if refusal else 200

    return answer(invoice, form, lambda: editing.update_header(
        invoice.code, form.version.data, form.changes()),
        saved=lambda _invoice: header(), refused=header)


@bp.post("/invoices/<code>/lines/<id:line_id>")
def rename_line(code: str, line_id: int):
    """Rename an invoice line (the one editable line field)."""
    invoice = invoice_or_404(code)
    line = db.session.get(InvoiceLine, line_id)
    if line is None or line.invoice_id != invoice.id:
        abort(404)
    form = LineForm(request.form, state=invoice.state, billing_method=line.billing_method,
                    invoice_type=invoice.invoice_type)
    name = line.name

    def line_name(refusal: Refusal | None = None):
        return blocks(PAGE, ["line_name"], **base_context(invoice_or_404(code)),
                      line=db.session.get(InvoiceLine, line_id),
                      line_errors=refusal.errors if refusal else {},
                      line_message=refusal.message if refusal else None), \
            refusal.status if refusal else 200

    return answer(invoice, form, lambda: editing.rename_line(
        invoice.code, line_id, form.version.data, form.changes().get("name", name)),
        saved=lambda _line: line_name(), refused=line_name)


@bp.post("/invoices/<code>/lines/<id:line_id>/correction")
def correct_line(code: str, line_id: int):
    """Save the quantity a credit note's product line should have billed (0..billed);
    answer the line's row with its difference and the line and header totals."""
    invoice = invoice_or_404(code)
    line = db.session.get(InvoiceLine, line_id)
    if line is None or line.invoice_id != invoice.id or line.billing_method != "product":
        abort(404)
    form = LineCorrectionForm(request.form, state=invoice.state)

    def product_line(refusal: Refusal | None = None):
        fresh = invoice_by_code(code)
        row = db.session.get(InvoiceLine, line_id)
        if row is None:
            return _line_gone_answer(code, line_id, refusal)
        context = {**base_context(fresh), "line": row}
        html = blocks(PAGE, ["product_row"], **context,
                      row_errors=refusal.errors if refusal else {},
                      row_message=refusal.message if refusal else None,
                      typed_values=_typed() if refusal and refusal.status == 422 else None,
                      row_class="refused" if refusal else "just-saved")
        html += blocks(PAGE, ["line_totals", "totals", "header_version"], **context, oob=True)
        return html, refusal.status if refusal else 200

    return answer(invoice, form, lambda: corrections.correct_product_line(
        invoice.code, line_id, form.version.data, form.changes().get("corrected_quantity")),
        saved=lambda _line: product_line(), refused=product_line, done=_("Saved."))


def _line_gone_answer(code: str, line_id: int, refusal: Refusal | None):
    text = (refusal.text() if refusal else "") or _("This line is no longer on the invoice.")
    if not wants_fragment():
        flash(text, "warning")
        return back(code)
    return (blocks(PAGE, ["messages"], notice=text, notice_kind="warning")
            + blocks(PAGE, ["line_removed"], line_id=line_id)), 409
