"""Time, expense, material and fee entries (SPEC 4): entered, submitted, approved or
rejected. Approval creates the priced actual; from then on the entry is read-only."""

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.billing.enums import TRANSACTION_CLASSES
from app.billing.money import QUANTITY_PLACES, check_places, plain
from app.billing.values import MAX_DATE, MIN_DATE, TOO_LARGE, plausible_date, too_large
from app.extensions import db
from app.models import Actual, Category, Entry, Project, Resource, Role, Task, Unit, UnitSchedule
from app.services import Conflict, NotFound, ServiceError, find_one, use_case
from app.services.pricing import price_item
from app.terms import ENTRY_STATUSES

EDITABLE = ("draft", "submitted", "rejected")
# Quantities stay well inside the exact money columns (value × 10^4 in 64 bits).
MAX_QUANTITY = Decimal(10) ** 9
TIME_SCHEDULE = "time"


@dataclass(frozen=True)
class EntryValues:
    """What a person enters; which of role, resource and category apply depends on the class."""

    project_id: int
    transaction_class: str
    date: dt.date
    unit_id: int
    quantity: Decimal
    task_id: int | None = None
    role_id: int | None = None
    resource_id: int | None = None
    category_id: int | None = None
    internal_comment: str = ""
    external_comment: str = ""
    description: str = ""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _active(model, id_: int | None, field: str, message: str):
    """The row with that id, refused when it does not exist or is archived."""
    row = db.session.get(model, id_) if id_ is not None else None
    if row is None or getattr(row, "archived", False):
        raise ServiceError(message, field=field)
    return row


def checked(values: EntryValues, current: Entry | None = None) -> EntryValues:
    """The values with what does not apply to the class cleared; ServiceError for the first
    problem. Archived records stay allowed on an entry that already has them."""
    def keeps(name: str) -> bool:
        return current is not None and getattr(current, name) == getattr(values, name)

    if values.transaction_class not in TRANSACTION_CLASSES:
        raise ServiceError(_("Choose time, expense, material or fee."), field="transaction_class")
    project = db.session.get(Project, values.project_id)
    if project is None or (project.archived and not keeps("project_id")):
        raise ServiceError(_("Choose a project."), field="project_id")
    if values.task_id is not None:
        task = db.session.get(Task, values.task_id)
        if task is None or task.project_id != project.id:
            raise ServiceError(_("The task is not a task of project %(project)s.",
                                 project=project.name), field="task_id")
    is_time = values.transaction_class == "time"
    if is_time:
        if not keeps("role_id"):
            _active(Role, values.role_id, "role_id", _("Time needs a role."))
        if not keeps("resource_id"):
            _active(Resource, values.resource_id, "resource_id",
                    _("Time needs a bookable resource: who did the work."))
        values = replace(values, category_id=None, description="")
    else:
        if not keeps("category_id"):
            _active(Category, values.category_id, "category_id",
                    _("Choose a transaction category: its price in the price list prices the entry."))
        values = replace(values, role_id=None, resource_id=None, internal_comment="",
                         external_comment="")
    unit = db.session.get(Unit, values.unit_id)
    if unit is None:
        raise ServiceError(_("Choose a unit."), field="unit_id")
    if is_time and db.session.get(UnitSchedule, unit.schedule_id).key != TIME_SCHEDULE:
        raise ServiceError(_("Time is entered in a unit of time (hour, day)."), field="unit_id")
    try:
        check_places(values.quantity, QUANTITY_PLACES)
    except (TypeError, ValueError):
        raise ServiceError(_("At most %(places)s decimals.", places=QUANTITY_PLACES),
                           field="quantity") from None
    if values.quantity == 0 or abs(values.quantity) >= MAX_QUANTITY:
        raise ServiceError(_("Enter a quantity other than zero."), field="quantity")
    if values.quantity < 0:
        # What was billed is corrected by a credit note (SPEC 12), what was not by changing
        # or rejecting the entry: a negative entry would be a credit outside both.
        raise ServiceError(_("Cannot be negative."), field="quantity")
    if not plausible_date(values.date):
        raise ServiceError(_("Enter a date between %(earliest)s and %(latest)s.",
                             earliest=MIN_DATE.isoformat(), latest=MAX_DATE.isoformat()),
                           field="date")
    return values


def _entry(entry_id: int, *, lock: bool = True) -> Entry:
    return find_one(select(Entry).where(Entry.id == entry_id),
                    NotFound(_("There is no entry %(id)s.", id=entry_id)), lock=lock)


def _editable(entry: Entry) -> None:
    if entry.status not in EDITABLE:
        raise Conflict(_("Entry %(id)s is approved; approved entries cannot be changed.",
                            id=entry.id))


def _write(entry: Entry, values: EntryValues) -> None:
    for name, value in vars(values).items():
        setattr(entry, name, value)


@use_case
def create_entry(values: EntryValues, *, submit: bool = False) -> Entry:
    """A new draft entry, submitted at once when asked."""
    entry = Entry()
    _write(entry, checked(values))
    if submit:
        entry.status, entry.submitted_at = "submitted", _now()
    db.session.add(entry)
    db.session.flush()
    return entry


@use_case
def update_entry(entry_id: int, values: EntryValues, *, submit: bool = False) -> Entry:
    """Change an entry that is not approved; a rejected entry becomes a draft again."""
    entry = _entry(entry_id)
    _editable(entry)
    if values.transaction_class != entry.transaction_class:
        raise ServiceError(_("The class of an entry cannot be changed."),
                           field="transaction_class")
    _write(entry, checked(values, entry))
    if submit:
        entry.status, entry.submitted_at = "submitted", _now()
    elif entry.status == "rejected":
        entry.status = "draft"
    return entry


@use_case
def submit_entry(entry_id: int) -> Entry:
    """Draft or rejected → submitted, ready for approval."""
    entry = _entry(entry_id)
    if entry.status not in ("draft", "rejected"):
        raise ServiceError(_("Entry %(id)s is %(status)s; only drafts and rejected entries can be "
                             "submitted.", id=entry.id, status=_status(entry.status)))
    entry.status, entry.submitted_at = "submitted", _now()
    return entry


@use_case
def reject_entry(entry_id: int) -> Entry:
    """Submitted → rejected: back to the person who entered it, to change and submit again."""
    entry = _entry(entry_id)
    if entry.status != "submitted":
        raise ServiceError(_("Entry %(id)s is %(status)s; only submitted entries can be rejected.",
                             id=entry.id, status=_status(entry.status)))
    entry.status = "rejected"
    return entry


@use_case
def approve_entry(entry_id: int) -> Actual:
    """Submitted → approved, creating the priced actual (unbilled) in the same transaction."""
    entry = _entry(entry_id)
    if entry.status != "submitted":
        raise ServiceError(_("Entry %(id)s is %(status)s; only submitted entries can be approved.",
                             id=entry.id, status=_status(entry.status)))
    priced = price_item(entry.project_id, entry.transaction_class, role_id=entry.role_id,
                        category_id=entry.category_id, unit_id=entry.unit_id,
                        quantity=entry.quantity)
    # Below the entry bound, amount + tax (at most 100 %) stays far inside MAX_AMOUNT.
    if too_large(priced.amount):
        raise ServiceError(_("Quantity × price (%(amount)s) is more than %(limit)s.",
                             amount=plain(priced.amount), limit=plain(TOO_LARGE)),
                           field="quantity")
    actual = Actual(
        project_id=entry.project_id, task_id=entry.task_id,
        contract_line_id=priced.contract_line_id, transaction_class=entry.transaction_class,
        date=entry.date, role_id=entry.role_id, resource_id=entry.resource_id,
        category_id=entry.category_id, unit_id=entry.unit_id, quantity=entry.quantity,
        price=priced.price, currency=priced.currency, amount=priced.amount, tax=priced.tax,
        billing_type=priced.billing_type, internal_comment=entry.internal_comment,
        external_comment=entry.external_comment, description=entry.description,
        status="unbilled")
    db.session.add(actual)
    db.session.flush()
    entry.status, entry.actual_id, entry.approved_at = "approved", actual.id, _now()
    return actual


def _status(status: str) -> str:
    return str(ENTRY_STATUSES.get(status, status))
