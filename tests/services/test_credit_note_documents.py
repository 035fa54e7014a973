"""The credit note's document (issue 14): titled "Credit note", naming the invoice it
corrects, printing the rows it changes with their (negative) differences, negative totals
and tax per rate; frozen at confirmation like an invoice's."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.documents.document import build_document, freeze, thaw
from app.documents.rendering import invoice_mail, invoice_pdf, render_html, render_pdf
from app.extensions import db
from app.models import Invoice, InvoiceLineDetail
from app.services.corrections import correct_invoice, update_correction
from app.services.invoicing import recalculate
from app.services.lifecycle import confirm_invoice
from tests.factories import flat, pdf_text
from tests.worlds import document_invoice

CREDIT_DAY = dt.date(2026, 4, 20)
TIME_ROW = "Development of the order API"  # 7.5 h × 950 = 7,125, tax 1,781.25
HOTEL_ROW = "Hotel, one night"  # 1,200, tax 300


def _detail(credit_note: Invoice, external: str) -> InvoiceLineDetail:
    db.session.expire_all()
    return db.session.scalars(select(InvoiceLineDetail).where(
        InvoiceLineDetail.invoice_id == credit_note.id,
        InvoiceLineDetail.external_description == external)).one()


def _correct(credit_note: Invoice, external: str, quantity: Decimal) -> None:
    detail = _detail(credit_note, external)
    update_correction(credit_note.code, detail.id, detail.version,
                      {"corrected_quantity": quantity})


def credit_note(language="en", currency="DKK", rate=Decimal("25"), *, confirm=True,
                original: Invoice | None = None) -> Invoice:
    """A credit note of document_invoice: the time row corrected from 7.5 h to 5 h (−2.5 h,
    −2,375, tax −593.75), the hotel left as billed (not printed), everything else credited
    in full (milestone −5,000 / −1,250, product −200 / −50, the zero-priced rows at zero)."""
    original = original or document_invoice(language, currency, rate)
    note = correct_invoice(original.code, today=CREDIT_DAY)
    _correct(note, TIME_ROW, Decimal("5"))
    _correct(note, HOTEL_ROW, Decimal("1"))
    if confirm:
        note = confirm_invoice(note.code)
    db.session.expire_all()
    return db.session.get(Invoice, note.id)


def _rows(document) -> dict:
    return {row.description: row for section in document.sections for row in section.rows}


def test_a_confirmed_credit_note_prints_as_a_credit_note_of_its_original(app):
    note = credit_note()
    assert note.number == "2026-0002"
    text = " ".join(pdf_text(invoice_pdf(note)))
    assert "Credit note" in text and "Proforma" not in text and "PROFORMA" not in text
    assert "2026-0002" in text
    assert "Corrects invoice 2026-0001 of Apr 1, 2026" in text
    # The corrected row: the difference, and what was billed and what should have been.
    assert TIME_ROW in text and "Billed 7.5, corrected 5" in text
    assert flat("-DKK2,375.00") in text and flat("-DKK593.75") in text
    # The unchanged row is left out; nothing to pay.
    assert HOTEL_ROW not in text
    assert flat("Total amount -DKK9,468.75") in text
    assert flat("Tax 25 % of -DKK7,575.00 -DKK1,893.75") in text
    assert "Please pay" not in text and "Due date" not in text
    assert flat("credits DKK9,468.75 against invoice 2026-0001") in text


def test_the_view_model_carries_the_differences_and_leaves_out_unchanged_rows(app):
    document = build_document(credit_note())
    assert (document.invoice_type, document.number, document.corrects.number,
            document.corrects.invoice_date) == ("credit_note", "2026-0002", "2026-0001",
                                                dt.date(2026, 4, 1))
    rows = _rows(document)
    assert HOTEL_ROW not in rows
    time = rows[TIME_ROW]
    assert (time.quantity, time.price, time.amount, time.tax) == (
        Decimal("-2.5"), Decimal("950"), Decimal("-2375"), Decimal("-593.75"))
    assert (time.billed_quantity, time.corrected_quantity) == (Decimal("7.5"), Decimal("5"))
    assert rows["Design sign-off"].amount == Decimal("-5000")
    # A credited non-chargeable row is shown at zero, as on the invoice.
    assert (rows["Onboarding call"].quantity, rows["Onboarding call"].amount) == (
        Decimal("-1"), Decimal("0"))
    assert (document.detail_amount, document.total_tax, document.total_amount) == (
        Decimal("-7575"), Decimal("-1893.75"), Decimal("-9468.75"))
    assert [(t.rate, t.base, t.tax) for t in document.taxes] == [
        (Decimal("25"), Decimal("-7575.00"), Decimal("-1893.75"))]
    assert document.file_name == "credit-note-2026-0002.pdf"


def test_a_draft_credit_note_is_marked_as_a_draft_credit_note(app):
    note = credit_note(confirm=False)
    html = flat(render_html(build_document(note), for_pdf=True))
    assert "<h1>Draft credit note</h1>" in html and 'data-testid="document-watermark"' in html
    assert "Corrects invoice 2026-0001 of Apr 1, 2026" in html
    assert "This is a draft credit note for review." in html
    assert "Proforma invoice" not in html and HOTEL_ROW not in html
    assert build_document(note).file_name == f"proforma-{note.code}.pdf"


def test_a_billing_type_correction_shows_the_new_billing_type(app):
    note = credit_note(confirm=False)
    detail = _detail(note, TIME_ROW)
    update_correction(note.code, detail.id, detail.version,
                      {"corrected_billing_type": "complimentary", "corrected_quantity":
                       Decimal("7.5")})
    rows = _rows(build_document(note))
    assert rows[TIME_ROW].amount == Decimal("-7125")  # the whole charge is taken back
    html = flat(render_html(build_document(note), for_pdf=True))
    assert "Billed 7.5, corrected 7.5 · Complimentary" in html


def test_a_price_correction_shows_both_prices(app):
    note = credit_note(confirm=False)
    detail = _detail(note, TIME_ROW)
    update_correction(note.code, detail.id, detail.version,
                      {"corrected_quantity": Decimal("7.5"), "corrected_price": Decimal("900")})
    row = _rows(build_document(note))[TIME_ROW]
    assert (row.quantity, row.amount) == (Decimal("0"), Decimal("-375"))
    html = flat(render_html(build_document(note), for_pdf=True))
    assert "Billed 7.5 × DKK950.00, corrected 7.5 × DKK900.00" in html


@pytest.mark.parametrize("language, currency, rate, title, corrects, total", [
    ("ms", "MYR", Decimal("8"), "Nota Kredit", "Membetulkan Invois 2026-0001 bertarikh 1 Apr 2026",
     "-RM8,181.00"),
    ("da", "DKK", Decimal("25"), "Kreditnota", "Korrigerer faktura 2026-0001 af 1. apr. 2026",
     "-9.468,75 kr."),
])
def test_the_credit_note_is_in_the_customers_language(app, language, currency, rate, title,
                                                       corrects, total):
    # MYR at 8 %: −2,375 − 5,000 − 200 = −7,575, tax −190 − 400 − 16 = −606.
    note = credit_note(language, currency, rate)
    text = " ".join(pdf_text(invoice_pdf(note)))
    assert title in text and "2026-0002" in text
    assert corrects in text
    assert flat(total) in text


def test_a_full_credit_of_an_invoice_with_discount_and_freight_adds_up(app):
    original = document_invoice(confirm=False)
    original.discount_percent, original.freight_amount = Decimal("10"), Decimal("99.99")
    recalculate(original)
    db.session.commit()
    original = confirm_invoice(original.code)
    note = confirm_invoice(correct_invoice(original.code, today=CREDIT_DAY).code)
    document = build_document(note)
    assert document.total_amount == -original.total_amount
    assert document.discount_amount == -original.discount_amount
    assert document.freight_amount == Decimal("-99.99")
    assert sum(t.tax for t in document.taxes) == document.total_tax == -original.total_tax
    text = " ".join(pdf_text(render_pdf(document)))
    assert "Credit note" in text and "Freight amount" in text
    assert flat(f"Total amount -DKK{-document.total_amount:,.2f}") in text


def test_the_issued_credit_note_does_not_change_when_settings_change(app, monkeypatch):
    note = credit_note("da")
    before = render_html(build_document(note), for_pdf=True)
    first = invoice_pdf(note)
    monkeypatch.setitem(app.config, "COMPANY_NAME", "Renamed A/S")
    note.customer.language = "ms"
    note.corrects.invoice_date = dt.date(2026, 4, 2)  # whatever happens to the original
    db.session.commit()
    assert render_html(build_document(note), for_pdf=True) == before
    assert invoice_pdf(note) == first
    assert "Korrigerer faktura 2026-0001 af 1. apr. 2026" in " ".join(pdf_text(first))


def test_the_credit_note_e_mail_says_credit_note_and_asks_for_no_payment(app, monkeypatch):
    monkeypatch.setitem(app.config, "COMPANY_NAME", "Nordlys Consulting ApS")
    monkeypatch.setitem(app.config, "COMPANY_BANK", "IBAN DK50 0040 0440 1162 43")
    message = invoice_mail(credit_note())
    assert message["Subject"] == "Credit note 2026-0002 from Nordlys Consulting ApS"
    body = message.get_body(("plain",)).get_content()
    assert "credit note 2026-0002" in body and "against invoice 2026-0001 of Apr 1, 2026" in body
    assert "IBAN" not in body and "due on" not in body
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == "credit-note-2026-0002.pdf"


def test_an_invoice_document_has_no_correction_in_it(app):
    document = build_document(document_invoice())
    assert document.corrects is None and not document.is_credit_note
    html = render_html(document, for_pdf=True)
    assert "document-corrects" not in html and "document-correction" not in html
    assert "Due date" in html


def test_a_document_frozen_before_credit_notes_still_opens(app):
    content = json.loads(freeze(document_invoice()))
    del content["corrects"]  # what documents frozen before issue 14 lack
    for section in content["sections"]:
        for row in section["rows"]:
            for key in [k for k in row if k.startswith(("billed_", "corrected_"))]:
                del row[key]
    document = thaw(json.dumps(content))
    assert document.corrects is None and document.number == "2026-0001"
    assert "Development of the order API" in render_html(document, for_pdf=True)
