"""The invoice JSON of SPEC 9 (CLI export, /invoices/<id>.json and invoices list).

A credit note's amounts are the differences it makes (a full credit shows the original's
totals negated); its details and product lines also carry what was billed (billed_*) and
what should have been (corrected_*). An invoice's rows carry neither.
"""

from decimal import Decimal

from sqlalchemy import func, select

from app.billing.money import as_money, minor_units, plain
from app.billing.totals import BILLING_TYPES_IN_TOTALS
from app.extensions import db
from app.services.payments import owed, payments_of
from app.models import (Actual, BilledSale, Invoice, InvoiceLine, InvoiceLineDetail,
                        Milestone)


def _money(value: Decimal, currency: str) -> str:
    return plain(as_money(value, currency))


def _number(value: Decimal | None) -> str | None:
    """A quantity or percent without trailing zeros: 7.5000 → "7.5", 100 → "100"."""
    if value is None:
        return None
    return plain(value.normalize())


def _price(value: Decimal, currency: str) -> str:
    """At least the currency's decimals, more when the price has them: "950.00", "0.1235"."""
    places = max(minor_units(currency), -value.normalize().as_tuple().exponent)
    return plain(value.quantize(Decimal(1).scaleb(-places)))


def _optional(format_, value, *args):
    return None if value is None else format_(value, *args)


def _corrective_detail(detail: InvoiceLineDetail, c: str) -> dict:
    """What a credit note's detail says was billed and should have been billed."""
    return {"billed_quantity": _number(detail.billed_quantity),
            "billed_price": _optional(_price, detail.billed_price, c),
            "billed_amount": _optional(_money, detail.billed_amount, c),
            "billed_tax": _optional(_money, detail.billed_tax, c),
            "corrected_billing_type": detail.corrected_billing_type,
            "corrected_quantity": _number(detail.corrected_quantity),
            "corrected_price": _optional(_price, detail.corrected_price, c),
            "corrected_amount": _optional(_money, detail.corrected_amount, c),
            "corrected_tax": _optional(_money, detail.corrected_tax, c)}


def _corrective_product_line(line: InvoiceLine, c: str) -> dict:
    """What a credit note's product line says was billed and should have been billed."""
    return {"billed_quantity": _number(line.billed_quantity),
            "billed_amount": _optional(_money, line.billed_amount, c),
            "billed_tax": _optional(_money, line.billed_tax, c),
            "corrected_quantity": _number(line.corrected_quantity),
            "corrected_amount": _optional(_money, line.corrected_amount, c),
            "corrected_tax": _optional(_money, line.corrected_tax, c)}


def invoice_header(invoice: Invoice) -> dict:
    """The header fields, as in `invoices list --format json`."""
    c = invoice.currency
    original = invoice.corrects
    return {
        "id": invoice.code, "number": invoice.number, "invoice_type": invoice.invoice_type,
        "corrects": ({"id": original.code, "number": original.number}
                     if original is not None else None),
        "name": invoice.name,
        "contract": invoice.contract.code, "customer": invoice.customer.name, "currency": c,
        "status": invoice.status, "project_invoice_status": invoice.project_invoice_status,
        "invoice_date": invoice.invoice_date.isoformat(), "due_date": invoice.due_date.isoformat(),
        "cutoff_date": invoice.cutoff_date.isoformat(),
        "detail_amount": _money(invoice.detail_amount, c),
        "discount_percent": _number(invoice.discount_percent or Decimal(0)),
        "discount_amount": _money(invoice.discount_amount, c),
        "pre_freight_amount": _money(invoice.pre_freight_amount, c),
        "freight_amount": _money(invoice.freight_amount, c),
        "total_tax": _money(invoice.total_tax, c), "total_amount": _money(invoice.total_amount, c),
        "paid_on": invoice.paid_on.isoformat() if invoice.paid_on else None,
    }


def invoiced_to_date(invoice: Invoice) -> dict[int, Decimal]:
    """Per contract line: the chargeable amount on earlier confirmed invoices."""
    query = (select(BilledSale.contract_line_id, func.sum(BilledSale.amount))
             .join(InvoiceLine, InvoiceLine.contract_line_id == BilledSale.contract_line_id)
             .where(InvoiceLine.invoice_id == invoice.id, BilledSale.invoice_id != invoice.id,
                    BilledSale.billing_type.in_(BILLING_TYPES_IN_TOTALS))
             .group_by(BilledSale.contract_line_id))
    if invoice.confirmed_at is not None:
        query = query.where(BilledSale.posted_at < invoice.confirmed_at)
    return dict(db.session.execute(query).all())


def invoice_json(invoice: Invoice) -> dict:
    """The whole invoice: header, lines and their details."""
    c = invoice.currency
    details_by_line: dict[int, list[dict]] = {}
    rows = db.session.execute(
        select(InvoiceLineDetail, Actual.key, Milestone.key)
        .outerjoin(Actual, Actual.id == InvoiceLineDetail.actual_id)
        .outerjoin(Milestone, Milestone.id == InvoiceLineDetail.milestone_id)
        .where(InvoiceLineDetail.invoice_id == invoice.id)
        .order_by(InvoiceLineDetail.invoice_line_id, InvoiceLineDetail.id))
    for detail, actual_key, milestone_key in rows:
        source_key = {"actual": actual_key or str(detail.actual_id),
                      "milestone": milestone_key or str(detail.milestone_id)}.get(detail.backing)
        entry = {
            "id": detail.id, "source": detail.backing, "source_key": source_key,
            "transaction_class": detail.transaction_class, "billing_type": detail.billing_type,
            "start_date": detail.start_date.isoformat() if detail.start_date else None,
            "quantity": _number(detail.quantity), "price": _price(detail.price, c),
            "amount": _money(detail.amount, c), "tax": _money(detail.tax, c),
            "extended_amount": _money(detail.extended_amount, c),
            "description": detail.description,
            "external_description": detail.external_description}
        if invoice.is_credit_note:
            entry.update(_corrective_detail(detail, c))
        details_by_line.setdefault(detail.invoice_line_id, []).append(entry)
    earlier = invoiced_to_date(invoice)
    lines = []
    for line in db.session.scalars(select(InvoiceLine).join(InvoiceLine.contract_line)
                                   .where(InvoiceLine.invoice_id == invoice.id)
                                   .order_by(InvoiceLine.position, InvoiceLine.id)):
        entry = {"contract_line": line.contract_line.code, "name": line.name,
                 "billing_method": line.billing_method, "amount": _money(line.amount, c),
                 "tax": _money(line.tax, c), "extended_amount": _money(line.extended_amount, c),
                 "invoiced_to_date": _money(earlier.get(line.contract_line_id, Decimal(0)), c),
                 "details": details_by_line.get(line.id, [])}
        if line.billing_method == "product":
            entry.update(product=line.product_name, quantity=_number(line.quantity),
                         price=_price(line.price, c))
            if invoice.is_credit_note:
                entry.update(_corrective_product_line(line, c))
        lines.append(entry)
    received = payments_of(invoice)
    return {**invoice_header(invoice), "amount_due": _money(owed(invoice), c),
            "payments": [{"date": p.date.isoformat(), "amount": _money(p.amount, c),
                          "kind": p.kind, "method": p.method, "reference": p.reference,
                          "reversed": p.is_reversed} for p in received],
            "lines": lines}
