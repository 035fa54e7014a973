"""The invoice document: preview in the browser, PDF download, "Send to customer"."""

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from markupsafe import Markup

from app.billing.lifecycle import is_allowed
from app.documents import background, bp, einvoice
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
    invoice's is the PDF kept when it was first rendered, byte for byte. A long one not
    kept yet is rendered in the background: the answer (202) is a page that shows its
    progress and then downloads it, so no request waits for WeasyPrint."""
    invoice = _invoice(code)
    if background.wants_background(invoice):
        # The document is built in the background too (seconds for thousands of rows);
        # what it refuses is shown on the progress page.
        job = background.start(invoice)
        return render_template("documents/_pdf_progress.html", invoice=invoice,
                               render=background.progress(job), full_page=True), 202
    try:
        document = build_document(invoice)
    except ServiceError as error:
        flash(str(error), "error")
        return _back(invoice.code)
    return send_file(io.BytesIO(invoice_pdf(invoice, document)), mimetype="application/pdf",
                     as_attachment=True, download_name=document.file_name)


@bp.get("/invoices/<code>/pdf/renders/<job>")
def pdf_progress(code: str, job: str):
    """The progress of a background render (polled by htmx every second); once ready, the
    link to the PDF — and with ?go=1 (asked once by the ready fragment) HX-Redirect to it."""
    invoice = _invoice(code)
    render = background.progress(job)
    if render is not None and render.state == "ready" and request.args.get("go"):
        return "", 200, {"HX-Redirect": url_for("documents.pdf_file", code=invoice.code, job=job)}
    return render_template("documents/_pdf_progress.html", invoice=invoice, render=render,
                           full_page=False)


@bp.get("/invoices/<code>/pdf/renders/<job>.pdf")
def pdf_file(code: str, job: str):
    """The PDF a background render made (404 once dropped: the PDF link renders anew)."""
    invoice = _invoice(code)
    done = background.finished(job, invoice.code)
    if done is None:
        abort(404)
    pdf_bytes, file_name = done
    return send_file(io.BytesIO(pdf_bytes), mimetype="application/pdf", as_attachment=True,
                     download_name=file_name)


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


# ---------------------------------------------------------------- e-invoices (issue 16)

def _einvoice(invoice: Invoice, profile: str | None):
    """The e-invoice of an issued invoice in the profile asked for (the customer's by
    default); 404 for a draft, which has no legal number to carry."""
    if not _send_allowed(invoice):
        abort(404)
    if profile is not None and profile not in einvoice.PROFILES:
        abort(404)
    return einvoice.export(invoice, profile)


@bp.get("/invoices/<code>/einvoice")
def einvoice_panel(code: str):
    """The e-invoice card of the invoice page (loaded by htmx): valid, with its download;
    or each failed rule with what to do; or how to configure the rules."""
    invoice = _invoice(code)
    profile = request.args.get("profile") or None
    try:
        result, unavailable = _einvoice(invoice, profile), None
    except einvoice.EInvoiceUnavailable as error:
        result, unavailable = None, str(error)
    return render_template("documents/_einvoice.html", invoice=invoice, result=result,
                           unavailable=unavailable, profiles=einvoice.PROFILES,
                           advice=advice)


@bp.get("/invoices/<code>.xml")
def einvoice_xml(code: str):
    """The validated e-invoice (UBL) as a download; refused (422, with the failed rules)
    while any rule fails, and 503 with how to configure it when the rules are not set up."""
    invoice = _invoice(code)
    try:
        result = _einvoice(invoice, request.args.get("profile") or None)
    except einvoice.EInvoiceUnavailable as error:
        return render_template("documents/einvoice_refused.html", invoice=invoice,
                               result=None, unavailable=str(error), advice=advice), 503
    if not result.ok:
        return render_template("documents/einvoice_refused.html", invoice=invoice,
                               result=result, unavailable=None, advice=advice), 422
    return send_file(io.BytesIO(result.xml), mimetype="application/xml", as_attachment=True,
                     download_name=result.file_name)


def advice(failure) -> str:
    """What a bookkeeper does about a failed rule (app.documents.einvoice.validation)."""
    from app.documents.einvoice.validation import advice as rule_advice

    return rule_advice(failure)
