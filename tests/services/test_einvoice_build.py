"""The UBL e-invoice of a confirmed invoice and of its credit note: Peppol BIS 3.0 and OIOUBL
2.1 documents that the official XSD and rules accept, with exactly our totals."""

import datetime as dt
from decimal import Decimal

import pytest
from lxml import etree

from app.documents.einvoice.ubl import build
from app.extensions import db
from app.services.corrections import correct_invoice
from app.services.lifecycle import confirm_invoice
from tests.einvoice_worlds import (configure_seller, einvoice_invoice, fatal_rules,
                                   rounding_edge_invoice)
from tests.worlds import long_invoice

NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
      "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}


@pytest.fixture(autouse=True)
def seller(app):
    configure_seller(app)


def credit_note_of(invoice):
    """A full credit of the invoice, confirmed."""
    return confirm_invoice(correct_invoice(invoice.code, today=dt.date(2026, 4, 10)).code)


def amount(root, path: str) -> Decimal:
    return Decimal(root.findtext(path, namespaces=NS))


def amounts(root, path: str) -> list[Decimal]:
    return [Decimal(e.text) for e in root.findall(path, NS)]


@pytest.mark.parametrize("currency", ["DKK", "JPY"])
def test_invoice_and_its_credit_note_pass_xsd_cen_and_peppol(app, currency):
    invoice = einvoice_invoice(currency)
    built = build(invoice, "peppol", app.config)
    assert built.problems == () and fatal_rules(built.xml, "peppol") == []
    built = build(credit_note_of(invoice), "peppol", app.config)
    assert built.problems == () and fatal_rules(built.xml, "peppol") == []
    root = etree.fromstring(built.xml)
    assert etree.QName(root).localname == "CreditNote"
    assert root.findtext("cbc:CreditNoteTypeCode", namespaces=NS) == "381"
    assert root.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID",
                         namespaces=NS) == invoice.number


@pytest.mark.parametrize("currency", ["DKK", "JPY"])
def test_the_same_invoice_passes_oioubl(app, currency):
    invoice = einvoice_invoice(currency)
    built = build(invoice, "oioubl", app.config)
    assert built.problems == () and fatal_rules(built.xml, "oioubl") == []
    again = build(invoice, "oioubl", app.config)
    root = etree.fromstring(built.xml)
    assert root.findtext("cbc:UUID", namespaces=NS) == etree.fromstring(again.xml).findtext(
        "cbc:UUID", namespaces=NS)  # the same UUID each time
    assert root.findtext("cbc:CustomizationID", namespaces=NS) == "OIOUBL-2.1"
    assert len(root.findall("cac:InvoiceLine/cac:TaxTotal", NS)) == 5  # tax on every line
    credit = build(credit_note_of(invoice), "oioubl", app.config)
    assert fatal_rules(credit.xml, "oioubl") == []


@pytest.mark.parametrize("currency", ["DKK", "JPY"])
def test_the_numbers_are_exactly_our_totals(app, currency):
    invoice = einvoice_invoice(currency)
    for document, sign in ((invoice, 1), (credit_note_of(invoice), -1)):
        root = etree.fromstring(build(document, "peppol", app.config).xml)
        kind = "CreditNote" if sign < 0 else "Invoice"
        total = "cac:LegalMonetaryTotal/cbc:"
        assert amount(root, total + "PayableAmount") == sign * document.total_amount
        assert amount(root, total + "TaxInclusiveAmount") == sign * document.total_amount
        assert amount(root, "cac:TaxTotal/cbc:TaxAmount") == sign * document.total_tax
        assert amount(root, total + "LineExtensionAmount") == sign * document.detail_amount
        assert amount(root, total + "AllowanceTotalAmount") == sign * document.discount_amount
        assert amount(root, total + "ChargeTotalAmount") == sign * document.freight_amount
        assert amount(root, total + "TaxExclusiveAmount") == sign * (
            document.pre_freight_amount + document.freight_amount)
        assert sum(amounts(root, f"cac:{kind}Line/cbc:LineExtensionAmount")) == (
            sign * document.detail_amount)
        assert sum(amounts(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount")) == (
            sign * document.total_tax)
        # Chargeable time, expense, travel, milestone and product: not the non-chargeable
        # and complimentary rows.
        names = [e.text for e in root.findall(f"cac:{kind}Line/cac:Item/cbc:Name", NS)]
        assert names[:2] == ["Development of the order API", "Hotel, one night"]
        assert "Onboarding call" not in names and "Extra design review" not in names
        assert len(names) == 5
        payable = root.findtext(total + "PayableAmount", namespaces=NS)
        assert ("." in payable) == (currency != "JPY")  # JPY has no decimals: "16900"
    rates = {(e.findtext("cac:TaxCategory/cbc:ID", namespaces=NS),
              e.findtext("cac:TaxCategory/cbc:Percent", namespaces=NS))
             for e in etree.fromstring(build(invoice, "peppol", app.config).xml).findall(
                 "cac:TaxTotal/cac:TaxSubtotal", NS)}
    assert rates == {("S", "25"), ("Z", "0")}


def test_a_customer_without_an_electronic_address_is_refused_by_the_rules(app):
    built = build(einvoice_invoice(endpoint=False), "peppol", app.config)
    assert any(rule.startswith("PEPPOL-EN16931-R010:") for rule in
               fatal_rules(built.xml, "peppol"))


def test_a_seller_without_an_electronic_address_is_refused_by_the_rules(app):
    app.config["COMPANY_ENDPOINT_ID"] = app.config["COMPANY_ENDPOINT_SCHEME"] = ""
    built = build(einvoice_invoice(), "peppol", app.config)
    assert any(rule.startswith("PEPPOL-EN16931-R020:") for rule in
               fatal_rules(built.xml, "peppol"))


def test_an_exempt_customer_gets_category_e_with_the_reason(app):
    built = build(einvoice_invoice(treatment="exempt"), "peppol", app.config)
    assert built.problems == () and fatal_rules(built.xml, "peppol") == []
    root = etree.fromstring(built.xml)
    category = root.find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", NS)
    assert category.findtext("cbc:ID", namespaces=NS) == "E"
    assert category.findtext("cbc:TaxExemptionReason", namespaces=NS) == "Exempt under ML § 13"
    assert {e.text for e in root.iter(f"{{{NS['cbc']}}}ID")
            if e.getparent().tag.endswith("ClassifiedTaxCategory")} == {"E"}


def test_an_out_of_scope_customer_gets_category_o_without_vat_ids(app):
    built = build(einvoice_invoice(treatment="out_of_scope"), "peppol", app.config)
    assert built.problems == () and fatal_rules(built.xml, "peppol") == []
    root = etree.fromstring(built.xml)
    assert root.findtext("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID",
                         namespaces=NS) == "O"
    assert root.find(".//cac:PartyTaxScheme", NS) is None  # BR-O-02
    assert root.find(".//cac:ClassifiedTaxCategory/cbc:Percent", NS) is None  # BR-O-05


def test_an_amount_typed_over_quantity_times_price_keeps_r120(app):
    built = build(einvoice_invoice(typed_amount=True), "peppol", app.config)
    assert fatal_rules(built.xml, "peppol") == []
    root = etree.fromstring(built.xml)
    travel = next(line for line in root.findall("cac:InvoiceLine", NS)
                  if line.findtext("cac:Item/cbc:Name", namespaces=NS) == "Train tickets")
    assert travel.findtext("cbc:InvoicedQuantity", namespaces=NS) == "3"
    assert travel.findtext("cbc:LineExtensionAmount", namespaces=NS) == "250.00"
    assert travel.findtext("cac:Price/cbc:PriceAmount", namespaces=NS) == "250.00"
    assert travel.findtext("cac:Price/cbc:BaseQuantity", namespaces=NS) == "3"


def test_a_refunded_expense_is_a_negative_line(app):
    built = build(einvoice_invoice(refund=True), "peppol", app.config)
    assert fatal_rules(built.xml, "peppol") == []
    root = etree.fromstring(built.xml)
    refund = next(line for line in root.findall("cac:InvoiceLine", NS)
                  if line.findtext("cac:Item/cbc:Name", namespaces=NS) == "Deposit refunded")
    assert (refund.findtext("cbc:InvoicedQuantity", namespaces=NS),
            refund.findtext("cbc:LineExtensionAmount", namespaces=NS),
            refund.findtext("cac:Price/cbc:PriceAmount", namespaces=NS)) == ("-1", "-200.00", "200.00")


def test_a_draft_has_no_e_invoice(app):
    built = build(einvoice_invoice(confirm=False), "peppol", app.config)
    assert any("not confirmed" in problem for problem in built.problems)


def test_three_details_rounded_one_by_one_still_pass(app):
    invoice = rounding_edge_invoice(3)  # tax 0.01 each: 0.03 against round(0.015) = 0.02
    assert invoice.total_tax == Decimal("0.03")
    built = build(invoice, "peppol", app.config)
    assert built.problems == () and fatal_rules(built.xml, "peppol") == []


def test_rounding_that_drifts_by_one_is_refused_with_the_reason(app):
    invoice = rounding_edge_invoice(200)  # 200 × 0.01 = 2.00 against round(1.00) = 1.00
    assert invoice.total_tax == Decimal("2.00")
    built = build(invoice, "peppol", app.config)
    assert len(built.problems) == 1 and "1.00" in built.problems[0]
    assert "Split" in built.problems[0]
    assert any(rule.startswith(("BR-S-09:", "BR-CO-17:")) for rule in
               fatal_rules(built.xml, "peppol"))  # the rules refuse it as well


def test_a_credit_note_of_an_invoice_without_a_number_is_refused(app):
    credit_note = credit_note_of(einvoice_invoice())
    with db.session.no_autoflush:
        credit_note.corrects.number = None
        built = build(credit_note, "peppol", app.config)
    db.session.rollback()
    assert len(built.problems) == 1 and "has no number" in built.problems[0]


def test_a_thousand_line_invoice_is_built_and_passes(app):
    invoice = long_invoice(rows=1000)
    invoice.customer.endpoint_id, invoice.customer.endpoint_scheme = "87654321", "0184"
    db.session.commit()
    for profile in ("peppol", "oioubl"):
        built = build(invoice, profile, app.config)
        # 1,000 taxes of 300.00 each: exact, no rounding drift.
        assert built.problems == () and fatal_rules(built.xml, profile) == []
        assert len(etree.fromstring(built.xml).findall("cac:InvoiceLine", NS)) == 1000


@pytest.mark.parametrize("profile", ["peppol", "oioubl"])
def test_a_partly_paid_invoice_says_what_was_prepaid_and_what_is_left(app, profile):
    from app.services.lifecycle import record_payment

    invoice = einvoice_invoice()
    record_payment(invoice.code, Decimal("1000.00"), dt.date(2026, 4, 5),
                   today=dt.date(2026, 4, 5))
    xml = build(invoice, profile, app.config).xml
    assert fatal_rules(xml, profile) == []
    root = etree.fromstring(xml)
    total = "cac:LegalMonetaryTotal/cbc:"
    assert amount(root, total + "PrepaidAmount") == Decimal("1000.00")
    assert amount(root, total + "PayableAmount") == invoice.total_amount - Decimal("1000.00")
    assert amount(root, total + "TaxInclusiveAmount") == invoice.total_amount
