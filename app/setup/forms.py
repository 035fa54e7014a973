"""Forms of the setup screens, and the fields every data-entry form shares.

Forms check the shape of what was typed (a number, a date, a choice); the services check
the rules (SPEC 2, 3) and name the field a refusal belongs to.
"""

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_name, get_decimal_symbol, list_currencies
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.billing.money import plain
from app.extensions import db
from app.labels import unit_label
from app.models import Project, Unit, UnitSchedule

REQUIRED = _l("Required.")
_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")


def parse_decimal(text: str) -> Decimal:
    """A number as typed: "1234.5" anywhere, "1234,5" where the language writes a decimal
    comma. No thousands separators (is "1.234" one thousand or one point two?). Never float."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if not _NUMBER.fullmatch(cleaned) or ("," in cleaned
                                          and get_decimal_symbol(get_locale()) != ","):
        raise ValueError(_("Not a number; write it without thousands separators, e.g. "
                           "%(example)s.", example=example_number()))
    try:
        return Decimal(cleaned.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern lets only numbers through
        raise ValueError(_("Not a number.")) from None


def plain_number(value: Decimal | None) -> str:
    """A stored number as an input's value: plain, without its trailing zeros (950.0000 → 950)."""
    return "" if value is None else plain(value.normalize())


def example_number() -> str:
    return "1234" + get_decimal_symbol(get_locale()) + "50"


class DecimalText(StringField):
    """A Decimal typed as text (inputmode decimal); blank is None. Kept as typed when wrong,
    so the person sees what they wrote next to the message."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "decimal")
        super().__init__(label, validators, **kwargs)
        self.typed: str | None = None

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.typed = valuelist[0]
        self.data = None
        if self.typed.strip():
            self.data = parse_decimal(self.typed)

    def _value(self) -> str:
        if self.typed is not None:
            return self.typed
        return plain_number(self.data)


def optional_int(value) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


class ChoiceField(SelectField):
    """A choice of a record by id; the view fills the choices, the service checks the id."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("coerce", optional_int)
        kwargs.setdefault("validate_choice", False)
        kwargs.setdefault("choices", [])
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_("Choose one of the options.")) from None


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a row of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


CHOOSE = _l("— choose —")


def choose(rows, current=None, blank=CHOOSE, text=lambda row: row.name):
    """Select choices from rows: the archived ones only when they are the current value."""
    return [SelectChoice("", blank)] + [SelectChoice(row.id, text(row)) for row in rows
                                        if not getattr(row, "archived", False)
                                        or row.id == current]


def active(model, current: int | None = None):
    """Rows of a model for a choice, by name: active ones, and the current one."""
    query = select(model).order_by(model.name, model.id)
    if hasattr(model, "archived"):
        query = query.where(or_(model.archived.is_(False), model.id == (current or 0)))
    return db.session.scalars(query).all()


def project_choices(current: int | None = None):
    """Active projects (and the current one) as "Project · Customer", by name."""
    projects = db.session.scalars(
        select(Project).options(joinedload(Project.customer))
        .where(or_(Project.archived.is_(False), Project.id == (current or 0)))
        .order_by(Project.name, Project.id)).all()
    return choose(projects, current, text=lambda p: f"{p.name} · {p.customer.name}")


def unit_choices(schedule_key: str | None = None, blank=True):
    """Units as "Hour (Time)", optionally only those of one schedule."""
    query = (select(Unit, UnitSchedule.name).join(UnitSchedule, UnitSchedule.id == Unit.schedule_id)
             .order_by(UnitSchedule.id, Unit.id))
    if schedule_key:
        query = query.where(UnitSchedule.key == schedule_key)
    units = [SelectChoice(unit.id, f"{unit_label(unit)} ({schedule})")
             for unit, schedule in db.session.execute(query)]
    return ([SelectChoice("", _l("— choose —"))] if blank else []) + units


def currency_choices():
    """Every ISO 4217 currency Babel knows, by code, named in the page's language."""
    locale = get_locale()
    return [SelectChoice("", _l("— choose —"))] + [
        SelectChoice(code, f"{code} · {get_currency_name(code, locale=locale)}")
        for code in sorted(list_currencies())]


class CustomerForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)])
    email = StringField(_l("E-mail for invoices"), [DataRequired(REQUIRED), Length(max=254)],
                        render_kw={"type": "email", "autocomplete": "off"})
    street = StringField(_l("Street"), [DataRequired(REQUIRED), Length(max=200)])
    postal_code = StringField(_l("Postal code"), [DataRequired(REQUIRED), Length(max=20)])
    city = StringField(_l("City"), [DataRequired(REQUIRED), Length(max=100)])
    country = StringField(_l("Country"), [DataRequired(REQUIRED), Length(max=2)],
                          description=_l("Two letters (ISO 3166), e.g. DK, MY, JP."),
                          render_kw={"size": 3, "maxlength": 2, "autocapitalize": "characters"})
    tax_registration_id = StringField(_l("Tax registration ID"), [Optional(), Length(max=50)],
                                      description=_l("Optional."))
    language = SelectField(_l("Invoice language"),
                           choices=[SelectChoice("en", "English"),
                                    SelectChoice("ms", "Bahasa Melayu"),
                                    SelectChoice("da", "Dansk")])


class RoleForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)])
    chargeable = BooleanField(_l("Chargeable"), default=True,
                              description=_l("Time in a non-chargeable role is shown on invoices "
                                             "but not charged."))


class ResourceForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)],
                       description=_l("The person who does the work."))


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)],
                       description=_l("e.g. Hotel, Mileage, Licence."))
    chargeable = BooleanField(_l("Chargeable"), default=True,
                              description=_l("Expenses in a non-chargeable category are shown on "
                                             "invoices but not charged."))


class UnitScheduleForm(FlaskForm):
    key = StringField(_l("Key"), [DataRequired(REQUIRED), Length(max=64)],
                      description=_l("A short code for import files, e.g. volume."))
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)])


class UnitForm(FlaskForm):
    key = StringField(_l("Key"), [DataRequired(REQUIRED), Length(max=64)],
                      description=_l("A short code for import files, e.g. week. Fixed once saved."))
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)])
    schedule_id = ChoiceField(_l("Unit schedule"), [InputRequired(REQUIRED)],
                              description=_l("Fixed once saved."))


class ProductForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)])
    description = TextAreaField(_l("Description"), [Optional()])
    price = DecimalText(_l("Default price"), [InputRequired(REQUIRED)],
                        description=_l("Up to 4 decimals."))
    unit_id = ChoiceField(_l("Unit"), [InputRequired(REQUIRED)])


class PriceListForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)])
    currency = SelectField(_l("Currency"), [Optional()], validate_choice=False,
                           description=_l("Only contracts in this currency can use the price "
                                          "list. Locked once a contract uses it."))


# The price list page holds both forms: their ids must differ for labels to find inputs.
class RolePriceForm(FlaskForm):
    role_id = ChoiceField(_l("Role"), [InputRequired(REQUIRED)])
    unit_id = ChoiceField(_l("Unit"), [InputRequired(REQUIRED)], id="role_unit_id")
    price = DecimalText(_l("Price"), [InputRequired(REQUIRED)], id="role_price")


class CategoryPriceForm(FlaskForm):
    category_id = ChoiceField(_l("Transaction category"), [InputRequired(REQUIRED)])
    unit_id = ChoiceField(_l("Unit"), [InputRequired(REQUIRED)], id="category_unit_id")
    price = DecimalText(_l("Price"), [InputRequired(REQUIRED)], id="category_price")


class PriceForm(FlaskForm):
    price = DecimalText(_l("Price"), [InputRequired(REQUIRED)])


class ProjectForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)])
    customer_id = ChoiceField(_l("Customer"), [InputRequired(REQUIRED)])
    tasks = TextAreaField(_l("Tasks"), [Optional()],
                          description=_l("One task a line, e.g. Design, Build, Test."))


class TaskForm(FlaskForm):
    # On the project page beside the project's own name field.
    name = StringField(_l("Task"), [DataRequired(REQUIRED), Length(max=200)], id="task_name")
