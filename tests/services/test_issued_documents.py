"""An issued invoice is a record, not a view (issue 11): its document is frozen at
confirmation and its PDF kept byte for byte; a draft's keeps following live data."""

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from app.documents.document import build_document
from app.documents.rendering import invoice_pdf, render_html
from app.extensions import db
from app.models import InvoiceSend, IssuedDocument
from app.services.lifecycle import confirm_invoice, mark_paid
from app.services.mailing import send_invoice
from tests.factories import pdf_text
from tests.worlds import document_invoice


@pytest.fixture
def company(app, monkeypatch):
    """Company settings as the test sets them, restored afterwards."""
    settings = {"COMPANY_NAME": "Nordlys Consulting ApS", "COMPANY_ADDRESS": "Havnegade 1\n1058 København K",
                "COMPANY_BANK": "IBAN DK50 0040 0440 1162 43", "COMPANY_VAT_ID": "DK11223344"}
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    return monkeypatch


def change_everything(app, company, invoice) -> None:
    """What happens to settings and the customer after an invoice went out."""
    for key, value in {"COMPANY_NAME": "Renamed A/S", "COMPANY_ADDRESS": "Elsewhere 9",
                       "COMPANY_BANK": "IBAN GB00 0000", "COMPANY_VAT_ID": "DK99999999"}.items():
        company.setitem(app.config, key, value)
    customer = invoice.customer
    customer.language = "ms"
    customer.tax_registration_id = "DK00000000"
    customer.hide_non_chargeable = True
    customer.time_annex = True
    customer.street = "Moved 1"
    db.session.commit()


def test_confirmation_freezes_the_document_and_a_draft_has_none(app, company):
    draft = document_invoice("da", confirm=False)
    assert draft.issued_document is None
    confirm_invoice(draft.code, now=dt.datetime(2026, 4, 1, 10, 0))
    issued = db.session.scalar(select(IssuedDocument).where(IssuedDocument.invoice_id == draft.id))
    assert issued.frozen_at == dt.datetime(2026, 4, 1, 10, 0)
    assert "Nordlys Consulting ApS" in issued.content and '"language": "da"' in issued.content
    assert issued.pdf is None  # rendered (and kept) when first needed


def test_a_confirmed_invoice_comes_out_the_same_after_settings_and_customer_change(app, company):
    invoice = document_invoice("da")
    before_html = render_html(build_document(invoice), for_pdf=True)
    first = invoice_pdf(invoice)
    issued = db.session.scalar(select(IssuedDocument).where(IssuedDocument.invoice_id == invoice.id))
    assert issued.pdf == first and issued.pdf_sha256 == hashlib.sha256(first).hexdigest()

    change_everything(app, company, invoice)

    assert render_html(build_document(invoice), for_pdf=True) == before_html
    assert invoice_pdf(invoice) == first  # byte for byte
    text = " ".join(pdf_text(first))
    assert "Nordlys Consulting ApS" in text and "Faktura" in text and "Renamed" not in text


def test_the_preview_page_of_an_issued_invoice_stays_in_its_language(client, app, company):
    invoice = document_invoice("da")
    change_everything(app, company, invoice)
    page = client.get(f"/invoices/{invoice.number}/preview").get_data(as_text=True)
    assert 'lang="da"' in page and "16.906,25\xa0kr." in page
    assert "Nordlys Consulting ApS" in page and "Renamed A/S" not in page
    download = client.get(f"/invoices/{invoice.number}/pdf")
    issued = db.session.scalar(select(IssuedDocument).where(IssuedDocument.invoice_id == invoice.id))
    assert download.data == issued.pdf


def test_every_send_carries_the_kept_pdf_and_records_its_digest(app, company, inbox):
    invoice = document_invoice("da", email="faktura@kunde.example")
    send_invoice(invoice.code)
    change_everything(app, company, invoice)
    send_invoice(invoice.code)
    first, second = (next(m.iter_attachments()).get_content() for m in inbox.messages)
    assert first == second
    issued = db.session.scalar(select(IssuedDocument).where(IssuedDocument.invoice_id == invoice.id))
    assert issued.pdf == first
    digests = db.session.scalars(select(InvoiceSend.pdf_sha256)
                                 .where(InvoiceSend.invoice_id == invoice.id)).all()
    assert digests == [hashlib.sha256(first).hexdigest()] * 2


def test_paying_does_not_change_the_issued_pdf_but_the_preview_says_paid(client, app, company):
    invoice = document_invoice("en")
    first = invoice_pdf(invoice)
    mark_paid(invoice.code, dt.date(2026, 4, 10))
    assert invoice_pdf(invoice) == first
    page = client.get(f"/invoices/{invoice.number}/preview").get_data(as_text=True)
    assert "Paid on" in page


def test_a_draft_follows_live_data(app, company):
    invoice = document_invoice("da", confirm=False)
    assert build_document(invoice).language == "da"
    invoice.customer.language = "ms"
    company.setitem(app.config, "COMPANY_NAME", "Renamed A/S")
    db.session.commit()
    document = build_document(invoice)
    assert (document.language, document.seller.name, document.proforma) == ("ms", "Renamed A/S", True)
    assert b"%PDF" == invoice_pdf(invoice)[:4]
    assert invoice.issued_document is None
