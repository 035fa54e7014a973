"""Forms of the invoice pages: the list filters, and one FlaskForm per editing use case.

The editing forms accept exactly the fields app.billing.editability leaves open for the row
(the same rule the template uses to draw inputs or text). A field the rule locks that is
posted anyway is refused with a message naming it; a field that is not posted is left as it
is, so one cell can be saved on its own.
"""

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from app import labels
from app.billing.editability import (CORRECTION_DETAIL_FIELDS, CORRECTION_HEADER_FIELDS,
                                     DETAIL_FIELDS, HEADER_FIELDS, LINE_FIELDS,
                                     detail_field_rule, editable_detail_fields,
                                     header_field_rule, line_field_rule)
from app.billing.enums import TRANSACTION_CLASSES
from app.billing.money import PERCENT_PLACES, PRICE_PLACES, QUANTITY_PLACES, minor_units
from app.extensions import db
from app.models import Contract, Customer
from app.services import ROW
from app.services.editing import locked_message
from app.web.forms import (REQUIRED, AppForm, DecimalField, FilterForm, IdField, Length,
                           choices)

# ---------------------------------------------------------------- the invoice list

SORTS = {
    "-date": _l("Newest first"), "date": _l("Oldest first"),
    "-amount": _l("Largest amount first"), "amount": _l("Smallest amount first"),
}


class InvoiceFilterForm(FilterForm):
    status = SelectField(_l("Status"), choices=choices(labels.INVOICE_STATUSES, _l("All statuses")))
    project_invoice_status = SelectField(
        _l("Project invoice status"),
        choices=choices(labels.PROJECT_INVOICE_STATUSES, _l("All project invoice statuses")))
    customer = SelectField(_l("Customer"), choices=[])
    contract = SelectField(_l("Contract"), choices=[])
    invoice_type = SelectField(_l("Type"), choices=choices(labels.INVOICE_TYPES, _l("All types")))
    sort = SelectField(_l("Sort"), choices=[SelectChoice(k, v) for k, v in SORTS.items()],
                       default="-date")


def fill_customer_choices(field: SelectField) -> None:
    """Offer every customer, by id."""
    customers = db.session.execute(select(Customer.id, Customer.name)
                                   .order_by(Customer.name, Customer.id)).all()
    field.choices = choices(((str(c.id), c.name) for c in customers), _l("All customers"))


def fill_contract_choices(field: SelectField) -> None:
    """Offer every contract, by number."""
    contracts = db.session.execute(select(Contract.number, Contract.name)
                                   .order_by(Contract.number)).all()
    field.choices = choices(((c.number, f"{c.number} · {c.name}") for c in contracts),
                            _l("All contracts"))


class _PartialForm(AppForm):
    """A form that validates only the editable fields that were posted, and reports any
    posted field that the editability rule locks."""

    FIELDS: tuple[str, ...] = ()

    def __init__(self, formdata, *, editable: frozenset[str], rule, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        sent = set(formdata.keys()) & set(self.FIELDS)
        self.editable = editable
        self.locked = {field: rule(field) for field in sorted(sent - editable)}
        for name in self.FIELDS:
            if name in self._fields and name not in editable & sent:
                del self[name]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return valid and not self.locked

    def messages(self) -> dict[str, str]:
        """One message per field (ROW for the form as a whole), locked fields included."""
        found = {field: locked_message(field, rule.reason) for field, rule in self.locked.items()}
        for name, errors in self.errors.items():
            if errors:
                found.setdefault(name if name in self.FIELDS else ROW, str(errors[0]))
        return found

    def changes(self) -> dict:
        """The posted editable values, parsed."""
        return {name: self[name].data for name in self.FIELDS if name in self._fields}


# ---------------------------------------------------------------- details

class DetailForm(_PartialForm):
    """One detail row (SPEC 5.4)."""

    FIELDS = DETAIL_FIELDS

    version = IntegerField(validators=[InputRequired()])
    description = StringField(validators=[Length(max=2000)])
    external_description = StringField(validators=[Length(max=2000)])
    billing_type = StringField(validators=[Length(max=20)])
    start_date = DateField(validators=[Optional()])
    task = IdField()
    category = IdField()
    role = IdField()
    resource = IdField()
    unit = IdField()
    unit_schedule = IdField()
    product_choice = StringField(validators=[Length(max=10)])
    product = IdField()
    product_name = StringField(validators=[Length(max=200)])
    write_in_description = StringField(validators=[Length(max=2000)])
    # A refused number quotes what was typed: the row is drawn again with the saved value.
    quantity = DecimalField(places=QUANTITY_PLACES, required=True, quote=True)
    price = DecimalField(places=PRICE_PLACES, quote=True)
    tax = DecimalField(quote=True)  # the currency's decimals, set per invoice

    def __init__(self, formdata, *, backing: str, state: str, currency: str,
                 transaction_class: str | None, creating: bool = False, **kwargs):
        # A field of another class (a category on a time row) is refused like a locked one.
        if transaction_class not in TRANSACTION_CLASSES + ("milestone",):
            transaction_class = None  # not chosen yet: the use case refuses it

        def rule(field):
            return detail_field_rule(backing, field, state, creating=creating,
                                     transaction_class=transaction_class)

        super().__init__(
            formdata, editable=editable_detail_fields(backing, state, creating=creating,
                                                      transaction_class=transaction_class),
            rule=rule, **kwargs)
        if "tax" in self._fields:
            self.tax.places = minor_units(currency)

    def changes(self) -> dict:
        values = super().changes()
        for name in ("billing_type", "product_choice"):
            if name in values:
                values[name] = values[name] or None
        return values


class CorrectionForm(_PartialForm):
    """One corrective detail of a credit note (issue 14): what should have been billed.
    Every billed value is locked (app.billing.editability, invoice_type="credit_note")."""

    FIELDS = CORRECTION_DETAIL_FIELDS

    version = IntegerField(validators=[InputRequired()])
    description = StringField(validators=[Length(max=2000)])
    external_description = StringField(validators=[Length(max=2000)])
    corrected_quantity = DecimalField(places=QUANTITY_PLACES, required=True, quote=True)
    corrected_price = DecimalField(places=PRICE_PLACES, quote=True)  # blank: the billed price
    corrected_tax = DecimalField(quote=True)  # blank: follows the amount
    corrected_billing_type = StringField(validators=[Length(max=20)])

    def __init__(self, formdata, *, backing: str, state: str, currency: str, **kwargs):
        def rule(field):
            return detail_field_rule(backing, field, state, invoice_type="credit_note")

        super().__init__(formdata, editable=editable_detail_fields(
            backing, state, invoice_type="credit_note"), rule=rule, **kwargs)
        if "corrected_tax" in self._fields:
            self.corrected_tax.places = minor_units(currency)


class NewDetailForm(DetailForm):
    """A detail backed by nothing, added by the reviewer on a time-and-material line."""

    version = None
    transaction_class = StringField(validators=[Length(max=10)])

    def __init__(self, formdata, *, state: str, currency: str, **kwargs):
        super().__init__(formdata, backing="none", state=state, currency=currency,
                         transaction_class=formdata.get("transaction_class"), creating=True,
                         **kwargs)

    def changes(self) -> dict:
        values = super().changes()
        values.pop("transaction_class", None)  # given to the use case on its own
        return values


# ---------------------------------------------------------------- header and lines

class HeaderForm(_PartialForm):
    """The editable header fields of SPEC 5.2."""

    FIELDS = HEADER_FIELDS

    version = IntegerField(validators=[InputRequired()])
    name = StringField(validators=[Length(max=200)])
    description = TextAreaField(validators=[Length(max=5000)])
    bill_to_name = StringField(validators=[Length(max=200)])
    bill_to_email = StringField(validators=[Length(max=254)])
    bill_to_street = StringField(validators=[Length(max=200)])
    bill_to_postal_code = StringField(validators=[Length(max=20)])
    bill_to_city = StringField(validators=[Length(max=100)])
    bill_to_country = StringField(validators=[Length(max=2)])
    invoice_date = DateField(validators=[Optional()])
    due_date = DateField(validators=[Optional()])
    discount_percent = DecimalField(places=PERCENT_PLACES, quote=True)
    discount_amount = DecimalField(quote=True)  # the currency's decimals, set per invoice
    freight_amount = DecimalField(quote=True)

    def __init__(self, formdata, *, state: str, currency: str, invoice_type: str = "invoice",
                 **kwargs):
        def rule(field):
            return header_field_rule(field, state, invoice_type=invoice_type)
        editable = frozenset(f for f in self.FIELDS if rule(f).editable)
        super().__init__(formdata, editable=editable, rule=rule, **kwargs)
        for name in ("discount_amount", "freight_amount", "corrected_freight_amount"):
            if name in self._fields:
                self[name].places = minor_units(currency)


class CorrectionHeaderForm(HeaderForm):
    """A credit note's header: its name, texts, dates and the freight that should have been
    billed; the bill-to and discount stay its original's (refused when posted)."""

    FIELDS = CORRECTION_HEADER_FIELDS

    corrected_freight_amount = DecimalField(quote=True)  # the currency's decimals

    def __init__(self, formdata, *, state: str, currency: str, **kwargs):
        super().__init__(formdata, state=state, currency=currency, invoice_type="credit_note",
                         **kwargs)


def header_form(invoice, formdata) -> HeaderForm:
    """The header form of an invoice or of a credit note."""
    form = CorrectionHeaderForm if invoice.is_credit_note else HeaderForm
    return form(formdata, state=invoice.state, currency=invoice.currency)


class LineForm(_PartialForm):
    """The name of an invoice line, the one line field that can be edited (SPEC 5.3)."""

    FIELDS = LINE_FIELDS

    version = IntegerField(validators=[InputRequired()])
    name = StringField(validators=[Length(max=200)])

    def __init__(self, formdata, *, state: str, billing_method: str,
                 invoice_type: str = "invoice", **kwargs):
        def rule(field):
            return line_field_rule(field, state, billing_method=billing_method,
                                   invoice_type=invoice_type)
        editable = frozenset(f for f in LINE_FIELDS if rule(f).editable)
        super().__init__(formdata, editable=editable, rule=rule, **kwargs)


class LineCorrectionForm(_PartialForm):
    """The quantity a credit note's product line should have billed (0..billed)."""

    FIELDS = ("corrected_quantity",)

    version = IntegerField(validators=[InputRequired()])
    corrected_quantity = DecimalField(places=QUANTITY_PLACES, required=True, quote=True)

    def __init__(self, formdata, *, state: str, **kwargs):
        def rule(field):
            return line_field_rule(field, state, billing_method="product",
                                   invoice_type="credit_note")
        editable = frozenset(f for f in self.FIELDS if rule(f).editable)
        super().__init__(formdata, editable=editable, rule=rule, **kwargs)


class ReopenPaidForm(AppForm):
    """Why a paid invoice goes back to confirmed (kept in the history)."""

    reason = TextAreaField(_l("Reason"), validators=[InputRequired(), Length(max=500)])


class MarkPaidForm(AppForm):
    """Payment date (default today) and an optional reference."""

    paid_on = DateField(_l("Payment date"), validators=[InputRequired()], default=dt.date.today)
    reference = StringField(_l("Payment reference"), validators=[Length(max=100)])

    @property
    def latest(self) -> dt.date:
        """The latest payment date the browser offers (the server refuses a later one too)."""
        return dt.date.today()


class PaymentForm(AppForm):
    """A payment (or, when a credit note left one due, a refund) of a confirmed invoice: the
    amount (default: what is due), the day the money came in (default today), how, and an
    optional reference and note. The ids are the panel's own: Mark as paid has a reference
    too."""

    kind = SelectField(_l("Type"), choices=[SelectChoice(k, v) for k, v in
                                            labels.PAYMENT_KINDS.items()], default="payment",
                       validate_choice=False, id="payment-kind")
    amount = DecimalField(_l("Amount"), required=True, id="payment-amount")
    date = DateField(_l("Payment date"), validators=[InputRequired(REQUIRED)],
                     default=dt.date.today, id="payment-date")
    method = SelectField(_l("Method"), choices=[SelectChoice(k, v) for k, v in
                                                labels.PAYMENT_METHODS.items()],
                         default="bank_transfer", validate_choice=False, id="payment-method")
    reference = StringField(_l("Payment reference"), validators=[Length(max=100)],
                            id="payment-reference")
    note = TextAreaField(_l("Note"), validators=[Length(max=500)], id="payment-note")

    @property
    def latest(self) -> dt.date:
        """The latest payment date the browser offers (the server refuses a later one too)."""
        return dt.date.today()


class ReversePaymentForm(AppForm):
    """Why a payment (or refund) is reversed: kept with it and in the history."""

    reason = TextAreaField(_l("Reason"), validators=[InputRequired(REQUIRED), Length(max=500)])
