"""The credit note's document pages (issue 14): the preview of a draft credit note and the
PDF download of a confirmed one."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import InvoiceLineDetail
from app.services.corrections import correct_invoice, update_correction
from app.services.lifecycle import confirm_invoice
from tests.factories import flat, pdf_text
from tests.worlds import document_invoice


def draft_credit_note():
    """A draft credit note of document_invoice with the hotel left as billed."""
    original = document_invoice()
    note = correct_invoice(original.code, today=dt.date(2026, 4, 20))
    hotel = db.session.scalars(select(InvoiceLineDetail).where(
        InvoiceLineDetail.invoice_id == note.id,
        InvoiceLineDetail.external_description == "Hotel, one night")).one()
    update_correction(note.code, hotel.id, hotel.version, {"corrected_quantity": Decimal("1")})
    return note


def test_preview_of_a_draft_credit_note(client):
    note = draft_credit_note()
    response = client.get(f"/invoices/{note.code}/preview")
    assert response.status_code == 200
    page = flat(response.get_data(as_text=True))
    assert "<h1>Draft credit note</h1>" in page and 'data-testid="document-watermark"' in page
    assert "Corrects invoice 2026-0001 of Apr 1, 2026" in page
    assert "Development of the order API" in page and "Billed 7.5, corrected 0" in page
    assert "Hotel, one night" not in page  # unchanged: not on the credit note
    assert flat("-DKK15,406.25") in page  # everything but the hotel (1,500) credited
    assert f'href="/invoices/{note.code}/pdf"' in page


def test_pdf_download_of_a_confirmed_credit_note(client):
    note = confirm_invoice(draft_credit_note().code)
    response = client.get(f"/invoices/{note.number}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert (response.headers["Content-Disposition"]
            == "attachment; filename=credit-note-2026-0002.pdf")
    text = " ".join(pdf_text(response.data))
    assert "Credit note" in text and "2026-0002" in text and "PROFORMA" not in text
    assert "Corrects invoice 2026-0001 of Apr 1, 2026" in text
    # The same bytes every time (the issued document's kept PDF).
    assert client.get(f"/invoices/{note.code}/pdf").data == response.data
