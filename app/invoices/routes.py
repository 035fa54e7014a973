"""Invoice pages: the list and one invoice (read-only until the editor comes)."""

from decimal import Decimal

from flask import abort, current_app, jsonify, render_template, request

from app.extensions import db
from app.invoices import bp
from app.invoices.forms import InvoiceFilterForm, fill_customer_choices
from app.invoices.queries import details_by_line, invoice_by_code, invoice_list
from app.services.exporting import invoice_json, invoiced_to_date


@bp.get("/invoices")
def index():
    """Invoices, newest first, filtered by status, project invoice status and customer.

    There is no "new invoice" here: invoices are created from a contract (SPEC 5.1).
    """
    form = InvoiceFilterForm(request.args)
    fill_customer_choices(form.customer)
    filters = form.active()
    query = invoice_list(status=filters.get("status"),
                         project_invoice_status=filters.get("project_invoice_status"),
                         customer_id=int(filters["customer"]) if "customer" in filters else None)
    pagination = db.paginate(query, page=request.args.get("page", 1, type=int),
                             per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("invoices/list.html", form=form, pagination=pagination,
                           filtered=bool(filters))


@bp.get("/invoices/<code>.json")
def show_json(code: str):
    """The invoice JSON of SPEC 9, as `invoices export` prints it."""
    invoice = invoice_by_code(code) or abort(404)
    return jsonify(invoice_json(invoice))


@bp.get("/invoices/<code>")
def show(code: str):
    """One invoice: header, totals, lines and their details grouped by billing type."""
    invoice = invoice_by_code(code) or abort(404)
    earlier = invoiced_to_date(invoice)
    invoiced = {line.contract_line_id: earlier.get(line.contract_line_id, Decimal(0))
                for line in invoice.lines}
    return render_template("invoices/detail.html", invoice=invoice,
                           details=details_by_line(invoice), invoiced_to_date=invoiced)
