"""Forms of contract editing (SPEC 3), invoice schedules (SPEC 7) and the manual invoice
wizard (SPEC 5.1)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional

from app import labels
from app.billing.schedule import WEEKDAYS
from app.formatting import weekday as weekday_name
from app.web.forms import CHOOSE, AppForm, ChoiceField, DecimalField, Length, MultiCheckboxField, REQUIRED

CLASS_CHOICES = [SelectChoice(value, text) for value, text in labels.TRANSACTION_CLASSES.items()]
NOT_A_DATE = _l("Not a date.")


class ContractForm(AppForm):
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)])
    customer_id = ChoiceField(_l("Customer"), [InputRequired(REQUIRED)])
    currency = SelectField(_l("Currency"), [Optional()], validate_choice=False,
                           description=_l("Locked once the contract is saved. Left empty: the "
                                          "price list's currency."))
    price_list_id = ChoiceField(_l("Price list"), [InputRequired(REQUIRED)],
                                description=_l("In the contract's currency. Prices actuals."))
    tax_rate = DecimalField(_l("Default tax rate (%)"), [InputRequired(REQUIRED)],
                           description=_l("e.g. 25 for Danish VAT, 8 for Malaysian SST; 0 allowed."))
    opportunity = StringField(_l("Opportunity"), [Optional(), Length(max=200)],
                              description=_l("Optional reference, e.g. OPP-2026-014."))
    description = TextAreaField(_l("Description"), [Optional()])


class _LineForm(AppForm):
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)])
    tax_rate = DecimalField(_l("Tax rate (%)"), [Optional()],
                           description=_l("Leave blank for the contract's default rate."))


class TimeAndMaterialLineForm(_LineForm):
    project_id = ChoiceField(_l("Project"), [InputRequired(REQUIRED)])
    classes = MultiCheckboxField(_l("Transaction classes included"), choices=CLASS_CHOICES,
                                 description=_l("A project's time, expenses, materials and fees "
                                                "can each be on one time and material line only."))
    amount = DecimalField(_l("Contract line amount"), [InputRequired(REQUIRED)],
                         description=_l("The estimate for this line."))


class FixedPriceLineForm(_LineForm):
    project_id = ChoiceField(_l("Project"), [InputRequired(REQUIRED)])
    amount = DecimalField(_l("Contract line amount"), [InputRequired(REQUIRED)],
                         description=_l("The milestones must add up to it."))


class ProductLineForm(_LineForm):
    name = StringField(_l("Name"), [Optional(), Length(max=200)],
                       description=_l("Leave blank for the product's name."))
    product_id = ChoiceField(_l("Product from the catalogue"), [Optional()])
    product_name = StringField(_l("… or a write-in product"), [Optional(), Length(max=200)])
    product_description = TextAreaField(_l("Write-in description"), [Optional()])
    quantity = DecimalField(_l("Quantity"), [InputRequired(REQUIRED)])
    price = DecimalField(_l("Price"), [Optional()],
                        description=_l("Leave blank for the catalogue product's price."))
    tax = DecimalField(_l("Tax"), [Optional()],
                      description=_l("Leave blank for amount × tax rate."))


LINE_FORMS = {"time_and_material": TimeAndMaterialLineForm,
              "fixed_price": FixedPriceLineForm, "product": ProductLineForm}


def parse_days(text: str | None) -> tuple[int, ...]:
    """"7, 21" → (7, 21); ValueError for anything that is not whole numbers."""
    parts = [part for part in (text or "").replace(";", ",").replace(" ", ",").split(",") if part]
    if not all(part.isdigit() for part in parts):
        raise ValueError(_("Days of the month as numbers, e.g. 7, 21."))
    return tuple(int(part) for part in parts)


class DaysField(StringField):
    """Days of the month typed as "7, 21"."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.days = ()
        self.days = parse_days(self.data)

    def process_data(self, value):
        super().process_data(", ".join(str(day) for day in value) if isinstance(value, list)
                             else value)
        self.days = tuple(value) if isinstance(value, list) else ()


class ScheduleForm(AppForm):
    frequency = SelectField(_l("Frequency"), choices=[
        SelectChoice("", _l("No schedule: invoiced manually")),
        *(SelectChoice(value, text) for value, text in labels.FREQUENCIES.items())])
    weekday = ChoiceField(_l("Weekday"), [Optional()])
    days = DaysField(_l("Days of the month"), [Optional()],
                     description=_l("1 to 4 days, e.g. 7, 21. A day past the end of a short month "
                                    "means its last day."))
    start_date = DateField(_l("Billing start date"), [Optional()])
    end_date = DateField(_l("End date"), [Optional()], description=_l("Optional."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.weekday.choices = [SelectChoice("", CHOOSE)] + [
            SelectChoice(number, weekday_name(number)) for number in range(len(WEEKDAYS))]


class MilestoneForm(AppForm):
    # Shown under the line's own form: ids of their own, so that labels find their inputs.
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)],
                       id="milestone_name")
    date = DateField(_l("Date"), [InputRequired(REQUIRED)], id="milestone_date")
    amount = DecimalField(_l("Amount"), [InputRequired(REQUIRED)], id="milestone_amount")
    tax = DecimalField(_l("Tax"), [Optional()], id="milestone_tax",
                      description=_l("Leave blank for amount × the line's tax rate."))
    description = TextAreaField(_l("Description"), [Optional()], id="milestone_description")
    external_description = TextAreaField(_l("External description"), [Optional()],
                                         id="milestone_external_description",
                                         description=_l("What the printed invoice shows."))


class InvoiceForm(AppForm):
    """Step one of the manual invoice (SPEC 5.1)."""

    cutoff = DateField(_l("Cut-off date"), [InputRequired(REQUIRED)],
                       description=_l("Every ready item dated on or before it is invoiced."))
    classes = MultiCheckboxField(_l("Transaction classes"), choices=[])
    milestones = BooleanField(_l("Include milestones"))
    products = BooleanField(_l("Include product lines"))
    # Asked on step two when the contract already has a draft (or in-review) invoice.
    another_draft = BooleanField(_l("Create another draft anyway"))

