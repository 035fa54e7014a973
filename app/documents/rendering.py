"""The invoice document as HTML and PDF (WeasyPrint), and as the e-mail that carries it:
the rendering adapters of the documents area.

app.services.mailing sends what `invoice_mail` composes; the factory hands it over through
app.extensions (the use case does not import this package).
"""

from __future__ import annotations

import re
from decimal import Decimal
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from app.billing.enums import ISSUED_STATES
from app.billing.payments import fill_placeholders
from app.documents import einvoice
from app.documents.document import InvoiceDocument, build_document, thaw
from app.formatting import day, money
from app.models import Invoice, ReminderLevel
from app.services import ServiceError
from app.services.issuing import keep_pdf
from app.services.lifecycle import find_invoice
from app.services.reminders import texts_of

# The app's static folder: the document's stylesheet (and anything it refers to).
STATIC = Path(__file__).resolve().parents[1] / "static"


def render_html(document: InvoiceDocument, *, for_pdf: bool = False,
                toolbar: Markup | None = None) -> str:
    """The document as HTML in the customer's language and number formats.

    for_pdf leaves out the stylesheet link (WeasyPrint gets the stylesheet directly, so it
    never fetches anything) and the on-screen toolbar.
    """
    # The app's environment but not render_template: its context processors need a
    # request, and a document is also rendered outside one (a send from a test or a
    # command).
    template = current_app.jinja_env.get_template("documents/invoice.html")
    with force_locale(document.locale):
        return template.render(doc=document, for_pdf=for_pdf, toolbar=toolbar)


def render_pdf(document: InvoiceDocument, on_pages=None) -> bytes:
    """The document as PDF (A4, repeated table headers, "Page X of Y" in the footer).

    on_pages, when given, is called with the number of pages once the document is laid out
    (the long part), before the PDF is written (a background render's progress)."""
    # Imported here: WeasyPrint loads Pango when imported, which pages that never print
    # (and the CLI) need not pay for.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    # Only local files and data: URLs, so a document can never reach the network.
    fetcher = URLFetcher(allowed_protocols={"file", "data"})
    html = HTML(string=render_html(document, for_pdf=True), base_url=f"{STATIC.as_uri()}/",
                url_fetcher=fetcher)
    laid_out = html.render(stylesheets=[CSS(filename=str(STATIC / "document.css"),
                                            url_fetcher=fetcher)])
    if on_pages is not None:
        on_pages(len(laid_out.pages))
    return laid_out.write_pdf()



def _body(document: InvoiceDocument) -> str:
    """The plain-text e-mail body (in Python rather than a template, so that its strings
    are extracted for translation like every other)."""
    paragraphs = [_("Dear %(name)s,", name=document.bill_to.name)]
    if document.is_credit_note:
        # Nothing to pay: no due date, no payment details.
        paragraphs.append(_(
            "Please find attached credit note %(number)s of %(date)s, which credits %(amount)s "
            "against invoice %(original)s of %(original_date)s.", number=document.reference,
            date=day(document.invoice_date),
            amount=money(document.credited_amount, document.currency),
            original=document.corrects.number, original_date=day(document.corrects.invoice_date)))
    else:
        paragraphs.append(_(
            "Please find attached invoice %(number)s of %(date)s for %(amount)s, due on %(due)s.",
            number=document.reference, date=day(document.invoice_date),
            amount=money(document.total_amount, document.currency), due=day(document.due_date)))
    if document.paid_on and not document.is_credit_note:
        paragraphs.append(_("It was paid on %(date)s. Thank you.", date=day(document.paid_on)))
    elif document.payments and document.amount_due and document.amount_due > 0:
        # Partly paid: what came in, and what is left to pay.
        paragraphs.append(_(
            "We have received %(paid)s; the amount still due is %(due)s.",
            paid=money(-sum((p.signed for p in document.payments), Decimal(0)),
                       document.currency),
            due=money(document.amount_due, document.currency)))
    elif document.bank and not document.is_credit_note:
        paragraphs.append(_("Payment details:") + "\n" + document.bank)
    signature = [_("Kind regards"), document.seller.name, document.seller.email,
                 document.seller.phone]
    paragraphs.append("\n".join(line for line in signature if line))
    return "\n\n".join(paragraphs) + "\n"


def build_message(document: InvoiceDocument, pdf: bytes, recipient: str, recipient_name: str
                  ) -> EmailMessage:
    """The e-mail in the customer's language, with the PDF attached."""
    with force_locale(document.locale):
        if document.is_credit_note:
            subject = _("Credit note %(number)s from %(company)s", number=document.reference,
                        company=document.seller.name)
        else:
            subject = _("Invoice %(number)s from %(company)s", number=document.reference,
                        company=document.seller.name)
        body = _body(document)
    return _message(document, subject, body, pdf, recipient, recipient_name)


def _message(document: InvoiceDocument, subject: str, body: str, pdf: bytes, recipient: str,
             recipient_name: str) -> EmailMessage:
    """An e-mail from the seller with the document's PDF attached."""
    sender = current_app.config["MAIL_FROM"]
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = formataddr((document.seller.name, sender))
    message["To"] = formataddr((recipient_name, recipient))
    message["Date"] = formatdate(localtime=True)
    # The domain of the sender, not socket.getfqdn(), which may wait for DNS.
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    if document.seller.email:
        message["Reply-To"] = document.seller.email
    message.set_content(body)
    message.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename=document.file_name)
    return message


def invoice_pdf(invoice: Invoice, document: InvoiceDocument | None = None) -> bytes:
    """The PDF of an invoice: a draft's rendered now (from `document` when the caller has
    built it); an issued invoice's the bytes kept the first time it was rendered from its
    frozen document (and kept then)."""
    issued = invoice.issued_document if invoice.state in ISSUED_STATES else None
    if issued is None:
        return render_pdf(document or build_document(invoice))
    if issued.pdf is not None:
        return issued.pdf
    return keep_pdf(invoice.id, render_pdf(thaw(issued.content)))


def background_pdf(code: str, on_pages=None) -> tuple[bytes, str]:
    """The PDF of invoice `code` as `invoice_pdf` makes it, and its file name, for a
    background render (app.documents.background: a thread with an app context of its
    own): a draft's from live data; an issued invoice's kept the first time, as on a
    download."""
    invoice = find_invoice(code)
    document = build_document(invoice)
    issued = invoice.issued_document if invoice.state in ISSUED_STATES else None
    if issued is None:
        return render_pdf(document, on_pages), document.file_name
    if issued.pdf is not None:
        return issued.pdf, document.file_name
    return keep_pdf(invoice.id, render_pdf(thaw(issued.content), on_pages)), document.file_name


def invoice_mail(invoice: Invoice) -> EmailMessage:
    """The e-mail of an invoice to its bill-to address, with its PDF attached
    (app.services.mailing.InvoiceMail) — and its validated e-invoice when the customer
    receives one; an e-invoice that is not valid stops the send (EInvoiceRefused)."""
    document = build_document(invoice)
    message = build_message(document, invoice_pdf(invoice, document), invoice.bill_to_email,
                            invoice.bill_to_name)
    if invoice.customer.einvoice_profile in einvoice.PROFILES:
        attached = _valid_einvoice(invoice)
        message.add_attachment(attached.xml, maintype="application", subtype="xml",
                               filename=attached.file_name)
    return message


class EInvoiceRefused(ServiceError):
    """The customer receives e-invoices and this one cannot be made valid now: nothing is
    sent."""


def _valid_einvoice(invoice: Invoice) -> einvoice.EInvoice:
    """The customer's e-invoice of the invoice, or EInvoiceRefused naming each failed rule."""
    from app.documents.einvoice.validation import advice

    try:
        result = einvoice.export(invoice)
    except einvoice.EInvoiceUnavailable as error:
        raise EInvoiceRefused(_("Not sent: %(customer)s receives e-invoices, and %(reason)s",
                                customer=invoice.customer.name, reason=str(error))) from error
    if not result.ok:
        reasons = [*result.problems, *(advice(f) for f in result.report.fatal)]
        raise EInvoiceRefused(_("Not sent: the e-invoice %(customer)s receives is not valid — "
                                "%(reasons)s", customer=invoice.customer.name,
                                reasons=" · ".join(reasons)))
    return result


def reminder_mail(invoice: Invoice, level: ReminderLevel, days_overdue: int,
                  amount_due: Decimal) -> EmailMessage:
    """The reminder of a level for an invoice (app.services.reminders.ReminderMail): the
    level's subject and text in the customer's language, its placeholders filled in that
    language's formats, the invoice's PDF attached."""
    document = build_document(invoice)
    subject, body = texts_of(level, document.language)
    with force_locale(document.locale):
        values = {
            "customer": document.bill_to.name, "invoice": document.reference,
            "invoice_date": day(document.invoice_date), "due_date": day(document.due_date),
            "days_overdue": str(days_overdue), "amount_due": money(amount_due, document.currency),
            "company": document.seller.name,
            "payment_details": (_("Payment details:") + "\n" + document.bank
                                if document.bank else ""),
        }
    # A blank payment-details paragraph leaves no gap of empty lines behind.
    body = re.sub(r"\n{3,}", "\n\n", fill_placeholders(body, values)).strip() + "\n"
    subject = " ".join(fill_placeholders(subject, values).split())
    return _message(document, subject, body, invoice_pdf(invoice, document),
                    invoice.bill_to_email, invoice.bill_to_name)
