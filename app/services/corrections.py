"""Credit notes (issue 14): correct a confirmed or paid invoice the lawful way.

"Correct" makes a draft of type credit_note linked to the invoice, with one line per line
and a corrective detail per detail as billed *now* (the original plus its confirmed
corrections), each credited in full (corrected quantity 0) until the reviewer says what
should have been billed. The rules are app.billing.corrections; confirming is
confirm_invoice (app.services.lifecycle), whose posting is app.services.posting.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import case, false, func, insert, literal, or_, select

from app.billing import corrections as rules
from app.billing.editability import detail_field_rule, line_field_rule
from app.billing.money import PRICE_PLACES, QUANTITY_PLACES, minor_units, plain
from app.billing.totals import AmountTooLarge, TooManyDecimals, check_amount, detail_amount
from app.extensions import db
from app.models import Invoice, InvoiceLine, InvoiceLineDetail
from app.services import Conflict, ServiceError, audit, use_case
from app.services.editing import (EDITABLE_BILLING_TYPES, DetailEdit, _check_version,
                                  _detail_of, _for_edit, _line_of, _places, _recalculate,
                                  locked)
from app.services.invoicing import amount_refusal, recalculate
from app.services.lifecycle import check_action, find_invoice
from app.services.numbering import next_invoice_code
from app.services.posting import billed_of, fixed_of


class CorrectionExists(Conflict):
    """The invoice already has a draft correction; a second one was not made."""


def open_correction(invoice: Invoice) -> str | None:
    """The Invoice ID of the invoice's draft (or in-review) correction, if it has one."""
    return db.session.scalar(select(Invoice.code).where(
        Invoice.corrects_invoice_id == invoice.id, Invoice.status == "active",
        Invoice.project_invoice_status != "confirmed"))


def corrections_of(invoice: Invoice) -> list[Invoice]:
    """The invoice's credit notes that are not cancelled, oldest first."""
    return list(db.session.scalars(select(Invoice).where(
        Invoice.corrects_invoice_id == invoice.id, Invoice.status != "cancelled")
        .order_by(Invoice.id)))


def net_total(invoice: Invoice) -> Decimal:
    """What the invoice charges after its confirmed corrections."""
    corrected = db.session.scalar(select(func.coalesce(func.sum(Invoice.total_amount), 0)).where(
        Invoice.corrects_invoice_id == invoice.id, Invoice.project_invoice_status == "confirmed",
        Invoice.status != "cancelled"))
    return invoice.total_amount + Decimal(corrected)


# ---------------------------------------------------------------- Correct


def _confirmed_corrections(original: Invoice):
    """The confirmed, not cancelled corrections of the original, oldest first (a query)."""
    return select(Invoice.id).where(Invoice.corrects_invoice_id == original.id,
                                    Invoice.project_invoice_status == "confirmed",
                                    Invoice.status != "cancelled")


def _latest(model, link, original: Invoice) -> dict[int, object]:
    """Per detail (or line) of the original, its row on the latest confirmed correction."""
    rows = db.session.scalars(
        select(model).join(Invoice, Invoice.id == model.invoice_id)
        .where(model.invoice_id.in_(_confirmed_corrections(original)))
        .order_by(Invoice.confirmed_at, Invoice.id))
    return {getattr(row, link): row for row in rows}


def _billed_now(row, latest) -> rules.Billed:
    """What a detail or product line of the original bills now: the corrected values of
    its latest confirmed correction, else its own."""
    if latest is not None:
        fixed = fixed_of(latest)
        return rules.Billed(fixed.billing_type, fixed.quantity, fixed.price, fixed.amount,
                            fixed.tax)
    if isinstance(row, InvoiceLine):
        return rules.Billed("chargeable", row.quantity, row.price, row.amount, row.tax)
    return rules.Billed(row.billing_type, row.quantity, row.price, row.amount, row.tax)


def _nothing_left(billed: rules.Billed) -> bool:
    return billed.quantity == 0 and billed.amount == 0 and billed.tax == 0


def _credited_in_full(billed: rules.Billed, currency: str) -> dict:
    """A corrective row's values before the reviewer says anything: everything credited."""
    nothing = rules.Corrected(billed.billing_type, Decimal(0), billed.price, Decimal(0),
                              Decimal(0))
    diff = rules.difference(billed, nothing)
    return {"billed_quantity": billed.quantity, "billed_amount": billed.amount,
            "billed_tax": billed.tax, "corrected_quantity": nothing.quantity,
            "corrected_amount": nothing.amount, "corrected_tax": nothing.tax,
            "quantity": diff.quantity, "price": billed.price, "amount": diff.amount,
            "tax": diff.tax, "extended_amount": diff.extended_amount}


@use_case
def correct_invoice(code: str, *, today: dt.date | None = None) -> Invoice:
    """A draft credit note of a confirmed or paid invoice, crediting everything it bills
    now; the reviewer then enters what should have been billed."""
    original = find_invoice(code, lock=True)
    check_action(original, "correct")
    existing = open_correction(original)
    if existing:
        raise CorrectionExists(_(
            "Invoice %(number)s already has a draft correction, %(code)s: confirm or delete "
            "it before making another one.", number=original.number, code=existing))
    today = today or dt.date.today()
    confirmed = list(db.session.scalars(select(Invoice).where(
        Invoice.id.in_(_confirmed_corrections(original)))))
    credit_note = Invoice(
        code=next_invoice_code(), invoice_type="credit_note", corrects_invoice_id=original.id,
        contract_id=original.contract_id, customer_id=original.customer_id,
        price_list_id=original.price_list_id, currency=original.currency,
        opportunity=original.opportunity, tax_rate=original.tax_rate, name=original.name,
        description="", bill_to_name=original.bill_to_name, bill_to_email=original.bill_to_email,
        bill_to_street=original.bill_to_street, bill_to_postal_code=original.bill_to_postal_code,
        bill_to_city=original.bill_to_city, bill_to_country=original.bill_to_country,
        invoice_date=max(today, original.invoice_date), due_date=max(today, original.invoice_date),
        cutoff_date=original.cutoff_date,
        **{f"include_{kind}": getattr(original, f"include_{kind}") for kind in
           ("time", "expense", "material", "fee", "milestones", "products")},
        discount_percent=original.discount_percent, discount_amount=Decimal(0),
        freight_amount=Decimal(0),
        billed_detail_amount=original.detail_amount + sum((c.detail_amount for c in confirmed),
                                                          Decimal(0)),
        billed_discount_amount=original.discount_amount + sum(
            (c.discount_amount for c in confirmed), Decimal(0)),
        billed_freight_amount=original.freight_amount + sum(
            (c.freight_amount for c in confirmed), Decimal(0)),
        corrected_freight_amount=Decimal(0))
    db.session.add(credit_note)
    db.session.flush()
    _copy_lines(original, credit_note)
    recalculate(credit_note)
    audit.record(credit_note.code, "create_correction", field="number", new=original.number)
    audit.record(original.code, "correct", new=credit_note.code)
    return credit_note


def _copy_lines(original: Invoice, credit_note: Invoice) -> None:
    """One line per line of the original, one corrective detail per detail that still
    bills something; a product line only while it bills something."""
    latest_lines = _latest(InvoiceLine, "corrects_line_id", original)
    for line in db.session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == original.id)
                                   .order_by(InvoiceLine.position, InvoiceLine.id)):
        values = {}
        if line.billing_method == "product":
            billed = _billed_now(line, latest_lines.get(line.id))
            if _nothing_left(billed):
                continue
            values = _credited_in_full(billed, original.currency)
        copy = InvoiceLine(
            invoice_id=credit_note.id, contract_line_id=line.contract_line_id,
            position=line.position, name=line.name, billing_method=line.billing_method,
            project_id=line.project_id, contract_line_amount=line.contract_line_amount,
            tax_rate=line.tax_rate, product_id=line.product_id, product_name=line.product_name,
            is_open=False, corrects_line_id=line.id, **values)
        db.session.add(copy)
    db.session.flush()
    _copy_details(original, credit_note)


# What a corrective detail copies of the detail it corrects, as it is.
_COPIED = ("actual_id", "milestone_id", "transaction_class", "description",
           "external_description", "start_date", "project_id", "task_id", "category_id",
           "role_id", "resource_id", "unit_id", "product_choice", "product_id", "product_name",
           "write_in_description")


def _copy_details(original: Invoice, credit_note: Invoice) -> None:
    """One corrective detail per detail of the original that still bills something, in one
    INSERT … SELECT (ten thousand details cost one statement): billed = what the latest
    confirmed correction says should have been billed, else the original's values; the
    row credited in full — corrected 0, the difference −billed (rules.difference of a
    corrected quantity 0, as _credited_in_full gives it for product lines) — unless it is
    negative."""
    d = InvoiceLineDetail.__table__
    last, prior = d.alias("last_correction"), d.alias("prior")
    copy_line = InvoiceLine.__table__.alias("copy_line")
    latest = (select(prior.c.corrects_detail_id.label("original_id"),
                     func.max(prior.c.id).label("id"))
              .where(prior.c.invoice_id.in_(_confirmed_corrections(original)))
              .group_by(prior.c.corrects_detail_id).subquery())

    def now(column: str):
        return func.coalesce(last.c[f"corrected_{column}"], d.c[column])

    quantity, price, amount, tax = now("quantity"), now("price"), now("amount"), now("tax")
    billing_type = now("billing_type")
    # A negative row (an expense refunded to the customer, say) starts as billed: crediting
    # it would bill more, which no correction may (rules.correction_problems).
    negative = or_(quantity < 0, amount < 0)

    def credited(value):
        return case((negative, value), else_=literal(0))

    def difference(value):
        return case((negative, literal(0)), else_=-value)

    values = {
        **{column: d.c[column] for column in _COPIED},
        "invoice_id": literal(credit_note.id), "invoice_line_id": copy_line.c.id,
        "corrects_detail_id": d.c.id, "is_open": false(), "billing_type": billing_type,
        "billed_quantity": quantity, "billed_price": price, "billed_amount": amount,
        "billed_tax": tax, "corrected_billing_type": billing_type,
        "corrected_quantity": credited(quantity), "corrected_price": price,
        "corrected_amount": credited(amount), "corrected_tax": credited(tax),
        "quantity": difference(quantity), "price": price, "amount": difference(amount),
        "tax": difference(tax), "extended_amount": difference(amount + tax)}
    rows = (select(*values.values())
            .select_from(d.join(copy_line, (copy_line.c.invoice_id == credit_note.id)
                                & (copy_line.c.corrects_line_id == d.c.invoice_line_id))
                         .outerjoin(latest, latest.c.original_id == d.c.id)
                         .outerjoin(last, last.c.id == latest.c.id))
            .where(d.c.invoice_id == original.id,
                   ~((quantity == 0) & (amount == 0) & (tax == 0)))
            .order_by(d.c.id))
    db.session.execute(insert(d).from_select(list(values), rows))


# ---------------------------------------------------------------- what should have been billed

CORRECTED_FIELDS = ("corrected_quantity", "corrected_price", "corrected_tax",
                    "corrected_billing_type")


def _problem_messages(problems: dict[str, str], billed: rules.Billed, fixed: rules.Corrected,
                      currency: str) -> dict[str, str]:
    def shown(value: Decimal) -> str:
        return plain(value.normalize())

    texts = {
        "quantity_range": _("Between 0 and the billed quantity (%(billed)s). To bill more, "
                            "bill the extra on a new invoice.", billed=shown(billed.quantity)),
        "milestone_whole": _("A milestone is credited whole: 0 credits it, %(billed)s keeps "
                             "it.", billed=shown(billed.quantity)),
        "price_range": _("Between 0 and the billed price (%(billed)s). To bill more, bill the "
                         "extra on a new invoice.", billed=shown(billed.price)),
        "tax_range": _("Between 0 and the billed tax (%(billed)s).", billed=shown(billed.tax)),
        "tax_above_amount": _("The tax cannot be larger than the corrected amount "
                              "(%(amount)s).", amount=shown(fixed.amount)),
        "bills_more": _("This would bill more than was billed: bill the extra on a new "
                        "invoice."),
    }
    return {field: texts[code] for field, code in problems.items()}


def _fixed(backing: str, billed: rules.Billed, current: rules.Corrected, changed: dict,
           rate: Decimal, currency: str) -> rules.Corrected:
    """The corrected values after the change, or ServiceError naming each field refused."""
    errors: dict[str, str] = {}
    if "corrected_quantity" in changed and changed["corrected_quantity"] is None:
        errors["corrected_quantity"] = _("Enter a quantity (0 credits the whole row).")
    _places("corrected_quantity", changed.get("corrected_quantity"), QUANTITY_PLACES, errors)
    _places("corrected_price", changed.get("corrected_price"), PRICE_PLACES, errors)
    _places("corrected_tax", changed.get("corrected_tax"), minor_units(currency), errors)
    if changed.get("corrected_billing_type", billed.billing_type) not in EDITABLE_BILLING_TYPES:
        errors["corrected_billing_type"] = _("Choose chargeable, non-chargeable or complimentary.")
    if errors:
        raise ServiceError(errors=errors)
    quantity = changed.get("corrected_quantity", current.quantity)
    price = changed.get("corrected_price", current.price)
    price = billed.price if price is None else price
    try:
        amount = check_amount(detail_amount(quantity, price, currency))
    except TooManyDecimals as error:
        raise ServiceError(_("Too many decimals."), f"corrected_{error.field}") from None
    except AmountTooLarge as error:
        raise amount_refusal(error, "corrected_quantity") from None
    if "corrected_tax" in changed:
        tax = changed["corrected_tax"]
    elif current.tax == rules.corrected_tax(billed, current.amount, rate, currency):
        tax = None  # it followed the amount: it still does
    else:
        tax = current.tax  # entered by the reviewer: kept
    fixed = rules.corrected(billed, billing_type=changed.get("corrected_billing_type",
                                                             current.billing_type),
                            quantity=quantity, price=price, tax=tax, rate=rate,
                            currency=currency)
    problems = rules.correction_problems(backing, billed, fixed)
    if problems:
        raise ServiceError(errors=_problem_messages(problems, billed, fixed, currency))
    return fixed


def _write(row, fixed: rules.Corrected) -> None:
    """The corrected values and the difference onto a corrective detail or product line."""
    diff = rules.difference(billed_of(row), fixed)
    row.corrected_quantity, row.corrected_amount = fixed.quantity, fixed.amount
    row.corrected_tax = fixed.tax
    row.quantity, row.amount, row.tax = diff.quantity, diff.amount, diff.tax
    row.extended_amount = diff.extended_amount
    if isinstance(row, InvoiceLineDetail):
        row.corrected_billing_type, row.corrected_price = fixed.billing_type, fixed.price
        row.price = fixed.price


def _for_correction(code: str) -> Invoice:
    invoice = _for_edit(code)
    if not invoice.is_credit_note:
        raise Conflict(_("%(invoice)s is an invoice, not a credit note: its details are edited "
                         "as they are.", invoice=invoice.code))
    return invoice


_AUDITED = ("description", "external_description", *CORRECTED_FIELDS, "corrected_amount")


@use_case(keeps_rows=True)
def update_correction(code: str, detail_id: int, version: int | None,
                      changes: Mapping[str, object]) -> DetailEdit:
    """Save what should have been billed for one corrective detail (or its descriptions),
    made on `version`; recompute the line and header differences."""
    invoice = _for_correction(code)
    detail = _detail_of(invoice, detail_id)
    _check_version(detail.version, version, _(
        "Someone else changed this detail after you opened it. It now shows their values; "
        "your change was not saved."))
    for field in changes:
        rule = detail_field_rule(detail.backing, field, invoice.state,
                                 invoice_type="credit_note")
        if not rule.editable:
            raise locked(field, rule.reason)
    changed = {}
    for field, value in changes.items():
        if isinstance(value, str):
            value = value.strip()
        if field == "corrected_price" and value is None or getattr(detail, field) != value:
            changed[field] = value
    if not changed:
        return DetailEdit.of(detail, detail.billing_type)
    before = {field: getattr(detail, field) for field in _AUDITED}
    for field in ("description", "external_description"):
        if field in changed:
            setattr(detail, field, changed[field])
    if changed.keys() & set(CORRECTED_FIELDS):
        line = detail.invoice_line
        fixed = _fixed(detail.backing, billed_of(detail), fixed_of(detail), changed,
                       line.tax_rate, invoice.currency)
        _write(detail, fixed)
    db.session.flush()
    _recalculate(invoice)
    audit.record_changes(invoice.code, audit.target("detail", detail.id, detail.description
                                                    or detail.external_description),
                         {f: (_shown(before[f]), _shown(getattr(detail, f))) for f in _AUDITED
                          if f in changed or f == "corrected_amount"})
    return DetailEdit.of(detail, detail.billing_type)


def _shown(value):
    return plain(value.normalize()) if isinstance(value, Decimal) else value


@use_case(keeps_rows=True)
def correct_product_line(code: str, line_id: int, version: int | None,
                         quantity: Decimal | None) -> InvoiceLine:
    """Save the quantity a product line should have billed (0..billed) at its price."""
    invoice = _for_correction(code)
    line = _line_of(invoice, line_id)
    _check_version(line.version, version, _(
        "Someone else changed this line after you opened it. It now shows the current "
        "values; your change was not saved."))
    rule = line_field_rule("corrected_quantity", invoice.state,
                           billing_method=line.billing_method, invoice_type="credit_note")
    if not rule.editable:
        raise locked("corrected_quantity", rule.reason)
    if quantity == line.corrected_quantity:
        return line
    before = line.corrected_quantity
    fixed = _fixed("product", billed_of(line), fixed_of(line), {"corrected_quantity": quantity},
                   line.tax_rate, invoice.currency)
    _write(line, fixed)
    db.session.flush()
    _recalculate(invoice)
    audit.record_changes(invoice.code, audit.target("line", line.id, line.name),
                         {"corrected_quantity": (_shown(before), _shown(fixed.quantity))})
    return line

