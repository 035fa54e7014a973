"""The customer-facing invoice document: view model, HTML in the customer's language, PDF."""

import datetime as dt
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import Invoice, InvoiceLineDetail
from app.documents.document import DocumentTotalsDiffer, build_document
from app.documents.rendering import render_html, render_pdf
from app.services.invoicing import recalculate
from app.services.lifecycle import mark_paid
from tests.factories import flat, pdf_text
from tests.worlds import EXTERNAL, document_invoice


def test_document_carries_the_invoice_and_its_external_descriptions(app):
    invoice = document_invoice()
    document = build_document(invoice)
    assert (document.number, document.proforma, document.contract_number) == (
        "2026-0001", False, invoice.contract.number)
    assert document.opportunity == "OPP-0042"
    assert document.bill_to.name == "Kunde en" and "Denmark" in document.bill_to.address
    rows = [row for section in document.sections for row in section.rows]
    descriptions = [row.description for row in rows]
    assert set(EXTERNAL) <= set(descriptions)
    assert not any("internal" in d.lower() for d in descriptions)
    html = render_html(document, for_pdf=True)
    assert all(text in html for text in EXTERNAL)
    assert "Internal: refactor" not in html and "Onboarding (internal)" not in html


def test_non_chargeable_and_complimentary_rows_are_shown_at_zero(app):
    document = build_document(document_invoice())
    rows = {row.description: row for s in document.sections for row in s.rows}
    for description in ("Onboarding call", "Extra design review"):
        assert (rows[description].amount, rows[description].tax) == (Decimal("0.00"), Decimal("0.00"))
    assert rows["Development of the order API"].amount == Decimal("7125.00")


def test_customer_setting_hides_non_chargeable_and_complimentary_rows(app):
    document = build_document(document_invoice(hide_non_chargeable=True))
    descriptions = {row.description for s in document.sections for row in s.rows}
    assert "Onboarding call" not in descriptions and "Extra design review" not in descriptions
    assert set(EXTERNAL) <= descriptions
    assert document.total_amount == Decimal("16906.25")


def test_tax_per_rate_adds_up_to_the_total_tax_with_discount_freight_and_a_zero_rated_row(app):
    invoice = document_invoice(confirm=False)
    expense = db.session.scalars(db.select(InvoiceLineDetail).where(
        InvoiceLineDetail.invoice_id == invoice.id,
        InvoiceLineDetail.transaction_class == "expense")).one()
    expense.tax, expense.extended_amount = Decimal("0.00"), expense.amount  # zero-rated
    invoice.discount_percent, invoice.freight_amount = Decimal("10"), Decimal("99.99")
    recalculate(invoice)
    db.session.commit()
    document = build_document(invoice)
    by_rate = {row.rate: (row.base, row.tax) for row in document.taxes}
    # 25 %: 7,125 + 5,000 + 200 − discount 10 % of 13,525 + freight 99.99;
    # tax 1,781.25 + 1,250 + 50 − round(338.125) + round(24.9975)
    assert by_rate == {Decimal(25): (Decimal("11072.49"), Decimal("2768.12")),
                       Decimal(0): (Decimal("1200.00"), Decimal("0.00"))}
    assert sum(tax for _, tax in by_rate.values()) == invoice.total_tax


def test_stale_totals_are_refused_rather_than_printed(app):
    invoice = document_invoice(confirm=False)
    invoice.total_tax += Decimal("0.01")
    db.session.commit()
    with pytest.raises(DocumentTotalsDiffer, match="recalculate"):
        build_document(invoice)


@pytest.mark.parametrize("language, currency, rate, total, invoice_date", [
    ("da", "DKK", Decimal("25"), "16.906,25 kr.", "1. apr. 2026"),
    ("ms", "MYR", Decimal("8"), "RM14,607.00", "1 Apr 2026"),
    ("en", "DKK", Decimal("25"), "DKK16,906.25", "Apr 1, 2026"),
])
def test_document_is_formatted_for_the_customers_language(app, language, currency, rate, total,
                                                          invoice_date):
    html = flat(render_html(build_document(document_invoice(language, currency, rate)), for_pdf=True))
    assert f'lang="{language}"' in html
    assert flat(total) in html and invoice_date in html


def test_draft_is_proforma_and_confirmed_is_not(app):
    draft = build_document(document_invoice(confirm=False))
    assert draft.proforma and draft.number is None
    assert 'data-testid="document-watermark"' in render_html(draft, for_pdf=True)
    confirmed = build_document(document_invoice())
    assert 'data-testid="document-watermark"' not in render_html(confirmed, for_pdf=True)
    assert confirmed.file_name == "invoice-2026-0001.pdf"
    assert draft.file_name == f"proforma-{draft.code}.pdf"


def test_paid_invoice_shows_its_payment(app):
    invoice = mark_paid(document_invoice().code, dt.date(2026, 4, 20), "BANK-REF-9")
    html = render_html(build_document(invoice), for_pdf=True)
    assert 'data-testid="document-paid"' in html
    assert "Apr 20, 2026" in html and "BANK-REF-9" in html


def test_time_annex_lists_each_time_detail_when_the_customer_wants_it(app):
    assert build_document(document_invoice()).annex == ()
    document = build_document(document_invoice(time_annex=True))
    assert [(r.date, r.resource, r.role, r.quantity, r.description) for r in document.annex] == [
        (dt.date(2026, 3, 2), "Ana Hansen", "Developer", Decimal("7.5"), "Development of the order API"),
        (dt.date(2026, 3, 3), "Ana Hansen", "Developer", Decimal("1"), "Onboarding call"),
        (dt.date(2026, 3, 4), "Ana Hansen", "Developer", Decimal("2"), "Extra design review")]
    hidden = build_document(document_invoice(time_annex=True, hide_non_chargeable=True))
    assert [r.description for r in hidden.annex] == ["Development of the order API"]


def test_four_decimal_prices_are_printed_in_full(app):
    invoice = document_invoice(confirm=False)
    line = next(line for line in invoice.lines if line.billing_method == "time_and_material")
    db.session.add(InvoiceLineDetail(
        invoice_id=invoice.id, invoice_line=line, transaction_class="fee", quantity=Decimal("1"),
        price=Decimal("12.3456"), amount=Decimal("12.35"), tax=Decimal("3.09"),
        extended_amount=Decimal("15.44"), external_description="Fine-priced fee"))
    db.session.flush()
    recalculate(invoice)
    db.session.commit()
    html = flat(render_html(build_document(invoice), for_pdf=True))
    assert "DKK12.3456" in html and "DKK950.00" in html and "DKK950.0000" not in html


def test_pdf_holds_the_number_the_external_descriptions_and_the_total(app):
    document = build_document(document_invoice("da"))
    pdf = render_pdf(document)
    assert pdf.startswith(b"%PDF-")
    text = " ".join(pdf_text(pdf))
    assert "2026-0001" in text
    assert all(description in text for description in EXTERNAL)
    assert flat("16.906,25\xa0kr.") in text
    assert "PROFORMA" not in text


def test_pdf_of_a_draft_is_watermarked_proforma(app):
    text = " ".join(pdf_text(render_pdf(build_document(document_invoice(confirm=False)))))
    assert "PROFORMA" in text


def test_building_the_document_costs_the_same_queries_for_any_number_of_rows(app):
    from flask_sqlalchemy.record_queries import get_recorded_queries

    def queries(invoice_id: int) -> int:
        db.session.commit()
        db.session.remove()  # a cold session: the document loads what it shows itself
        before = len(get_recorded_queries())
        build_document(db.session.get(Invoice, invoice_id))
        return len(get_recorded_queries()) - before

    small = document_invoice(time_annex=True)
    large = document_invoice(time_annex=True)
    line = next(line for line in large.lines if line.billing_method == "time_and_material")
    for n in range(30):
        db.session.add(InvoiceLineDetail(
            invoice_id=large.id, invoice_line=line, transaction_class="fee",
            billing_type="non_chargeable", quantity=Decimal(1), price=Decimal(n),
            amount=Decimal(n), tax=Decimal(0), extended_amount=Decimal(n),
            external_description=f"Extra {n}"))
    small_id, large_id = small.id, large.id
    assert queries(small_id) == queries(large_id)
