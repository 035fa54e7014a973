"""Filters of the actuals list."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app import labels
from app.main.forms import FilterForm, choices


class ActualFilterForm(FilterForm):
    project = SelectField(_l("Project"), choices=[])
    transaction_class = SelectField(_l("Transaction class"),
                                    choices=choices(labels.TRANSACTION_CLASSES, _l("All classes")))
    status = SelectField(_l("Billing status"),
                         choices=choices(labels.ACTUAL_STATUSES, _l("All statuses")))
    billing_type = SelectField(_l("Billing type"),
                               choices=choices(labels.BILLING_TYPES, _l("All billing types")))
