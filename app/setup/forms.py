"""Forms of the setup screens (SPEC 2).

Forms check the shape of what was typed (a number, a date, a choice); the services check
the rules (SPEC 2, 3) and name the field a refusal belongs to.
"""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional

from app.billing.identifiers import EAS_SCHEMES
from app.web.forms import AppForm, ChoiceField, DecimalField, Length, REQUIRED


class CustomerForm(AppForm):
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
    # E-invoices (issue 16); the service checks each choice (app.services.reference).
    einvoice_profile = SelectField(
        _l("E-invoice"), default="none", validate_choice=False,
        choices=[SelectChoice("none", _l("None (PDF only)")),
                 SelectChoice("peppol", _l("Peppol BIS Billing 3.0")),
                 SelectChoice("oioubl", _l("OIOUBL 2.1 (Denmark)"))],
        description=_l("What the customer's system receives besides the PDF."))
    endpoint_scheme = SelectField(
        _l("Electronic address scheme"), default="", validate_choice=False,
        choices=[SelectChoice("", "—"), *(SelectChoice(code, f"{code} {name}")
                                          for code, name in EAS_SCHEMES.items())])
    endpoint_id = StringField(_l("Electronic address"), [Optional(), Length(max=100)],
                              description=_l("Where e-invoices are delivered (Peppol "
                                             "EndpointID), e.g. the CVR number for 0184."))
    registration_id = StringField(_l("Legal registration number"), [Optional(), Length(max=50)],
                                  description=_l("The company number, e.g. the CVR number in "
                                                 "Denmark."))
    vat_treatment = SelectField(
        _l("VAT"), default="standard", validate_choice=False,
        choices=[SelectChoice("standard", _l("Standard (the contract's rates)")),
                 SelectChoice("exempt", _l("Exempt from VAT")),
                 SelectChoice("out_of_scope", _l("Not subject to VAT (out of scope)"))])
    vat_exemption_reason = StringField(_l("VAT exemption reason"), [Optional(), Length(max=200)],
                                       description=_l("Printed on every e-invoice of an exempt "
                                                      "customer, e.g. the legal article."))


class RoleForm(AppForm):
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)])
    chargeable = BooleanField(_l("Chargeable"), default=True,
                              description=_l("Time in a non-chargeable role is shown on invoices "
                                             "but not charged."))


class ResourceForm(AppForm):
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)],
                       description=_l("The person who does the work."))


class CategoryForm(AppForm):
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)],
                       description=_l("e.g. Hotel, Mileage, Licence."))
    chargeable = BooleanField(_l("Chargeable"), default=True,
                              description=_l("Expenses in a non-chargeable category are shown on "
                                             "invoices but not charged."))


class UnitNameForm(AppForm):
    """A unit once saved: only its name changes (its key and schedule are fixed)."""

    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)])


class UnitScheduleForm(AppForm):
    key = StringField(_l("Key"), [DataRequired(REQUIRED), Length(max=64)],
                      description=_l("A short code for import files, e.g. volume."))
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)])


class UnitForm(AppForm):
    key = StringField(_l("Key"), [DataRequired(REQUIRED), Length(max=64)],
                      description=_l("A short code for import files, e.g. week. Fixed once saved."))
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)])
    schedule_id = ChoiceField(_l("Unit schedule"), [InputRequired(REQUIRED)],
                              description=_l("Fixed once saved."))


class ProductForm(AppForm):
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)])
    description = TextAreaField(_l("Description"), [Optional()])
    price = DecimalField(_l("Default price"), [InputRequired(REQUIRED)],
                        description=_l("Up to 4 decimals."))
    unit_id = ChoiceField(_l("Unit"), [InputRequired(REQUIRED)])


class PriceListForm(AppForm):
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)])
    currency = SelectField(_l("Currency"), [Optional()], validate_choice=False,
                           description=_l("Only contracts in this currency can use the price "
                                          "list. Locked once a contract uses it."))


# The price list page holds both forms: their ids must differ for labels to find inputs.
class RolePriceForm(AppForm):
    role_id = ChoiceField(_l("Role"), [InputRequired(REQUIRED)])
    unit_id = ChoiceField(_l("Unit"), [InputRequired(REQUIRED)], id="role_unit_id")
    price = DecimalField(_l("Price"), [InputRequired(REQUIRED)], id="role_price")


class CategoryPriceForm(AppForm):
    category_id = ChoiceField(_l("Transaction category"), [InputRequired(REQUIRED)])
    unit_id = ChoiceField(_l("Unit"), [InputRequired(REQUIRED)], id="category_unit_id")
    price = DecimalField(_l("Price"), [InputRequired(REQUIRED)], id="category_price")


class PriceForm(AppForm):
    price = DecimalField(_l("Price"), [InputRequired(REQUIRED)])


class ProjectForm(AppForm):
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)])
    customer_id = ChoiceField(_l("Customer"), [InputRequired(REQUIRED)])
    tasks = TextAreaField(_l("Tasks"), [Optional()],
                          description=_l("One task a line, e.g. Design, Build, Test."))


class TaskForm(AppForm):
    # On the project page beside the project's own name field.
    name = StringField(_l("Task"), [DataRequired(REQUIRED), Length(max=200)], id="task_name")
