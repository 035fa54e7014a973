"""The filters of the receivables page and the names of its ageing buckets."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from app.extensions import db
from app.models import Customer
from app.web.forms import AppForm, FilterForm, choices

# app.billing.payments.AGEING_BUCKETS, as the page names them.
BUCKET_LABELS = {
    "not_due": _l("Not due"),
    "1_30": _l("1–30 days"),
    "31_60": _l("31–60 days"),
    "61_90": _l("61–90 days"),
    "over_90": _l("Over 90 days"),
}

SORT_LABELS = {"overdue": _l("Most overdue first"), "customer": _l("By customer")}


class ReceivablesFilterForm(FilterForm):
    customer = SelectField(_l("Customer"), choices=[])
    currency = SelectField(_l("Currency"), choices=[])
    bucket = SelectField(_l("Overdue"), choices=choices(BUCKET_LABELS, _l("All ages")))
    sort = SelectField(_l("Sort"), choices=[SelectChoice(k, v) for k, v in SORT_LABELS.items()],
                       default="overdue")


def fill_choices(form: ReceivablesFilterForm, currencies: list[str]) -> dict[str, int]:
    """Offer every customer (by id) and the currencies given; return customer id by value."""
    customers = db.session.execute(select(Customer.id, Customer.name)
                                   .order_by(Customer.name, Customer.id)).all()
    form.customer.choices = choices(((str(c.id), c.name) for c in customers),
                                    _l("All customers"))
    form.currency.choices = choices(((c, c) for c in currencies), _l("All currencies"))
    return {str(c.id): c.id for c in customers}


class StatementUploadForm(AppForm):
    """A bank statement file (issue 15): CAMT.053 XML or a CSV export."""

    file = FileField(_l("Statement file"), [FileRequired(_l("Choose a statement file."))],
                     description=_l("CAMT.053 XML, or CSV with the columns date, amount, "
                                    "currency and reference."),
                     render_kw={"accept": ".xml,.csv,.txt,text/xml,text/csv"})


class BookStatementForm(AppForm):
    """The decisions of a statement's lines: `line-<id>` = an Invoice ID, "skip" or blank
    (decide later), read by the route since the lines are the statement's."""
