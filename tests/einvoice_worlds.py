"""Shared data of the e-invoice tests: a seller configured for e-invoices, an invoice that
has every kind of row an e-invoice must carry, and what the official rules say of it."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from app.documents.einvoice.validation import validate
from app.extensions import db
from app.models import Invoice, InvoiceLineDetail
from app.services.invoicing import InvoiceParameters, create_invoice, recalculate
from app.services.lifecycle import confirm_invoice
from tests.factories import (make_actual, make_contract, make_customer, make_fixed_price_line,
                             make_price_list, make_product_line, make_project, make_resource,
                             make_role, make_tm_line)

RULES_DIR = "/work/shared/einvoice"
SELLER = {
    "COMPANY_NAME": "Projektfirma ApS", "COMPANY_VAT_ID": "DK12345678",
    "COMPANY_EMAIL": "faktura@projektfirma.example", "COMPANY_PHONE": "+45 12 34 56 78",
    "COMPANY_STREET": "Nørregade 1", "COMPANY_POSTAL_CODE": "1165", "COMPANY_CITY": "København K",
    "COMPANY_COUNTRY": "DK", "COMPANY_REGISTRATION_ID": "12345678",
    "COMPANY_ENDPOINT_ID": "12345678", "COMPANY_ENDPOINT_SCHEME": "0184",
    "COMPANY_IBAN": "DK5000400440116243", "COMPANY_BIC": "DABADKKK",
    "EINVOICE_RULES_DIR": RULES_DIR,
}
TODAY = dt.date(2026, 4, 1)


def configure_seller(app) -> None:
    """The seller settings an e-invoice needs (CVR 12345678, endpoint 0184:12345678)."""
    app.config.update(SELLER)


def einvoice_invoice(currency: str = "DKK", *, endpoint: bool = True,
                     treatment: str = "standard", typed_amount: bool = False,
                     refund: bool = False, confirm: bool = True) -> Invoice:
    """A confirmed T&M invoice for Kunde A/S (endpoint 0184:87654321): time chargeable,
    non-chargeable and complimentary, an expense, a milestone, a product line, a 10 %
    discount and freight, at 25 % — plus a second T&M line at 0 % (travel). An exempt or
    out-of-scope customer's contract is at 0 % throughout. typed_amount: the travel
    detail's amount is typed over its quantity × price (3 × 100 → 250). refund: a refunded
    expense (−1 × 200) on the 25 % line."""
    jpy = currency == "JPY"
    rate = Decimal(25) if treatment == "standard" else Decimal(0)
    customer = make_customer(
        name="Kunde A/S", email="ap@kunde.example", street="Vestergade 1", postal_code="8000",
        city="Aarhus", country="DK", einvoice_profile="peppol",
        endpoint_id="87654321" if endpoint else None, endpoint_scheme="0184" if endpoint else None,
        registration_id="87654321", tax_registration_id="DK87654321", vat_treatment=treatment,
        vat_exemption_reason="Exempt under ML § 13" if treatment == "exempt" else None)
    contract = make_contract(customer=customer, currency=currency, tax_rate=rate,
                             price_list=make_price_list(currency), name="Website 2026",
                             opportunity="OPP-0042")
    project = make_project(customer=customer, name="Website")
    tm = make_tm_line(contract, project, name="Build")
    travel = make_tm_line(contract, make_project(customer=customer, name="Travel"),
                          name="Travel", classes=("expense",),
                          tax_rate=Decimal(0))
    fixed = make_fixed_price_line(contract, project, name="Design",
                                  milestones=[(dt.date(2026, 3, 1), Decimal("5000"))])
    fixed.milestones[0].external_description = "Design sign-off"
    make_product_line(contract, quantity=Decimal("2"), price=Decimal("100"))
    developer, ana = make_role(), make_resource(name="Ana Hansen")
    price = Decimal("950") if jpy else Decimal("950.00")
    make_actual(tm, date=dt.date(2026, 3, 2), role=developer, resource=ana, price=price,
                external_comment="Development of the order API")
    make_actual(tm, date=dt.date(2026, 3, 3), quantity=Decimal("1"), role=developer, resource=ana,
                price=price, billing_type="non_chargeable", external_comment="Onboarding call")
    make_actual(tm, date=dt.date(2026, 3, 4), quantity=Decimal("2"), role=developer, resource=ana,
                price=price, billing_type="complimentary", external_comment="Extra design review")
    make_actual(tm, transaction_class="expense", date=dt.date(2026, 3, 5), quantity=Decimal("1"),
                price=Decimal("1200"), description="Hotel, one night")
    make_actual(travel, transaction_class="expense", date=dt.date(2026, 3, 6),
                quantity=Decimal("3"), price=Decimal("100"), description="Train tickets")
    if refund:
        make_actual(tm, transaction_class="expense", date=dt.date(2026, 3, 7),
                    quantity=Decimal("-1"), price=Decimal("200"), description="Deposit refunded")
    db.session.commit()
    invoice = create_invoice(contract.number, InvoiceParameters(cutoff=dt.date(2026, 3, 31)),
                             today=TODAY)
    if typed_amount:
        detail = db.session.scalars(select(InvoiceLineDetail).where(
            InvoiceLineDetail.invoice_id == invoice.id,
            InvoiceLineDetail.invoice_line_id.in_([line.id for line in invoice.lines
                                                   if line.contract_line_id == travel.id]))).one()
        detail.amount = detail.extended_amount = Decimal("250")
    invoice.discount_percent = Decimal("10")
    invoice.freight_amount = Decimal("100") if jpy else Decimal("99.99")
    recalculate(invoice)
    db.session.commit()
    return confirm_invoice(invoice.code) if confirm else invoice


def rounding_edge_invoice(rows: int, amount: Decimal = Decimal("0.02")) -> Invoice:
    """A confirmed DKK invoice of `rows` time details of `amount` each at 25 % (each
    detail's tax rounded half-up on its own)."""
    customer = make_customer(name="Kunde Ørehængeren ApS", endpoint_id="87654321",
                             endpoint_scheme="0184", tax_registration_id="DK87654321")
    contract = make_contract(customer=customer, price_list=make_price_list("DKK"))
    project = make_project(customer=customer)
    line = make_tm_line(contract, project, classes=("time",))
    role, resource = make_role(), make_resource()
    for i in range(rows):
        make_actual(line, quantity=Decimal(1), price=amount, role=role, resource=resource,
                    external_comment=f"Check {i + 1}")
    db.session.commit()
    invoice = create_invoice(contract.number, InvoiceParameters(cutoff=dt.date(2026, 3, 31)),
                             today=TODAY)
    return confirm_invoice(invoice.code)


# ---------------------------------------------------------------- the official rules

def fatal_rules(xml: bytes, profile: str) -> list[str]:
    """The rules (and "XSD") a document breaks fatally: what makes receivers refuse it."""
    return [f"{f.rule}: {f.text}" for f in validate(xml, profile, RULES_DIR).fatal]
