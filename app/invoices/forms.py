"""Filters of the invoice list."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectField

from app import labels
from app.extensions import db
from app.main.forms import FilterForm, choices
from app.models import Customer


class InvoiceFilterForm(FilterForm):
    status = SelectField(_l("Status"), choices=choices(labels.INVOICE_STATUSES, _l("All statuses")))
    project_invoice_status = SelectField(
        _l("Project invoice status"),
        choices=choices(labels.PROJECT_INVOICE_STATUSES, _l("All project invoice statuses")))
    customer = SelectField(_l("Customer"), choices=[])


def fill_customer_choices(field: SelectField) -> None:
    """Offer every customer, by id."""
    customers = db.session.execute(select(Customer.id, Customer.name)
                                   .order_by(Customer.name, Customer.id)).all()
    field.choices = choices(((str(c.id), c.name) for c in customers), _l("All customers"))
