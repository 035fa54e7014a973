"""Filters of the actuals list, and the CSV upload."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from app import labels
from app.web.forms import AppForm, FilterForm, choices


class ActualFilterForm(FilterForm):
    project = SelectField(_l("Project"), choices=[])
    transaction_class = SelectField(_l("Transaction class"),
                                    choices=choices(labels.TRANSACTION_CLASSES, _l("All classes")))
    status = SelectField(_l("Billing status"),
                         choices=choices(labels.ACTUAL_STATUSES, _l("All statuses")))
    billing_type = SelectField(_l("Billing type"),
                               choices=choices(labels.BILLING_TYPES, _l("All billing types")))


class ImportForm(AppForm):
    """A CSV file of actuals (SPEC 11): one actual a row, the import's field names as columns."""

    file = FileField(_l("CSV file"), [FileRequired(_l("Choose a CSV file."))],
                     description=_l("UTF-8 text; a comma, semicolon or tab between cells."),
                     render_kw={"accept": ".csv,text/csv"})
