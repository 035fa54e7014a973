"""The invoice JSON of a credit note (SPEC 9, issue 14): its type, the invoice it corrects,
what each row billed and should have billed; the amounts are the differences. And the
invoice list (text and JSON) shows the type."""

import datetime as dt
import json
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, InvoiceLineDetail
from app.services.corrections import correct_invoice, correct_product_line, update_correction
from app.services.exporting import invoice_json
from app.services.lifecycle import confirm_invoice
from tests.worlds import document_invoice

TIME_ROW = "Development of the order API"  # 7.5 h × 950 = 7,125, tax 1,781.25

# Every key an invoice's detail has carried since SPEC 9: a credit note adds to them, an
# invoice does not.
INVOICE_DETAIL_KEYS = {"id", "source", "source_key", "transaction_class", "billing_type",
                       "start_date", "quantity", "price", "amount", "tax", "extended_amount",
                       "description", "external_description"}
CORRECTION_DETAIL_KEYS = {"billed_quantity", "billed_price", "billed_amount", "billed_tax",
                          "corrected_billing_type", "corrected_quantity", "corrected_price",
                          "corrected_amount", "corrected_tax"}
TOTALS = ("detail_amount", "pre_freight_amount", "total_tax", "total_amount")


def _fresh(invoice: Invoice) -> Invoice:
    db.session.expire_all()
    return db.session.get(Invoice, invoice.id)


def _details(data: dict) -> dict:
    return {d["external_description"]: d for line in data["lines"] for d in line["details"]}


def _product(data: dict) -> dict:
    return next(line for line in data["lines"] if line["billing_method"] == "product")


def test_a_full_credit_is_the_original_negated_with_what_was_billed(app):
    original = document_invoice()
    before = invoice_json(original)
    note = confirm_invoice(correct_invoice(original.code, today=dt.date(2026, 4, 20)).code)
    data = invoice_json(_fresh(note))
    assert (data["invoice_type"], data["number"]) == ("credit_note", "2026-0002")
    assert data["corrects"] == {"id": original.code, "number": "2026-0001"}
    for total in TOTALS:
        assert data[total] == f"-{before[total]}", total
    assert [line["amount"] for line in data["lines"]] == [
        f"-{line['amount']}" for line in before["lines"]]
    time = _details(data)[TIME_ROW]
    assert set(time) == INVOICE_DETAIL_KEYS | CORRECTION_DETAIL_KEYS
    assert {key: time[key] for key in sorted(CORRECTION_DETAIL_KEYS)} == {
        "billed_amount": "7125.00", "billed_price": "950.00", "billed_quantity": "7.5",
        "billed_tax": "1781.25", "corrected_amount": "0.00", "corrected_billing_type": "chargeable",
        "corrected_price": "950.00", "corrected_quantity": "0", "corrected_tax": "0.00"}
    assert (time["quantity"], time["amount"], time["tax"], time["extended_amount"]) == (
        "-7.5", "-7125.00", "-1781.25", "-8906.25")
    product = _product(data)
    assert (product["billed_quantity"], product["billed_amount"], product["billed_tax"],
            product["corrected_quantity"], product["corrected_amount"],
            product["corrected_tax"]) == ("2", "200.00", "50.00", "0", "0.00", "0.00")
    assert (product["quantity"], product["amount"]) == ("-2", "-200.00")


def test_a_partial_correction_carries_the_corrected_values_and_the_difference(app):
    original = document_invoice()
    note = correct_invoice(original.code, today=dt.date(2026, 4, 20))
    detail = db.session.scalars(select(InvoiceLineDetail).where(
        InvoiceLineDetail.invoice_id == note.id,
        InvoiceLineDetail.external_description == TIME_ROW)).one()
    update_correction(note.code, detail.id, detail.version,
                      {"corrected_quantity": Decimal("5"), "corrected_price": Decimal("900")})
    line = next(line for line in _fresh(note).lines if line.billing_method == "product")
    correct_product_line(note.code, line.id, line.version, Decimal("1"))
    data = invoice_json(_fresh(note))
    assert data["number"] is None and data["corrects"]["number"] == "2026-0001"
    time = _details(data)[TIME_ROW]
    # Should have been 5 h × 900 = 4,500 (tax 1,125): the difference is −2,625 (−656.25).
    assert (time["corrected_quantity"], time["corrected_price"], time["corrected_amount"],
            time["corrected_tax"]) == ("5", "900.00", "4500.00", "1125.00")
    assert (time["quantity"], time["price"], time["amount"], time["tax"]) == (
        "-2.5", "900.00", "-2625.00", "-656.25")
    product = _product(data)
    assert (product["corrected_quantity"], product["corrected_amount"], product["amount"]) == (
        "1", "100.00", "-100.00")


def test_an_invoice_keeps_its_json_but_for_the_type_and_corrects(app):
    data = invoice_json(document_invoice())
    assert (data["invoice_type"], data["corrects"]) == ("invoice", None)
    for line in data["lines"]:
        assert not any(key.startswith(("billed_", "corrected_")) for key in line)
        for detail in line["details"]:
            assert set(detail) == INVOICE_DETAIL_KEYS


def test_the_invoice_list_shows_the_type_in_text_and_json(app, runner):
    original = document_invoice()
    note = confirm_invoice(correct_invoice(original.code, today=dt.date(2026, 4, 20)).code)
    codes = (note.code, original.code)
    result = runner.invoke(args=["invoices", "list"])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.output.splitlines()]
    assert [row[:3] for row in rows] == [[codes[0], "2026-0002", "credit_note"],
                                        [codes[1], "2026-0001", "invoice"]]
    assert rows[0][7] == "-16906.25 DKK" and rows[1][7] == "16906.25 DKK"
    listed = json.loads(runner.invoke(args=["invoices", "list", "--format", "json"]).output)
    assert [(i["id"], i["invoice_type"], i["corrects"]) for i in listed] == [
        (codes[0], "credit_note", {"id": codes[1], "number": "2026-0001"}),
        (codes[1], "invoice", None)]
    exported = json.loads(runner.invoke(args=["invoices", "export", note.code]).output)
    assert exported["invoice_type"] == "credit_note" and exported["total_amount"] == "-16906.25"
