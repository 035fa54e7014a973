"""Filters of the billing backlog."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from app import labels
from app.extensions import db
from app.models import Contract
from app.web.forms import FilterForm, choices

# Milestones and product lines are items of their own kind beside the four classes.
ITEM_KINDS = {**labels.DETAIL_CLASSES, "product": labels.BILLING_METHODS["product"]}
# Actuals are "unbilled", milestones and product lines "not_ready": both are "not ready".
STATUSES = {"not_ready": labels.MILESTONE_STATUSES["not_ready"],
            "ready": labels.MILESTONE_STATUSES["ready"]}


class BacklogFilterForm(FilterForm):
    contract = SelectField(_l("Contract"), choices=[])
    project = SelectField(_l("Project"), choices=[])
    kind = SelectField(_l("Transaction class"), choices=choices(ITEM_KINDS, _l("All items")))
    status = SelectField(_l("Status"), choices=choices(STATUSES, _l("All statuses")))
    date_from = DateField(_l("From date"), validators=[Optional()])
    date_to = DateField(_l("To date"), validators=[Optional()])


def fill_contract_choices(field: SelectField) -> dict[str, int]:
    """Offer every contract by number; a key given instead names the same contract.

    Returns contract id by number.
    """
    contracts = db.session.execute(select(Contract.id, Contract.number, Contract.key, Contract.name)
                                   .order_by(Contract.number)).all()
    field.choices = choices(((c.number, f"{c.number} · {c.name}") for c in contracts),
                            _l("All contracts"))
    by_key = {c.key: c.number for c in contracts if c.key}
    field.data = by_key.get(field.data, field.data)
    return {c.number: c.id for c in contracts}
