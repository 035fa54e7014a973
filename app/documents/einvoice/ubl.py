"""The UBL 2.1 XML of a confirmed invoice or credit note: Peppol BIS Billing 3.0 and OIOUBL
2.1 (Denmark) from the same rows, with lxml (never hand-written XML).

What the customer's system receives: the legal number, dates, both parties with their
electronic addresses, the payment account, the discount and freight, the tax per VAT
category and one line per chargeable detail and product line (non-chargeable and
complimentary rows are on the PDF only). The numbers are exactly the invoice's own
(SPEC 6), quantized to the currency's minor units; a credit note writes them positive
(SPEC 9). Payments received are left out: the e-invoice is the document as issued.

A profile is a small class (`Peppol`, `OIOUBL`): the identifiers and code lists it uses
and whether lines carry their own tax; another UBL profile (MyInvois) is one more class.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import force_locale
from flask_babel import gettext as _
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.billing.einvoice import (CATEGORY_EXEMPT, CATEGORY_OUT_OF_SCOPE, category_tax_difference,
                                  row_rate, tax_reconciles, unit_code, vat_category)
from app.billing.totals import counts_in_totals
from app.billing.money import EXACT, as_money, minor_units, plain
from app.documents.document import customer_text, document_locale, tax_rates
from app.extensions import db
from app.models import Invoice, InvoiceLineDetail
from app.services import payments

__all__ = ["Built", "PROFILES", "build"]

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
ROOT = "urn:oasis:names:specification:ubl:schema:xsd:{}-2"
_NS = {"cbc": CBC, "cac": CAC}
NAME_LENGTH = 100  # an item name; a longer text goes whole into Item/Description


@dataclass(frozen=True)
class Built:
    """The XML of an e-invoice and the reasons, known before any rules run, why it must
    not be sent (translated; empty when none)."""

    xml: bytes
    problems: tuple[str, ...]


@dataclass(frozen=True)
class _Row:
    """One UBL invoice line, written positive on a credit note."""

    name: str
    quantity: Decimal
    unit: str
    price: Decimal
    base_quantity: Decimal | None
    amount: Decimal
    tax: Decimal
    category: str
    percent: Decimal | None


def _el(parent, tag: str, text: str | None = None, **attributes):
    """A cbc:/cac: child element with its text and attributes."""
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{_NS[prefix]}}}{name}",
                               {k: v for k, v in attributes.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _number(value: Decimal) -> str:
    """A quantity, price or percent without trailing zeros (7.5, 950, 25)."""
    return plain(value.normalize(EXACT)) if value else "0"


class Peppol:
    """Peppol BIS Billing 3.0 (EN 16931 compliant)."""

    name = "peppol"
    customization = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    profile = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    line_tax_total = False  # OIOUBL: a TaxTotal on every line
    amount_places = 0  # OIOUBL: at least 2 decimals on every amount (JPY too)
    tax_exclusive_is_tax = False  # OIOUBL: TaxExclusiveAmount is the tax (not the net)

    def header(self, root, invoice: Invoice) -> None:
        _el(root, "cbc:CustomizationID", self.customization)
        _el(root, "cbc:ProfileID", self.profile)
        _el(root, "cbc:ID", invoice.number or invoice.code)

    def type_code(self, root, tag: str, code: str) -> None:
        _el(root, tag, code)

    def endpoint(self, party, endpoint_id: str | None, scheme: str | None) -> None:
        if endpoint_id and scheme:
            _el(party, "cbc:EndpointID", endpoint_id, schemeID=scheme)

    def address(self, party, street: str, city: str, postal_code: str, country: str) -> None:
        address = _el(party, "cac:PostalAddress")
        for tag, value in (("cbc:StreetName", street), ("cbc:CityName", city),
                           ("cbc:PostalZone", postal_code)):
            if value:
                _el(address, tag, value)
        _el(_el(address, "cac:Country"), "cbc:IdentificationCode", country or None)

    def tax_scheme(self, parent) -> None:
        _el(_el(parent, "cac:TaxScheme"), "cbc:ID", "VAT")

    def party_tax(self, party, vat_id: str | None, endpoint_scheme: str | None) -> None:
        if vat_id:
            scheme = _el(party, "cac:PartyTaxScheme")
            _el(scheme, "cbc:CompanyID", vat_id)
            self.tax_scheme(scheme)

    def legal_entity(self, party, name: str, company_id: str | None, country: str) -> None:
        entity = _el(party, "cac:PartyLegalEntity")
        _el(entity, "cbc:RegistrationName", name)
        if company_id:  # a Danish registration is a CVR number (DK-R-014, DK-R-017)
            _el(entity, "cbc:CompanyID", company_id, schemeID="0184" if country == "DK" else None)

    def customer_contact(self, party, email: str, reference: str) -> None:
        if email:
            _el(_el(party, "cac:Contact"), "cbc:ElectronicMail", email)

    def payment_terms(self, root, invoice: Invoice, note: str, amount: str) -> None:
        _el(_el(root, "cac:PaymentTerms"), "cbc:Note", note)

    def prepaid_payment(self, root, invoice: Invoice, paid: str) -> None:
        """Peppol says what was prepaid in LegalMonetaryTotal only."""

    def tax_category(self, parent, tag: str, category: str, percent: Decimal | None,
                     reason: str | None = None) -> None:
        element = _el(parent, tag)
        _el(element, "cbc:ID", category)
        if percent is not None:
            _el(element, "cbc:Percent", _number(percent))
        if reason:
            _el(element, "cbc:TaxExemptionReason", reason)
        self.tax_scheme(element)

    def payment_means(self, root, invoice: Invoice, config: Mapping, credit: bool) -> None:
        iban = config.get("COMPANY_IBAN")
        means = _el(root, "cac:PaymentMeans")
        _el(means, "cbc:PaymentMeansCode", "58" if iban else "30")
        if credit:
            _el(means, "cbc:PaymentDueDate", invoice.due_date.isoformat())
        _el(means, "cbc:PaymentID", invoice.number or invoice.code)
        if iban:
            account = _el(means, "cac:PayeeFinancialAccount")
            _el(account, "cbc:ID", iban)
            if config.get("COMPANY_BIC"):
                _el(_el(account, "cac:FinancialInstitutionBranch"), "cbc:ID", config["COMPANY_BIC"])


# The OIOUBL names of the EAS codes we know (Peppol 0184 = a Danish CVR …).
_OIOUBL_SCHEMES = {"0184": "DK:CVR", "0088": "GLN", "0198": "DK:SE", "0096": "DK:P",
                   "0060": "DUNS"}
_OIOUBL_CATEGORIES = {"S": "StandardRated", "Z": "ZeroRated", "E": "ZeroRated", "O": "ZeroRated"}
_OIOUBL_AGENCY = "320"


class OIOUBL(Peppol):
    """OIOUBL 2.1 (the Danish NemHandel format, until 2029)."""

    name = "oioubl"
    customization = "OIOUBL-2.1"
    profile = "Procurement-BilSim-1.0"
    line_tax_total = True
    amount_places = 2
    tax_exclusive_is_tax = True

    def header(self, root, invoice: Invoice) -> None:
        _el(root, "cbc:UBLVersionID", "2.1")
        _el(root, "cbc:CustomizationID", self.customization)
        _el(root, "cbc:ProfileID", self.profile, schemeAgencyID=_OIOUBL_AGENCY,
            schemeID="urn:oioubl:id:profileid-1.6")
        _el(root, "cbc:ID", invoice.number or invoice.code)
        # The same UUID each time the invoice is exported.
        _el(root, "cbc:UUID", str(uuid.uuid5(uuid.NAMESPACE_URL, f"invoice:{invoice.code}")))

    def type_code(self, root, tag: str, code: str) -> None:
        listid = ("urn:oioubl:codelist:invoicetypecode-1.1" if tag == "cbc:InvoiceTypeCode"
                  else None)
        _el(root, tag, code, listAgencyID=_OIOUBL_AGENCY if listid else None, listID=listid)

    @staticmethod
    def _scheme(scheme: str | None) -> str:
        return _OIOUBL_SCHEMES.get(scheme or "", "ZZZ")

    @staticmethod
    def _cvr(value: str, scheme: str) -> str:
        """A CVR number as OIOUBL writes it: DK12345678."""
        return value if scheme not in ("DK:CVR", "DK:SE") or value.startswith("DK") else f"DK{value}"

    def endpoint(self, party, endpoint_id: str | None, scheme: str | None) -> None:
        if endpoint_id and scheme:
            oioubl = self._scheme(scheme)
            _el(party, "cbc:EndpointID", self._cvr(endpoint_id, oioubl), schemeID=oioubl)

    def address(self, party, street: str, city: str, postal_code: str, country: str) -> None:
        address = _el(party, "cac:PostalAddress")
        _el(address, "cbc:AddressFormatCode", "StructuredLax", listAgencyID=_OIOUBL_AGENCY,
            listID="urn:oioubl:codelist:addressformatcode-1.1")
        for tag, value in (("cbc:StreetName", street), ("cbc:CityName", city),
                           ("cbc:PostalZone", postal_code)):
            if value:
                _el(address, tag, value)
        _el(_el(address, "cac:Country"), "cbc:IdentificationCode", country or None)

    def tax_scheme(self, parent) -> None:
        scheme = _el(parent, "cac:TaxScheme")
        _el(scheme, "cbc:ID", "63", schemeAgencyID=_OIOUBL_AGENCY,
            schemeID="urn:oioubl:id:taxschemeid-1.5")
        _el(scheme, "cbc:Name", "Moms")

    def party_tax(self, party, vat_id: str | None, endpoint_scheme: str | None) -> None:
        if vat_id:
            scheme = _el(party, "cac:PartyTaxScheme")
            _el(scheme, "cbc:CompanyID", self._cvr(vat_id, "DK:SE"), schemeID="DK:SE")
            self.tax_scheme(scheme)

    def legal_entity(self, party, name: str, company_id: str | None, country: str) -> None:
        entity = _el(party, "cac:PartyLegalEntity")
        _el(entity, "cbc:RegistrationName", name)
        if company_id:
            scheme = "DK:CVR" if country == "DK" else "ZZZ"
            _el(entity, "cbc:CompanyID", self._cvr(company_id, scheme), schemeID=scheme)

    def customer_contact(self, party, email: str, reference: str) -> None:
        # OIOUBL wants the buyer's contact reference (F-INV051): the buyer reference.
        contact = _el(party, "cac:Contact")
        _el(contact, "cbc:ID", reference)
        if email:
            _el(contact, "cbc:ElectronicMail", email)

    def payment_terms(self, root, invoice: Invoice, note: str, amount: str) -> None:
        terms = _el(root, "cac:PaymentTerms")
        _el(terms, "cbc:Note", note)
        if not invoice.is_credit_note:  # = PayableAmount (F-INV134)
            _el(terms, "cbc:Amount", amount, currencyID=invoice.currency)

    def prepaid_payment(self, root, invoice: Invoice, paid: str) -> None:
        # OIOUBL states what was prepaid as a payment too (F-INV131: they must agree).
        _el(_el(root, "cac:PrepaidPayment"), "cbc:PaidAmount", paid, currencyID=invoice.currency)

    def tax_category(self, parent, tag: str, category: str, percent: Decimal | None,
                     reason: str | None = None) -> None:
        element = _el(parent, tag)
        _el(element, "cbc:ID", _OIOUBL_CATEGORIES[category], schemeAgencyID=_OIOUBL_AGENCY,
            schemeID="urn:oioubl:id:taxcategoryid-1.1")
        _el(element, "cbc:Percent", _number(percent or Decimal(0)))
        if reason:
            _el(element, "cbc:TaxExemptionReason", reason)
        self.tax_scheme(element)

    def payment_means(self, root, invoice: Invoice, config: Mapping, credit: bool) -> None:
        iban = config.get("COMPANY_IBAN")
        means = _el(root, "cac:PaymentMeans")
        _el(means, "cbc:PaymentMeansCode", "31" if iban else "1")
        _el(means, "cbc:PaymentDueDate", invoice.due_date.isoformat())
        if iban:
            _el(means, "cbc:PaymentChannelCode", "IBAN",
                listID="urn:oioubl:codelist:paymentchannelcode-1.1")
            account = _el(means, "cac:PayeeFinancialAccount")
            _el(account, "cbc:ID", iban)
            if config.get("COMPANY_BIC"):
                branch = _el(account, "cac:FinancialInstitutionBranch")
                _el(_el(branch, "cac:FinancialInstitution"), "cbc:ID", config["COMPANY_BIC"])


PROFILES: dict[str, Peppol] = {profile.name: profile for profile in (Peppol(), OIOUBL())}


def _details_by_line(invoice: Invoice) -> dict[int, list[InvoiceLineDetail]]:
    """Every detail of the invoice with what the lines need of it, in a few queries."""
    details = db.session.scalars(
        select(InvoiceLineDetail)
        .options(selectinload(InvoiceLineDetail.role), selectinload(InvoiceLineDetail.category),
                 selectinload(InvoiceLineDetail.unit), selectinload(InvoiceLineDetail.milestone))
        .where(InvoiceLineDetail.invoice_id == invoice.id)
        .order_by(InvoiceLineDetail.invoice_line_id, InvoiceLineDetail.start_date,
                  InvoiceLineDetail.id))
    grouped: dict[int, list[InvoiceLineDetail]] = {}
    for detail in details:
        grouped.setdefault(detail.invoice_line_id, []).append(detail)
    return grouped


def _priced(quantity: Decimal | None, price: Decimal | None, amount: Decimal,
            unit: str) -> tuple[Decimal, str, Decimal, Decimal | None]:
    """Quantity, unit code, price and base quantity so that quantity × price / base
    quantity is the amount (PEPPOL-EN16931-R120; prices are never negative, BR-27).

    Without a quantity (a milestone): one unit ("C62") at the amount. An amount typed
    over quantity × price: the price of the whole quantity (base quantity = quantity)."""
    if not quantity or price is None:
        return (Decimal(1) if amount >= 0 else Decimal(-1)), "C62", abs(amount), None
    if price >= 0 and abs(EXACT.multiply(quantity, price) - amount) <= Decimal("0.01"):
        return quantity, unit, price, None
    if (amount >= 0) == (quantity > 0):
        return quantity, unit, abs(amount), abs(quantity)
    return (Decimal(1) if amount >= 0 else Decimal(-1)), "C62", abs(amount), None


def _name(text: str, fallback: str) -> str:
    """An item name on one line, cut to NAME_LENGTH characters."""
    text = " ".join((text or "").split()) or " ".join(fallback.split())
    return text if len(text) <= NAME_LENGTH else text[:NAME_LENGTH - 1].rstrip() + "…"


def _percent(category: str, rate: Decimal) -> Decimal | None:
    """The Percent a VAT category carries: the rate (S, Z), 0 (E), none (O, BR-O-05)."""
    if category == CATEGORY_OUT_OF_SCOPE:
        return None
    return Decimal(0) if category == CATEGORY_EXEMPT else rate


def _rows(invoice: Invoice, lines, details, sign: int, treatment: str) -> list[_Row]:
    """The UBL lines: one per chargeable detail and per product line, in the PDF's order;
    a credit note's rows that credit nothing are left out."""
    rows = []

    def add(text, fallback, quantity, price, amount, tax, unit_key, rate):
        amount, tax = sign * amount, sign * tax
        quantity = None if quantity is None else sign * quantity
        q, unit, p, base = _priced(quantity, price, amount, unit_code(unit_key))
        rate = row_rate(rate, amount, tax)
        category = vat_category(rate, treatment)
        rows.append(_Row(_name(text, fallback), q, unit, p, base, amount, tax, category,
                         _percent(category, rate)))

    for line in lines:
        if line.billing_method == "product":
            if line.corrects_line_id is not None and not (line.quantity or line.amount or line.tax):
                continue
            name = (line.product.name if line.product else None) or line.product_name or line.name
            unit = line.product.unit.key if line.product and line.product.unit else None
            add(name, line.name, line.quantity, line.price, line.amount, line.tax, unit, line.tax_rate)
            continue
        for d in details.get(line.id, ()):
            if not counts_in_totals(d.billing_type):
                continue
            if d.corrects_detail_id is not None and not (d.quantity or d.amount or d.tax):
                continue
            milestone = d.transaction_class == "milestone"
            add(customer_text(d), line.name, None if milestone else d.quantity,
                None if milestone else d.price, d.amount, d.tax,
                d.unit.key if d.unit else None, line.tax_rate)
    return rows


def _problems(invoice: Invoice, taxes, treatment: str) -> list[str]:
    """What the rules would refuse that we know already, as the user reads it."""
    problems = []
    if invoice.number is None:
        problems.append(_("%(invoice)s is not confirmed: only an issued invoice has an "
                          "e-invoice.", invoice=invoice.code))
    if invoice.is_credit_note and not (invoice.corrects and invoice.corrects.number):
        problems.append(_("Credit note %(code)s corrects an invoice that has no number.",
                          code=invoice.code))
    if treatment != "standard" and any(row.tax for row in taxes):
        problems.append(_("%(invoice)s charges VAT, but its customer is exempt from VAT or "
                          "outside its scope: an e-invoice cannot say both.",
                          invoice=invoice.number or invoice.code))
    for row in taxes:
        if treatment != "standard" or not row.rate:
            continue
        difference = category_tax_difference(row.base, row.rate, row.tax, invoice.currency)
        if not tax_reconciles(difference):
            problems.append(_(
                "The VAT at %(rate)s %% of %(invoice)s, rounded row by row, is %(difference)s "
                "away from the VAT of its total; e-invoice rules accept less than 1. Split the "
                "rows over more invoices.", rate=_number(row.rate),
                invoice=invoice.number or invoice.code, difference=plain(difference)))
    return problems


def _prepaid(invoice: Invoice) -> Decimal:
    """What the customer has paid on an invoice (standing payments less refunds, at most its
    total): the e-invoice's PrepaidAmount, so that PayableAmount is what is left to pay. A
    credit note is never paid, and its original's credit notes are documents of their own."""
    if invoice.is_credit_note:
        return Decimal(0)
    return min(max(payments.paid(invoice), Decimal(0)), invoice.total_amount)


def build(invoice: Invoice, profile: str, config: Mapping) -> Built:
    """The e-invoice of a confirmed invoice or credit note in `profile` ("peppol",
    "oioubl"), with the seller settings of `config` (the app's config). Stale totals raise
    DocumentTotalsDiffer, as the PDF does."""
    p = PROFILES[profile]
    credit = invoice.is_credit_note
    sign = -1 if credit else 1
    kind = "CreditNote" if credit else "Invoice"
    currency, customer = invoice.currency, invoice.customer
    treatment = customer.vat_treatment or "standard"
    lines = list(invoice.lines)
    details = _details_by_line(invoice)
    taxes = tax_rates(invoice, lines, details)
    with force_locale(document_locale(invoice)):  # what the customer reads: its language
        due_note = _("Due %(date)s", date=invoice.due_date.isoformat())
        reasons = {CATEGORY_EXEMPT: customer.vat_exemption_reason or _("Exempt from VAT"),
                   CATEGORY_OUT_OF_SCOPE: customer.vat_exemption_reason or _("Not subject to VAT")}

    def text(value: Decimal) -> str:
        """An amount as written: the currency's decimals (at least the profile's)."""
        value = as_money(value, currency)
        return plain(value.quantize(Decimal(1).scaleb(-p.amount_places)) if
                     p.amount_places > minor_units(currency) else value)

    def money(parent, tag, value, signed=True):
        return _el(parent, tag, text(sign * value if signed else value), currencyID=currency)

    root = etree.Element(f"{{{ROOT.format(kind)}}}{kind}", nsmap={None: ROOT.format(kind), **_NS})
    p.header(root, invoice)
    _el(root, "cbc:IssueDate", invoice.invoice_date.isoformat())
    if not credit:
        _el(root, "cbc:DueDate", invoice.due_date.isoformat())
    p.type_code(root, f"cbc:{kind}TypeCode", "381" if credit else "380")
    _el(root, "cbc:DocumentCurrencyCode", currency)
    contract = invoice.contract
    buyer_reference = invoice.opportunity or contract.opportunity or contract.number
    _el(root, "cbc:BuyerReference", buyer_reference)
    original = invoice.corrects
    if credit and original is not None and original.number:
        reference = _el(_el(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        _el(reference, "cbc:ID", original.number)
        _el(reference, "cbc:IssueDate", original.invoice_date.isoformat())
    _el(_el(root, "cac:ContractDocumentReference"), "cbc:ID", contract.number)

    vat_ids = treatment != "out_of_scope"  # BR-O-02: no VAT identifiers out of scope
    party = _el(_el(root, "cac:AccountingSupplierParty"), "cac:Party")
    p.endpoint(party, config.get("COMPANY_ENDPOINT_ID"), config.get("COMPANY_ENDPOINT_SCHEME"))
    _el(_el(party, "cac:PartyName"), "cbc:Name", config.get("COMPANY_NAME"))
    p.address(party, config.get("COMPANY_STREET"), config.get("COMPANY_CITY"),
              config.get("COMPANY_POSTAL_CODE"), config.get("COMPANY_COUNTRY"))
    p.party_tax(party, config.get("COMPANY_VAT_ID") if vat_ids else None,
                config.get("COMPANY_ENDPOINT_SCHEME"))
    p.legal_entity(party, config.get("COMPANY_NAME"), config.get("COMPANY_REGISTRATION_ID"),
                   config.get("COMPANY_COUNTRY"))
    if config.get("COMPANY_PHONE") or config.get("COMPANY_EMAIL"):
        contact = _el(party, "cac:Contact")
        for tag, key in (("cbc:Telephone", "COMPANY_PHONE"), ("cbc:ElectronicMail", "COMPANY_EMAIL")):
            if config.get(key):
                _el(contact, tag, config[key])

    party = _el(_el(root, "cac:AccountingCustomerParty"), "cac:Party")
    p.endpoint(party, customer.endpoint_id, customer.endpoint_scheme)
    _el(_el(party, "cac:PartyName"), "cbc:Name", invoice.bill_to_name)
    p.address(party, invoice.bill_to_street, invoice.bill_to_city, invoice.bill_to_postal_code,
              invoice.bill_to_country)
    p.party_tax(party, customer.tax_registration_id if vat_ids else None, customer.endpoint_scheme)
    # A CVR electronic address (0184) is the customer's legal registration too.
    registration = customer.registration_id or (
        customer.endpoint_id if customer.endpoint_scheme == "0184" else None)
    p.legal_entity(party, invoice.bill_to_name, registration, invoice.bill_to_country)
    p.customer_contact(party, invoice.bill_to_email, buyer_reference)

    p.payment_means(root, invoice, config, credit)
    prepaid = _prepaid(invoice)
    p.payment_terms(root, invoice, due_note, text(sign * (invoice.total_amount - prepaid)))
    if prepaid:
        p.prepaid_payment(root, invoice, text(prepaid))

    header_category = vat_category(invoice.tax_rate, treatment)
    header_percent = _percent(header_category, invoice.tax_rate)
    for is_charge, code, reason, amount in (
            (False, "95", "Discount", invoice.discount_amount),
            (True, "FC", "Freight", invoice.freight_amount)):
        if not amount:
            continue
        charge = _el(root, "cac:AllowanceCharge")
        _el(charge, "cbc:ChargeIndicator", "true" if is_charge else "false")
        _el(charge, "cbc:AllowanceChargeReasonCode", code)
        _el(charge, "cbc:AllowanceChargeReason", reason)
        money(charge, "cbc:Amount", amount)
        p.tax_category(charge, "cac:TaxCategory", header_category, header_percent)

    subtotals: dict[tuple[str, Decimal | None], list[Decimal]] = {}
    for row in taxes:
        category = vat_category(row.rate, treatment)
        percent = _percent(category, row.rate)
        base, tax = subtotals.setdefault((category, percent), [Decimal(0), Decimal(0)])
        subtotals[(category, percent)] = [base + row.base, tax + row.tax]
    total = _el(root, "cac:TaxTotal")
    money(total, "cbc:TaxAmount", invoice.total_tax)
    for (category, percent), (base, tax) in subtotals.items():
        subtotal = _el(total, "cac:TaxSubtotal")
        money(subtotal, "cbc:TaxableAmount", base)
        money(subtotal, "cbc:TaxAmount", tax)
        p.tax_category(subtotal, "cac:TaxCategory", category, percent,
                       reasons.get(category))

    totals = _el(root, "cac:LegalMonetaryTotal")
    money(totals, "cbc:LineExtensionAmount", invoice.detail_amount)
    money(totals, "cbc:TaxExclusiveAmount", invoice.total_tax if p.tax_exclusive_is_tax
          else invoice.pre_freight_amount + invoice.freight_amount)
    money(totals, "cbc:TaxInclusiveAmount", invoice.total_amount)
    if invoice.discount_amount:
        money(totals, "cbc:AllowanceTotalAmount", invoice.discount_amount)
    if invoice.freight_amount:
        money(totals, "cbc:ChargeTotalAmount", invoice.freight_amount)
    if prepaid:
        money(totals, "cbc:PrepaidAmount", prepaid)
    money(totals, "cbc:PayableAmount", invoice.total_amount - prepaid)

    for number, row in enumerate(_rows(invoice, lines, details, sign, treatment), 1):
        line = _el(root, f"cac:{kind}Line")
        _el(line, "cbc:ID", str(number))
        _el(line, "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity",
            _number(row.quantity), unitCode=row.unit)
        money(line, "cbc:LineExtensionAmount", row.amount, signed=False)
        if p.line_tax_total:
            line_total = _el(line, "cac:TaxTotal")
            money(line_total, "cbc:TaxAmount", row.tax, signed=False)
            subtotal = _el(line_total, "cac:TaxSubtotal")
            money(subtotal, "cbc:TaxableAmount", row.amount, signed=False)
            money(subtotal, "cbc:TaxAmount", row.tax, signed=False)
            p.tax_category(subtotal, "cac:TaxCategory", row.category, row.percent)
        item = _el(line, "cac:Item")
        _el(item, "cbc:Name", row.name)
        p.tax_category(item, "cac:ClassifiedTaxCategory", row.category, row.percent)
        price = _el(line, "cac:Price")
        _el(price, "cbc:PriceAmount", _price(row.price, currency), currencyID=currency)
        if row.base_quantity is not None:
            _el(price, "cbc:BaseQuantity", _number(row.base_quantity), unitCode=row.unit)

    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return Built(xml, tuple(_problems(invoice, taxes, treatment)))


def _price(value: Decimal, currency: str) -> str:
    """A unit price with at least the currency's decimals (950.00; 12.3456 as it is)."""
    places = max(minor_units(currency), -value.normalize(EXACT).as_tuple().exponent)
    return plain(value.quantize(Decimal(1).scaleb(-places), context=EXACT))
