"""The customer-facing invoice document (SPEC 8 "Send to customer"): the view model of an
invoice, in the customer's language and locale — an adapter beside the documents pages,
as the e-invoice export will be; app/documents/rendering.py turns it into HTML and PDF.

The document shows what the invoice carries and computes nothing of its own; the
tax-per-rate summary is app.billing.totals.tax_summary, which must add up to the
invoice's total tax to the last minor unit.

A credit note (issue 14) is the same document titled "Credit note": it names the invoice it
corrects (frozen with it) and prints the rows it changes with their differences (negative),
each with what was billed and what should have been; rows it leaves unchanged are left out.

A draft's document is built from live data every time. An issued invoice's is a record:
at confirmation its view model is frozen as JSON (`freeze`, stored by the confirm use case
in IssuedDocument) and every later preview, PDF and send is built from that snapshot, so
changing the customer's language, address or the company settings never changes it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import types
import typing
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.billing.corrections import header_taxes
from app.billing.enums import CHARGEABLE, ISSUED_STATES
from app.billing.money import zero
from app.billing.totals import TaxedAmount, TaxRate, TaxSummaryDiffers, counts_in_totals, tax_summary
from app.extensions import db
from app.formatting import FORMAT_LOCALES
from app.models import Invoice, InvoiceLine, InvoiceLineDetail, Product
from app.services import ServiceError, payments
from app.terms import unit_term


class DocumentTotalsDiffer(ServiceError):
    """The invoice's stored totals do not match its rows (a draft not recalculated)."""


@dataclass(frozen=True)
class Party:
    """A seller or bill-to block."""

    name: str
    address: tuple[str, ...]
    email: str = ""
    phone: str = ""
    vat_id: str = ""


@dataclass(frozen=True)
class UnitText:
    """A unit as the document prints it: its key and its name in the document's language."""

    key: str
    name: str


@dataclass(frozen=True)
class Row:
    """One printed row: a detail of a T&M or fixed-price line, or a product line."""

    date: dt.date | None
    description: str
    transaction_class: str | None
    quantity: Decimal | None
    unit: UnitText | None
    price: Decimal | None
    amount: Decimal  # zero for non-chargeable and complimentary rows
    tax: Decimal
    billing_type: str
    # A credit note's row: what was billed and what should have been (quantity, price,
    # amount and tax above are the differences); None on an invoice.
    billed_quantity: Decimal | None = None
    billed_price: Decimal | None = None
    corrected_quantity: Decimal | None = None
    corrected_price: Decimal | None = None
    corrected_billing_type: str | None = None

    @property
    def chargeable(self) -> bool:
        return counts_in_totals(self.billing_type)

    @property
    def corrective(self) -> bool:
        return self.billed_quantity is not None

    @property
    def price_corrected(self) -> bool:
        return self.corrected_price is not None and self.corrected_price != self.billed_price

    @property
    def billing_type_corrected(self) -> bool:
        return (self.corrected_billing_type is not None
                and self.corrected_billing_type != self.billing_type)


@dataclass(frozen=True)
class Section:
    """An invoice line: its heading, its rows and its own amount and tax."""

    name: str
    project: str
    billing_method: str
    rows: tuple[Row, ...]
    amount: Decimal
    tax: Decimal
    extended_amount: Decimal


@dataclass(frozen=True)
class AnnexRow:
    """One time detail in the time annex."""

    date: dt.date | None
    resource: str
    role: str
    quantity: Decimal
    unit: UnitText | None
    description: str
    billing_type: str


@dataclass(frozen=True)
class Corrects:
    """The invoice a credit note corrects, as the credit note names it."""

    number: str
    invoice_date: dt.date


@dataclass(frozen=True)
class PaymentReceived:
    """A payment (or refund) standing on an issued invoice, as the document prints it:
    live data shown beside the frozen content, never part of it."""

    date: dt.date
    kind: str  # "payment" or "refund"
    amount: Decimal  # > 0
    reference: str | None

    @property
    def signed(self) -> Decimal:
        """As the totals block prints it: a payment subtracted, a refund added back."""
        return self.amount if self.kind == "refund" else -self.amount


@dataclass(frozen=True)
class InvoiceDocument:
    """Everything the document shows, in the customer's language and locale."""

    code: str
    number: str | None
    invoice_type: str
    proforma: bool
    name: str
    description: str
    currency: str
    language: str
    locale: str
    seller: Party
    bank: str
    bill_to: Party
    invoice_date: dt.date
    due_date: dt.date
    contract_number: str
    contract_name: str
    opportunity: str
    sections: tuple[Section, ...]
    taxes: tuple[TaxRate, ...]
    detail_amount: Decimal
    discount_percent: Decimal | None
    discount_amount: Decimal
    pre_freight_amount: Decimal
    freight_amount: Decimal
    total_tax: Decimal
    total_amount: Decimal
    annex: tuple[AnnexRow, ...]
    paid_on: dt.date | None
    payment_reference: str | None
    corrects: Corrects | None = None  # a credit note's original
    # Live, like paid_on: the payments standing now and what is still due (a refund due when
    # negative); empty and None when nothing was paid. Never frozen.
    payments: tuple[PaymentReceived, ...] = ()
    amount_due: Decimal | None = None

    @property
    def is_credit_note(self) -> bool:
        return self.invoice_type == "credit_note"

    @property
    def credited_amount(self) -> Decimal:
        """What a credit note credits, as its text says it: positive."""
        return -self.total_amount

    @property
    def to_pay(self) -> Decimal:
        """What the customer is asked to pay: what is still due once payments came in."""
        return self.total_amount if self.amount_due is None else self.amount_due

    @property
    def refund_due(self) -> Decimal:
        """What is to be paid back to the customer (a credit note on a paid invoice)."""
        due = self.amount_due
        return -due if due is not None and due < 0 else Decimal(0)

    @property
    def reference(self) -> str:
        """The number the customer quotes: the legal number, else the Invoice ID."""
        return self.number or self.code

    @property
    def discount_deduction(self) -> Decimal:
        """The discount as the totals block prints it: subtracted."""
        return -self.discount_amount

    @property
    def file_name(self) -> str:
        kind = "proforma" if self.proforma else self.invoice_type.replace("_", "-")
        return f"{kind}-{self.reference}.pdf"


def document_locale(invoice: Invoice) -> str:
    """The customer's language as a formatting locale: da → da_DK, ms → ms_MY."""
    return FORMAT_LOCALES.get(invoice.customer.language, FORMAT_LOCALES["en"])


def _seller(config) -> tuple[Party, str]:
    address = tuple(line.strip() for line in config["COMPANY_ADDRESS"].splitlines() if line.strip())
    return (Party(name=config["COMPANY_NAME"], address=address, email=config["COMPANY_EMAIL"],
                  phone=config["COMPANY_PHONE"], vat_id=config["COMPANY_VAT_ID"]),
            config["COMPANY_BANK"])


def _bill_to(invoice: Invoice, locale: str) -> Party:
    country = Locale.parse(locale).territories.get(invoice.bill_to_country, invoice.bill_to_country)
    city = " ".join(part for part in (invoice.bill_to_postal_code, invoice.bill_to_city) if part)
    address = tuple(part for part in (invoice.bill_to_street, city, country) if part)
    return Party(name=invoice.bill_to_name, address=address, email=invoice.bill_to_email,
                 vat_id=invoice.customer.tax_registration_id or "")


def customer_text(detail: InvoiceLineDetail) -> str:
    """What the customer reads for a detail: its external description.

    Never the internal description; when the external one is empty, what the row is
    (product, milestone, category or role) stands in, and the template falls back to the
    transaction class.
    """
    candidates = (detail.external_description, detail.product_name, detail.write_in_description,
                  detail.milestone.name if detail.milestone else None,
                  detail.category.name if detail.category else None,
                  detail.role.name if detail.role else None)
    return next((text.strip() for text in candidates if text and text.strip()), "")


def _details_by_line(invoice: Invoice) -> dict[int, list[InvoiceLineDetail]]:
    """Every detail of the invoice, with what the document shows of it, in few queries."""
    details = db.session.scalars(
        select(InvoiceLineDetail)
        .options(selectinload(InvoiceLineDetail.role), selectinload(InvoiceLineDetail.resource),
                 selectinload(InvoiceLineDetail.category), selectinload(InvoiceLineDetail.unit),
                 selectinload(InvoiceLineDetail.milestone))
        .where(InvoiceLineDetail.invoice_id == invoice.id)
        .order_by(InvoiceLineDetail.invoice_line_id, InvoiceLineDetail.start_date,
                  InvoiceLineDetail.id))
    grouped: dict[int, list[InvoiceLineDetail]] = defaultdict(list)
    for detail in details:
        grouped[detail.invoice_line_id].append(detail)
    return grouped


def tax_rates(invoice: Invoice, lines: list[InvoiceLine],
              details: dict[int, list[InvoiceLineDetail]]) -> tuple[TaxRate, ...]:
    """Taxable base and tax per rate (app.billing.totals.tax_summary) of the chargeable
    rows at their line's rate; DocumentTotalsDiffer when they do not add up."""
    rows = []
    for line in lines:
        if line.billing_method == "product":
            rows.append(TaxedAmount(line.tax_rate, line.amount, line.tax))
            continue
        rows.extend(TaxedAmount(line.tax_rate, d.amount, d.tax) for d in details.get(line.id, ())
                    if counts_in_totals(d.billing_type))
    header_tax = {}
    if invoice.is_credit_note:
        # The discount and freight differences carry the difference of two roundings.
        header_tax = dict(zip(("discount_tax", "freight_tax"), header_taxes(
            invoice.billed_header, invoice.discount_amount, invoice.freight_amount,
            invoice.tax_rate, invoice.currency)))
    try:
        return tax_summary(rows, invoice.currency, invoice.tax_rate, invoice.discount_amount,
                           invoice.freight_amount, invoice.total_tax, **header_tax)
    except TaxSummaryDiffers:
        raise DocumentTotalsDiffer(_(
            "The totals of %(invoice)s do not match its rows; recalculate it before printing.",
            invoice=invoice.code)) from None


def _unit(unit) -> UnitText | None:
    """A unit row in the language of the document being built (the caller forces it)."""
    return UnitText(key=unit.key, name=unit_term(unit)) if unit is not None else None


def _row(detail: InvoiceLineDetail, currency: str) -> Row:
    charged = counts_in_totals(detail.billing_type)
    corrective = {}
    if detail.corrects_detail_id is not None:
        corrective = {"billed_quantity": detail.billed_quantity,
                      "billed_price": detail.billed_price,
                      "corrected_quantity": detail.corrected_quantity,
                      "corrected_price": detail.corrected_price,
                      "corrected_billing_type": detail.corrected_billing_type}
    return Row(date=detail.start_date, description=customer_text(detail),
               transaction_class=detail.transaction_class, quantity=detail.quantity,
               unit=_unit(detail.unit), price=detail.price,
               amount=detail.amount if charged else zero(currency),
               tax=detail.tax if charged else zero(currency), billing_type=detail.billing_type,
               **corrective)


def _product_row(line: InvoiceLine) -> Row:
    # The product's own name; a write-in product's name; the line's name only when neither.
    description = (line.product.name if line.product else None) or line.product_name or line.name
    corrective = {}
    if line.corrects_line_id is not None:
        corrective = {"billed_quantity": line.billed_quantity, "billed_price": line.price,
                      "corrected_quantity": line.corrected_quantity,
                      "corrected_price": line.price}
    return Row(date=None, description=description, transaction_class=None,
               quantity=line.quantity, unit=_unit(line.product.unit) if line.product else None,
               price=line.price, amount=line.amount, tax=line.tax, billing_type=CHARGEABLE,
               **corrective)


def _changes_nothing(row: InvoiceLine | InvoiceLineDetail) -> bool:
    """A credit note's row that credits nothing (the reviewer left it as billed): the
    document leaves it out. An invoice's rows are all printed."""
    corrects = row.corrects_line_id if isinstance(row, InvoiceLine) else row.corrects_detail_id
    return corrects is not None and not (row.quantity or row.amount or row.tax)


# What the frozen JSON leaves out: payments are live data shown beside the issued record.
_LIVE_FIELDS = ("payments", "amount_due")


def build_document(invoice: Invoice) -> InvoiceDocument:
    """The document of an invoice: an issued invoice's frozen one (with its payments as they
    are now), a draft's built from live data."""
    issued = invoice.issued_document if invoice.state in ISSUED_STATES else None
    document = thaw(issued.content) if issued is not None else live_document(invoice)
    paid = invoice.status == "paid"
    received, due = _payments_received(invoice) if issued is not None else ((), None)
    return dataclasses.replace(document, paid_on=invoice.paid_on if paid else None,
                               payment_reference=invoice.payment_reference if paid else None,
                               payments=received, amount_due=due)


def _payments_received(invoice: Invoice) -> tuple[tuple[PaymentReceived, ...], Decimal | None]:
    """The payments and refunds standing on an issued invoice (reversed ones are not the
    customer's business) and what is due with them; nothing when none stand."""
    if invoice.is_credit_note:
        return (), None
    found = payments.payments_of(invoice)
    standing = tuple(PaymentReceived(date=p.date, kind=p.kind, amount=p.amount,
                                     reference=p.reference)
                     for p in found if not p.is_reversed)
    if not standing:
        return (), None
    return standing, payments.due_of(invoice, found).amount


def live_document(invoice: Invoice) -> InvoiceDocument:
    """The document's view model from the invoice, the customer and the company settings as
    they are now: seller, bill-to, sections, tax per rate, totals, annex."""
    with force_locale(document_locale(invoice)):
        return _live_document(invoice)


def _live_document(invoice: Invoice) -> InvoiceDocument:
    customer = invoice.customer
    locale = document_locale(invoice)
    lines = list(db.session.scalars(
        select(InvoiceLine)
        .options(selectinload(InvoiceLine.project),
                 selectinload(InvoiceLine.product).selectinload(Product.unit))
        .where(InvoiceLine.invoice_id == invoice.id)
        .order_by(InvoiceLine.position, InvoiceLine.id)))
    details = _details_by_line(invoice)
    hide = customer.hide_non_chargeable
    sections: list[Section | None] = []
    products: list[InvoiceLine] = []
    for line in lines:
        if line.billing_method == "product":
            if not products:
                sections.append(None)  # where the products section goes
            products.append(line)
            continue
        rows = tuple(_row(d, invoice.currency) for d in details.get(line.id, ())
                     if not (hide and not counts_in_totals(d.billing_type))
                     and not _changes_nothing(d))
        sections.append(Section(name=line.name, project=line.project.name if line.project else "",
                                billing_method=line.billing_method, rows=rows, amount=line.amount,
                                tax=line.tax, extended_amount=line.extended_amount))
    if products:
        # Product lines are one row each: one section holds them all.
        amount = sum((line.amount for line in products), zero(invoice.currency))
        tax = sum((line.tax for line in products), zero(invoice.currency))
        sections[sections.index(None)] = Section(
            name="", project="", billing_method="product",
            rows=tuple(_product_row(line) for line in products if not _changes_nothing(line)),
            amount=amount, tax=tax,
            extended_amount=amount + tax)
    annex: tuple[AnnexRow, ...] = ()
    if customer.time_annex:
        annex = tuple(
            AnnexRow(date=d.start_date, resource=d.resource.name if d.resource else "",
                     role=d.role.name if d.role else "", quantity=d.quantity, unit=_unit(d.unit),
                     description=customer_text(d), billing_type=d.billing_type)
            for line in lines for d in details.get(line.id, ())
            if d.transaction_class == "time" and not (hide and not counts_in_totals(d.billing_type))
            and not _changes_nothing(d))
    seller, bank = _seller(current_app.config)
    original = invoice.corrects
    corrects = (Corrects(number=original.number, invoice_date=original.invoice_date)
                if original is not None else None)
    return InvoiceDocument(
        code=invoice.code, number=invoice.number, invoice_type=invoice.invoice_type,
        proforma=invoice.state not in ISSUED_STATES, name=invoice.name, description=invoice.description,
        currency=invoice.currency, language=customer.language, locale=locale, seller=seller,
        bank=bank, bill_to=_bill_to(invoice, locale), invoice_date=invoice.invoice_date,
        due_date=invoice.due_date, contract_number=invoice.contract.number,
        contract_name=invoice.contract.name, opportunity=invoice.opportunity,
        sections=tuple(s for s in sections if s is not None), taxes=tax_rates(invoice, lines, details),
        detail_amount=invoice.detail_amount, discount_percent=invoice.discount_percent,
        discount_amount=invoice.discount_amount, pre_freight_amount=invoice.pre_freight_amount,
        freight_amount=invoice.freight_amount, total_tax=invoice.total_tax,
        total_amount=invoice.total_amount, annex=annex, paid_on=None, payment_reference=None,
        corrects=corrects)


def freeze(invoice: Invoice) -> str:
    """The issued document of an invoice being confirmed, as the JSON the record keeps.

    Payment is not part of it: the issued invoice stays what it was when it was paid.
    """
    document = dataclasses.asdict(dataclasses.replace(live_document(invoice), proforma=False))
    for name in _LIVE_FIELDS:
        document.pop(name)
    return json.dumps(document, default=_encode, ensure_ascii=False, sort_keys=True)


def thaw(content: str) -> InvoiceDocument:
    """The view model back from the JSON that `freeze` wrote."""
    return _decode(InvoiceDocument, json.loads(content))


def _encode(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not part of a document")


def _decode(kind, value):
    """A value of the annotated type from its JSON form (dataclasses, tuples, Decimal, date)."""
    if value is None:
        return None
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        kind = next(arg for arg in typing.get_args(kind) if arg is not type(None))
    if typing.get_origin(kind) is tuple:
        item = typing.get_args(kind)[0]
        return tuple(_decode(item, element) for element in value)
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        # A field added later (with a default) is absent from documents frozen before it.
        return kind(**{field.name: _decode(hints[field.name], value[field.name])
                       for field in dataclasses.fields(kind)
                       if field.name in value or field.default is dataclasses.MISSING})
    if kind is Decimal:
        return Decimal(value)
    if kind is dt.date:
        return dt.date.fromisoformat(value)
    return value
