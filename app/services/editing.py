"""Inline editing of a draft or in-review invoice (SPEC 5.2-5.4, 6): one use case per edit.

Every use case locks the invoice row, checks that the invoice may be edited, compares the
version the edit was made on with the row's, refuses any field that app.billing.editability
locks, applies the SPEC 5.4 computations and brings the line and header totals up to date.
An edit or a new detail applies its own delta to its line and the header
(invoicing.apply_detail_change: the cost does not grow with the invoice's details); the
totals are written without bumping the invoice's or the line's version, so only the same
row (or the same header field) changing under a person is a conflict (issue 17). When
anything is refused, nothing is written (one transaction per use case).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.billing.corrections import FreightOutOfRange
from app.billing.editability import (CORRECTION_HEADER_EDITABLE_FIELDS, HEADER_EDITABLE_FIELDS,
                                     detail_field_rule,
                                     editable_detail_fields, header_field_rule,
                                     line_field_rule)
from app.billing.pricing import price_field
from app.billing.enums import CHARGEABLE, COMPLIMENTARY, NON_CHARGEABLE, TRANSACTION_CLASSES
from app.billing.money import PERCENT_PLACES, PRICE_PLACES, QUANTITY_PLACES, minor_units, plain
from app.billing.totals import (AmountTooLarge, DetailValues, DiscountOutOfRange,
                                NegativeFreight, TooManyDecimals, TotalsError, check_amount,
                                default_tax, detail_amount, detail_value_problems,
                                extended_amount)
from app.billing.values import (MAX_DATE, MIN_DATE, fits, is_country, is_email, plausible_date,
                                too_large)
from app.extensions import db
from app.models import (Category, ContractLineClass, Invoice, InvoiceLine, InvoiceLineDetail,
                        Product, Resource, Role, Task, Unit)
from app.services import Conflict, NotFound, ServiceError, audit, use_case
from app.services import lifecycle
from app.services.pricing import list_price
from app.terms import FIELD_LABELS
from app.services.invoicing import amount_refusal, apply_detail_change, recalculate
from app.services.lifecycle import InvoiceNotFound, check_action

# The billing types a reviewer may choose; not_available never reaches an invoice.
EDITABLE_BILLING_TYPES = (CHARGEABLE, NON_CHARGEABLE, COMPLIMENTARY)
PRODUCT_CHOICES = ("existing", "write_in")

# The reason codes of app.billing.editability.Rule, as the person reads them.
REASON_TEXTS = {
    "invoice_locked": _l("the invoice is no longer a draft or in review."),
    "from_actual": _l("it is taken from the actual."),
    "from_milestone": _l("it is taken from the milestone."),
    "computed": _l("it is computed from other values."),
    "header": _l("it comes from the invoice header."),
    "fixed": _l("it is set by the system."),
    "set_at_creation": _l("it was chosen when the detail was created."),
    "not_for_class": _l("it does not apply to a detail of this transaction class."),
    "billed": _l("it is what was billed; enter what should have been billed instead."),
    "whole": _l("a milestone is credited whole (corrected quantity 0) or not at all."),
    "from_original": _l("a credit note keeps what the invoice it corrects says."),
}

class DetailNotFound(NotFound):
    """The detail is not (or no longer) on the invoice."""


def locked(field: str, reason: str | None) -> ServiceError:
    """The refusal of a field that app.billing.editability locks."""
    return ServiceError(locked_message(field, reason), field)


def locked_message(field: str, reason: str | None) -> str:
    """“Quantity cannot be changed: it is taken from the actual.”"""
    return _("%(field)s cannot be changed: %(reason)s", field=FIELD_LABELS.get(field, field),
             reason=REASON_TEXTS.get(reason or "fixed", REASON_TEXTS["fixed"]))


@dataclass(frozen=True)
class DetailEdit:
    """What an edit of a detail changed: the rows to show again, by id (the session keeps
    the committed rows, so the answer finds them without reading them again)."""

    invoice_id: int
    line_id: int
    detail_id: int
    billing_type: str | None  # None once removed
    previous_billing_type: str | None  # None for a new detail

    @classmethod
    def of(cls, detail: InvoiceLineDetail, previous: str | None, *, removed: bool = False):
        return cls(detail.invoice_id, detail.invoice_line_id, detail.id,
                   None if removed else detail.billing_type, previous)

    @property
    def moved(self) -> bool:
        """True when the detail now belongs to another billing-type group."""
        return self.previous_billing_type != self.billing_type


# ---------------------------------------------------------------- loading under lock

def _locked_invoice(code: str) -> Invoice:
    """The invoice, locked, with what the database holds now (not what the session cached)."""
    invoice = db.session.scalars(
        select(Invoice).where(Invoice.code == code).with_for_update()
        .execution_options(populate_existing=True)).first()
    if invoice is None:
        raise InvoiceNotFound(_("unknown invoice '%(code)s'", code=code))
    return invoice


def _for_edit(code: str) -> Invoice:
    invoice = _locked_invoice(code)
    check_action(invoice, "edit")
    return invoice


def _detail_of(invoice: Invoice, detail_id: int) -> InvoiceLineDetail:
    # With its line (which the edit recomputes); only the detail row is locked.
    detail = db.session.scalars(
        select(InvoiceLineDetail).where(InvoiceLineDetail.id == detail_id,
                                        InvoiceLineDetail.invoice_id == invoice.id)
        .options(joinedload(InvoiceLineDetail.invoice_line, innerjoin=True))
        .with_for_update(of=InvoiceLineDetail).execution_options(populate_existing=True)).first()
    if detail is None:
        raise DetailNotFound(_("This detail is no longer on invoice %(invoice)s; someone else "
                               "removed it.", invoice=invoice.code))
    return detail


def _line_of(invoice: Invoice, line_id: int) -> InvoiceLine:
    line = db.session.scalars(
        select(InvoiceLine).where(InvoiceLine.id == line_id, InvoiceLine.invoice_id == invoice.id)
        .execution_options(populate_existing=True)).first()
    if line is None:
        raise NotFound(_("%(invoice)s has no line %(line)s.", invoice=invoice.code, line=line_id))
    return line


def _check_version(current: int, posted: int | None, message: str) -> None:
    if posted is None or int(posted) != current:
        raise Conflict(message)


# ---------------------------------------------------------------- details

_REFERENCES = {"task": ("task_id", Task), "category": ("category_id", Category),
               "role": ("role_id", Role), "resource": ("resource_id", Resource),
               "unit": ("unit_id", Unit), "product": ("product_id", Product)}
_OPTIONAL_TEXT = ("product_name", "write_in_description")


# What the audit trail records of a detail: the columns an edit can change, by field name.
_AUDITED = ("billing_type", "description", "external_description", "start_date", "task_id",
            "category_id", "role_id", "resource_id", "unit_id", "quantity", "price", "amount",
            "tax", "extended_amount", "product_choice", "product_id", "product_name",
            "write_in_description")


def _audited(detail: InvoiceLineDetail) -> dict:
    return {column.removesuffix("_id"): getattr(detail, column) for column in _AUDITED}


def _audit_changes(invoice: Invoice, target: str, before: dict, after: dict) -> None:
    """One audit entry per value that changed (7.5000 and 7.5 are the same value)."""
    def shown(value):
        return plain(value.normalize()) if isinstance(value, Decimal) else value

    audit.record_changes(invoice.code, target, {f: (shown(before[f]), shown(after[f]))
                                                for f in before if before[f] != after[f]})


def _current(detail: InvoiceLineDetail, field: str):
    if field in _REFERENCES:
        return getattr(detail, _REFERENCES[field][0])
    if field == "unit_schedule":
        return detail.unit.schedule_id if detail.unit_id else None
    return getattr(detail, field)


def _normalise(field: str, value):
    """Blank optional text is stored as NULL; other text is kept as typed, trimmed."""
    if isinstance(value, str):
        value = value.strip()
        if field in _OPTIONAL_TEXT and not value:
            return None
    return value


def _refuse_locked(backing: str, state: str, fields, *, transaction_class: str | None,
                   creating: bool = False, invoice_type: str = "invoice") -> None:
    for field in fields:
        rule = detail_field_rule(backing, field, state, creating=creating,
                                 transaction_class=transaction_class, invoice_type=invoice_type)
        if not rule.editable:
            raise locked(field, rule.reason)


def _check_references(detail: InvoiceLineDetail, line: InvoiceLine, changed: dict,
                      errors: dict) -> None:
    """Chosen rows exist; the task belongs to the line's project; the unit fits its schedule."""
    for field, (_column, model) in _REFERENCES.items():
        value = changed.get(field)
        if value is None:
            continue
        row = db.session.get(model, value)
        if row is None:
            errors[field] = _("Choose a value from the list.")
        elif field == "task" and row.project_id != line.project_id:
            errors[field] = _("Choose a task of this line's project.")
    if changed.get("unit_schedule") is not None:  # blank: the schedule follows the unit
        unit_id = changed.get("unit", detail.unit_id)
        unit = db.session.get(Unit, unit_id) if unit_id is not None else None
        if unit is None or unit.schedule_id != changed["unit_schedule"]:
            errors["unit_schedule"] = _("Choose a unit of this unit schedule.")
    if "billing_type" in changed and changed["billing_type"] not in EDITABLE_BILLING_TYPES:
        errors["billing_type"] = _("Choose chargeable, non-chargeable or complimentary.")
    if "product_choice" in changed and changed["product_choice"] not in (None, *PRODUCT_CHOICES):
        errors["product_choice"] = _("Choose an existing product or a write-in product.")


def _places(field: str, value: Decimal | None, places: int, errors: dict) -> None:
    if value is None:
        return
    if not fits(value, places):
        errors[field] = _("At most %(places)s decimals.", places=places)
    elif too_large(value):
        errors[field] = _("This number is too large.")


def _plausible(field: str, value, errors: dict) -> None:
    """A date within app.billing.values' range (the same message as every other form)."""
    if not plausible_date(value):
        errors[field] = _("Enter a date between %(earliest)s and %(latest)s.",
                          earliest=MIN_DATE.isoformat(), latest=MAX_DATE.isoformat())


def _apply(invoice: Invoice, line: InvoiceLine, detail: InvoiceLineDetail, changed: dict, *,
           creating: bool = False) -> None:
    """Write the changed values onto the detail and compute amount, tax and extended amount
    (SPEC 5.4); raise ServiceError, having written nothing that will be committed."""
    currency = invoice.currency
    errors: dict[str, str] = {}
    _check_references(detail, line, changed, errors)
    _places("quantity", changed.get("quantity"), QUANTITY_PLACES, errors)
    _places("price", changed.get("price"), PRICE_PLACES, errors)
    _places("tax", changed.get("tax"), minor_units(currency), errors)
    if "quantity" in changed and changed["quantity"] is None:
        errors["quantity"] = _("Enter a quantity.")
    if changed.get("start_date") is not None:
        _plausible("start_date", changed["start_date"], errors)
    if errors:
        raise ServiceError(errors=errors)

    old_amount, old_tax = detail.amount, detail.tax
    for field, value in changed.items():
        if field in ("unit_schedule", "price", "tax"):
            continue  # the schedule follows the unit; price and tax are computed below
        setattr(detail, _REFERENCES[field][0] if field in _REFERENCES else field, value)
    # A product is chosen only for an existing product (SPEC 5.4).
    if detail.product_choice != "existing":
        if changed.get("product") is not None:
            raise ServiceError(_("Choose “Existing product” before a product."), "product")
        detail.product_id = None

    if detail.backing == "none":
        price = changed.get("price", detail.price if not creating else None)
        if price is None:
            price = _default_price(invoice, detail)
        detail.price = price
        try:
            detail.amount = check_amount(detail_amount(detail.quantity, price, currency))
        except TooManyDecimals as error:
            raise ServiceError(_("Too many decimals."), error.field) from None
        except AmountTooLarge as error:
            raise amount_refusal(error, "quantity") from None
        if too_large(detail.amount):
            raise ServiceError(_("The amount would be too large."), "quantity")
        follows_default = creating or old_tax == default_tax(old_amount, line.tax_rate, currency)
        if "tax" in changed:
            detail.tax = (changed["tax"] if changed["tax"] is not None
                          else default_tax(detail.amount, line.tax_rate, currency))
        elif follows_default:
            # A tax that was the default follows the amount; an entered one is kept.
            detail.tax = default_tax(detail.amount, line.tax_rate, currency)
    elif "tax" in changed:
        detail.tax = changed["tax"] if changed["tax"] is not None else _backing_tax(detail)
    if creating or changed.keys() & {"quantity", "price", "tax"}:
        _refuse_senseless(detail, currency)
    try:
        detail.extended_amount = extended_amount(detail.amount, detail.tax)
    except AmountTooLarge as error:
        raise amount_refusal(error, "tax") from None


def _refuse_senseless(detail: InvoiceLineDetail, currency: str) -> None:
    """Values a reviewer would never mean (app.billing.totals.detail_value_problems)."""
    problems = detail_value_problems(detail.backing, detail.quantity, detail.price,
                                     detail.amount, detail.tax)
    messages = {
        "negative": _("Cannot be negative."),
        "tax_negative": _("Cannot be negative."),
        "tax_above_amount": _("The tax cannot be larger than the amount (%(amount)s).",
                              amount=plain(detail.amount.quantize(Decimal(1).scaleb(
                                  -minor_units(currency))))),
    }
    if problems:
        raise ServiceError(errors={field: messages[code] for field, code in problems.items()})


def _default_price(invoice: Invoice, detail: InvoiceLineDetail) -> Decimal:
    """Price left blank: the product's price, else the price list's for the role/category."""
    if detail.product_choice == "existing" and detail.product_id is not None:
        return db.session.get(Product, detail.product_id).price
    price = list_price(invoice.price_list_id, detail.transaction_class, detail.role_id,
                       detail.category_id, detail.unit_id)
    if price is None:
        what = _("role") if price_field(detail.transaction_class) == "role" else _("category")
        raise ServiceError(_("The price list has no price for this %(what)s and unit: enter a "
                             "price.", what=what), "price")
    return price


def _backing_tax(detail: InvoiceLineDetail) -> Decimal:
    """Tax left blank on a backed detail: the tax of what backs it."""
    if detail.actual is not None:
        return detail.actual.tax
    return detail.milestone.tax


def _recalculate(invoice: Invoice) -> None:
    """Line and header totals; a total the change would make invalid refuses the change."""
    try:
        recalculate(invoice)
    except TotalsError as error:
        raise _totals_refusal(error) from None


def _values(detail: InvoiceLineDetail) -> DetailValues:
    return DetailValues(detail.billing_type, detail.amount, detail.tax)


def _apply_change(invoice: Invoice, line: InvoiceLine, before: DetailValues | None,
                  detail: InvoiceLineDetail) -> None:
    """The line and header totals after one detail's edit, from its delta (no re-sum of the
    invoice's details: the cost of an edit does not grow with them); a total the change
    would make invalid refuses the change."""
    try:
        apply_detail_change(invoice, line, before, _values(detail))
    except TotalsError as error:
        raise _totals_refusal(error) from None


def _totals_refusal(error: TotalsError) -> ServiceError:
    if isinstance(error, DiscountOutOfRange):
        return ServiceError(_(
            "This change would leave the discount larger than the detail amount. Lower the "
            "discount on the invoice header first."))
    return ServiceError(str(error))


@use_case(keeps_rows=True)
def update_detail(code: str, detail_id: int, version: int | None,
                  changes: Mapping[str, object]) -> DetailEdit:
    """Save an edit of one detail made on `version`; recompute its line and the header."""
    invoice = _for_edit(code)
    detail = _detail_of(invoice, detail_id)
    _check_version(detail.version, version, _(
        "Someone else changed this detail after you opened it. It now shows their values; "
        "your change was not saved."))
    state = invoice.state
    # A credit note's billed values are locked here: what should have been billed is
    # app.services.corrections.update_correction's.
    _refuse_locked(detail.backing, state, changes, transaction_class=detail.transaction_class,
                   invoice_type=invoice.invoice_type)
    changed = {}
    for field, value in changes.items():
        value = _normalise(field, value)
        if field in ("price", "tax") and value is None or _current(detail, field) != value:
            changed[field] = value
    line = detail.invoice_line
    previous = detail.billing_type
    if changed:
        before = _audited(detail)
        counted = _values(detail)
        _apply(invoice, line, detail, changed)
        db.session.flush()
        _apply_change(invoice, line, counted, detail)
        after = _audited(detail)
        # Only what the reviewer changed: the amounts it recomputes are not edits of their own.
        _audit_changes(invoice, audit.target("detail", detail.id, detail.description
                                             or detail.external_description),
                       {f: before[f] for f in changed if f in before}, after)
    return DetailEdit.of(detail, previous)


def line_classes(line: InvoiceLine) -> list[str]:
    """The transaction classes the line's contract line includes (SPEC 5.4 "New")."""
    chosen = set(db.session.scalars(
        select(ContractLineClass.transaction_class)
        .where(ContractLineClass.contract_line_id == line.contract_line_id)))
    return [c for c in TRANSACTION_CLASSES if c in chosen]


@use_case(keeps_rows=True)
def add_detail(code: str, line_id: int, transaction_class: str | None,
               values: Mapping[str, object]) -> DetailEdit:
    """A new detail backed by nothing on a time-and-material line (SPEC 5.4)."""
    invoice = _for_edit(code)
    line = _line_of(invoice, line_id)
    state = invoice.state
    if invoice.is_credit_note:
        raise Conflict(_("A credit note takes no new details: it corrects what its invoice "
                         "billed. Bill something new on an invoice."))
    if line.billing_method != "time_and_material":
        raise ServiceError(_("New details can only be added to time-and-material lines."))
    if transaction_class not in line_classes(line):
        raise ServiceError(_("Choose one of the transaction classes this contract line "
                             "includes."), "transaction_class")
    _refuse_locked("none", state, values, creating=True, transaction_class=transaction_class)
    allowed = editable_detail_fields("none", state, creating=True,
                                     transaction_class=transaction_class)
    values = {f: _normalise(f, v) for f, v in values.items() if f in allowed}
    errors = {}
    if not values.get("description"):
        errors["description"] = _("Describe what is billed.")
    if values.get("quantity") is None:
        errors["quantity"] = _("Enter a quantity.")
    if errors:
        raise ServiceError(errors=errors)
    if not values.get("external_description"):
        values["external_description"] = values["description"]
    values.setdefault("billing_type", CHARGEABLE)
    detail = InvoiceLineDetail(invoice_id=invoice.id, invoice_line=line,
                               transaction_class=transaction_class,
                               transaction_type="billed_sales", project_id=line.project_id,
                               quantity=Decimal(0), price=Decimal(0), amount=Decimal(0),
                               tax=Decimal(0), extended_amount=Decimal(0))
    # Not yet in the session: a refused value must leave no half-made row behind.
    with db.session.no_autoflush:
        _apply(invoice, line, detail, values, creating=True)
    db.session.add(detail)
    db.session.flush()
    _apply_change(invoice, line, None, detail)
    audit.record(invoice.code, "add_detail", field="transaction_class", new=transaction_class,
                 target=audit.target("detail", detail.id, detail.description))
    return DetailEdit.of(detail, None)


@use_case
def delete_detail(code: str, detail_id: int, version: int | None) -> DetailEdit:
    """Remove a detail the reviewer saw at `version`; its actual or milestone returns to ready."""
    invoice = _for_edit(code)
    detail = _detail_of(invoice, detail_id)
    _check_version(detail.version, version, _(
        "Someone else changed this detail after you opened it. It now shows their values; "
        "it was not removed."))
    edit = DetailEdit.of(detail, detail.billing_type, removed=True)
    try:
        lifecycle.remove_detail(invoice, detail)
    except TotalsError as error:  # e.g. a fixed discount larger than what is left
        raise _totals_refusal(error) from None
    return edit


class LineNotFound(NotFound):
    """The invoice line is not (or no longer) on the invoice."""


@use_case
def remove_product_line(code: str, line_id: int) -> str:
    """Take a product line off a draft or in-review invoice; its product contract line is
    ready to invoice again (SPEC 5.3). Returns the line's name."""
    invoice = _for_edit(code)
    line = db.session.scalars(
        select(InvoiceLine).where(InvoiceLine.id == line_id, InvoiceLine.invoice_id == invoice.id)
        .with_for_update().execution_options(populate_existing=True)).first()
    if line is None:
        raise LineNotFound(_("This line is no longer on invoice %(invoice)s; someone else "
                             "removed it.", invoice=invoice.code))
    if line.billing_method != "product":
        # SPEC 5.1: every time-and-material and fixed-price line has its invoice line.
        raise Conflict(_("Only product lines can be removed from an invoice."))
    name = line.name
    lifecycle.remove_product_line(invoice, line)
    _recalculate(invoice)
    return name


# ---------------------------------------------------------------- header and lines

_REQUIRED_TEXT = ("name", "bill_to_name", "bill_to_email", "bill_to_street",
                  "bill_to_postal_code", "bill_to_city", "bill_to_country")
_HEADER_MONEY = ("discount_amount", "freight_amount", "corrected_freight_amount")


def _header_errors(invoice: Invoice, changed: dict) -> dict[str, str]:
    errors = {}
    for field in _REQUIRED_TEXT:
        if field in changed and not changed[field]:
            errors[field] = _("This field is required.")
    if changed.get("bill_to_country") and not is_country(changed["bill_to_country"]):
        errors["bill_to_country"] = _("Two capital letters (ISO 3166), e.g. DK or MY.")
    if changed.get("bill_to_email") and not is_email(changed["bill_to_email"]):
        errors["bill_to_email"] = _("Not an e-mail address.")
    for field in ("invoice_date", "due_date"):
        if field in changed and changed[field] is None:
            errors[field] = _("Enter a date.")
        elif changed.get(field) is not None:
            _plausible(field, changed[field], errors)
    for field in _HEADER_MONEY:
        _places(field, changed.get(field), minor_units(invoice.currency), errors)
        if changed.get(field) is not None and changed[field] < 0:
            errors[field] = _("Cannot be negative.")
    _places("discount_percent", changed.get("discount_percent"), PERCENT_PLACES, errors)
    percent = changed.get("discount_percent")
    if percent is not None and not 0 <= percent <= 100:
        errors["discount_percent"] = _("Between 0 and 100.")
    return errors


@use_case(keeps_rows=True)
def update_header(code: str, version: int | None, changes: Mapping[str, object]) -> Invoice:
    """Save an edit of the header made on `version` and recompute the header totals (SPEC 6)."""
    invoice = _for_edit(code)
    _check_version(invoice.version, version, _(
        "Someone else changed this invoice after you opened it. The header now shows the "
        "current values; your change was not saved."))
    state = invoice.state
    for field in changes:
        rule = header_field_rule(field, state, invoice_type=invoice.invoice_type)
        if not rule.editable:
            raise locked(field, rule.reason)
    changed = {}
    for field, value in changes.items():
        value = value.strip() if isinstance(value, str) else value
        if field == "bill_to_country" and isinstance(value, str):
            value = value.upper()
        if field in _HEADER_MONEY and value is None:
            value = Decimal(0)
        if getattr(invoice, field) != value:
            changed[field] = value
    errors = _header_errors(invoice, changed)
    invoice_date = changed.get("invoice_date", invoice.invoice_date)
    due_date = changed.get("due_date", invoice.due_date)
    if not errors and due_date < invoice_date:
        errors["due_date" if "due_date" in changed else "invoice_date"] = _(
            "The due date cannot be before the invoice date.")
    if errors:
        raise ServiceError(errors=errors)
    if not changed:
        return invoice
    audited = (CORRECTION_HEADER_EDITABLE_FIELDS if invoice.is_credit_note
               else HEADER_EDITABLE_FIELDS)
    before = {field: getattr(invoice, field) for field in audited}
    for field, value in changed.items():
        setattr(invoice, field, value)
    # An amount typed in replaces the percent; a percent computes the amount.
    if "discount_amount" in changed and "discount_percent" not in changed:
        invoice.discount_percent = None
    try:
        recalculate(invoice)
    except DiscountOutOfRange as error:
        raise ServiceError(_("The discount must be between 0 and the detail amount."),
                           error.field if error.field in changes else "discount_amount") from None
    except NegativeFreight:
        raise ServiceError(_("Cannot be negative."), "freight_amount") from None
    except FreightOutOfRange:
        raise ServiceError(_("Between 0 and the billed freight (%(billed)s).",
                             billed=plain(invoice.billed_freight_amount.quantize(
                                 Decimal(1).scaleb(-minor_units(invoice.currency))))),
                           "corrected_freight_amount") from None
    _audit_changes(invoice, "header", {f: before[f] for f in changed},
                   {f: getattr(invoice, f) for f in audited})
    return invoice


@use_case(keeps_rows=True)
def rename_line(code: str, line_id: int, version: int | None, name: str | None) -> InvoiceLine:
    """Rename an invoice line (SPEC 5.3: the only editable line field)."""
    invoice = _for_edit(code)
    line = _line_of(invoice, line_id)
    _check_version(line.version, version, _(
        "Someone else changed this line after you opened it. It now shows the current "
        "values; your change was not saved."))
    rule = line_field_rule("name", invoice.state, billing_method=line.billing_method,
                           invoice_type=invoice.invoice_type)
    if not rule.editable:
        raise locked("name", rule.reason)
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("This field is required."), "name")
    if len(name) > 200:
        raise ServiceError(_("At most %(max)s characters.", max=200), "name")
    audit.record_changes(invoice.code, audit.target("line", line.id, name),
                         {"name": (line.name, name)})
    line.name = name
    return line


@dataclass(frozen=True)
class Recalculated:
    invoice: Invoice
    changed: bool


@use_case
def recalculate_invoice(code: str) -> Recalculated:
    """Recompute every total from the details (SPEC 5.6); say whether anything changed."""
    invoice = _locked_invoice(code)
    check_action(invoice, "recalculate")
    before = _totals_of(invoice)
    recalculate(invoice)
    db.session.flush()
    changed = _totals_of(invoice) != before
    if changed:
        audit.record(invoice.code, "recalculate", old=before[-1], new=invoice.total_amount)
    return Recalculated(invoice, changed)


def _totals_of(invoice: Invoice) -> tuple:
    lines = db.session.execute(select(InvoiceLine.id, InvoiceLine.amount, InvoiceLine.tax)
                               .where(InvoiceLine.invoice_id == invoice.id)
                               .order_by(InvoiceLine.id)).all()
    return (tuple(map(tuple, lines)), invoice.detail_amount, invoice.discount_amount,
            invoice.pre_freight_amount, invoice.total_tax, invoice.total_amount)
