"""The entry form (time, expense, material, fee) and the filters of the entries list."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional

from app import labels
from app.terms import ENTRY_STATUSES
from app.web.forms import REQUIRED, AppForm, ChoiceField, DecimalField, FilterForm, choices

# Which fields each class has; the others are removed from the form.
CLASS_FIELDS = {
    "time": {"role_id", "resource_id", "internal_comment", "external_comment"},
    "expense": {"category_id", "description"},
    "material": {"category_id", "description"},
    "fee": {"category_id", "description"},
}
OPTIONAL_FIELDS = {"role_id", "resource_id", "category_id", "internal_comment",
                   "external_comment", "description"}


class EntryForm(AppForm):
    project_id = ChoiceField(_l("Project"), [InputRequired(REQUIRED)])
    task_id = ChoiceField(_l("Task"), [Optional()], description=_l("Optional."))
    date = DateField(_l("Date"), [InputRequired(REQUIRED)])
    role_id = ChoiceField(_l("Role"), [InputRequired(REQUIRED)],
                          description=_l("Prices the time from the contract's price list."))
    resource_id = ChoiceField(_l("Bookable resource"), [InputRequired(REQUIRED)],
                              description=_l("Who did the work."))
    category_id = ChoiceField(_l("Transaction category"), [InputRequired(REQUIRED)],
                              description=_l("Prices the entry from the contract's price list."))
    quantity = DecimalField(_l("Quantity"), [InputRequired(REQUIRED)],
                           description=_l("Up to 4 decimals, above zero."))
    unit_id = ChoiceField(_l("Unit"), [InputRequired(REQUIRED)])
    internal_comment = TextAreaField(_l("Internal comment"), [Optional()])
    external_comment = TextAreaField(_l("External comment"), [Optional()],
                                     description=_l("What the invoice shows."))
    description = TextAreaField(_l("Description"), [Optional()],
                                description=_l("What the invoice shows."))

    def keep_class_fields(self, transaction_class: str) -> None:
        for name in OPTIONAL_FIELDS - CLASS_FIELDS[transaction_class]:
            delattr(self, name)


class EntryFilterForm(FilterForm):
    status = SelectField(_l("Status"), choices=choices(ENTRY_STATUSES, _l("All statuses")))
    transaction_class = SelectField(_l("Transaction class"),
                                    choices=choices(labels.TRANSACTION_CLASSES, _l("All classes")))
    project = SelectField(_l("Project"), choices=[])
    resource = SelectField(_l("Bookable resource"), choices=[])

