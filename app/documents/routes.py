"""The invoice document: preview in the browser, PDF download, "Send to customer"."""

import io

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from markupsafe import Markup

from app.billing.lifecycle import is_allowed
from app.documents import bp
from app.models import Invoice
from app.services import ServiceError
from app.documents.document import build_document
from app.documents.rendering import invoice_pdf, render_html
from app.services.lifecycle import InvoiceNotFound, find_invoice
from app.services.mailing import send_invoice


@bp.app_context_processor
def document_helpers():
    """What the invoice page's document actions (documents/_actions.html) need."""
    return {"document_send_allowed": _send_allowed, "document_sends": _sends,
            "document_sent_at": _sent_at}


def _send_allowed(invoice: Invoice) -> bool:
    return is_allowed("send", invoice.state)


def _sends(invoice: Invoice) -> list:
    """Earlier sends, newest first; a draft has none, so it costs no query."""
    if not _send_allowed(invoice):
        return []
    return list(reversed(invoice.sends))


def _sent_at(send) -> str:
    return format_datetime(send.sent_at, "short")


def _invoice(code: str) -> Invoice:
    try:
        return find_invoice(code)
    except InvoiceNotFound:
        abort(404)


def _back(code: str):
    return redirect(url_for("invoices.show", code=code))


@bp.get("/invoices/<code>/preview")
def preview(code: str):
    """The invoice document for reading and printing, in the customer's language;
    marked PROFORMA until the invoice is confirmed."""
    invoice = _invoice(code)
    try:
        document = build_document(invoice)
    except ServiceError as error:
        flash(str(error), "error")
        return _back(invoice.code)
    toolbar = Markup(render_template("documents/_toolbar.html", invoice=invoice, doc=document))
    return render_html(document, toolbar=toolbar)


@bp.get("/invoices/<code>/pdf")
def pdf(code: str):
    """The invoice document as a PDF download (PROFORMA until confirmed); an issued
    invoice's is the PDF kept when it was first rendered, byte for byte."""
    invoice = _invoice(code)
    try:
        document = build_document(invoice)
    except ServiceError as error:
        flash(str(error), "error")
        return _back(invoice.code)
    return send_file(io.BytesIO(invoice_pdf(invoice, document)), mimetype="application/pdf",
                     as_attachment=True, download_name=document.file_name)


@bp.post("/invoices/<code>/send")
def send(code: str):
    """E-mail the PDF to the bill-to address, then back to the invoice with the outcome."""
    invoice = _invoice(code)
    invoice_code, credit_note = invoice.code, invoice.is_credit_note
    try:
        sent = send_invoice(invoice_code)
    except ServiceError as error:
        flash(str(error), "error")
    else:
        if credit_note:
            flash(_("The credit note was sent to %(recipient)s.", recipient=sent.recipient),
                  "success")
        else:
            flash(_("The invoice was sent to %(recipient)s.", recipient=sent.recipient),
                  "success")
    return _back(invoice_code)
