"""Contracts (SPEC 3): contracts, their lines, invoice schedules and milestones — created,
changed and deleted, one use case each.

Every refusal is a ServiceError naming the form field it belongs next to. Rules the
database also enforces (a (project, class) pair on one T&M line) are checked first for a
clear message, and the database's refusal is turned into the same message.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from app.billing.enums import BILLING_METHODS, MILESTONE_STATUSES, TRANSACTION_CLASSES
from app.billing.money import QUANTITY_PLACES, as_money, minor_units
from app.billing.schedule import (EARLIEST_START, FREQUENCIES, SEMI_MONTHLY_DAYS, Schedule,
                                  ScheduleError)
from app.billing.totals import AmountTooLarge, check_amount, default_tax, detail_amount
from app.billing.values import MAX_DATE, MIN_DATE, fits, plausible_date, too_large
from app.extensions import db
from app.models import (Actual, BilledSale, Contract, ContractLine, ContractLineClass, Customer,
                        Invoice, InvoiceLine, InvoiceLineDetail, InvoiceSchedule, Milestone,
                        PriceList, Product, Project, ScheduleRun)
from app.services import Conflict, ServiceError, use_case
from app.services.checks import (added, assign, chosen, currency_code, get_row, money, number,
                                 percent, text)
from app.services.invoicing import amount_refusal
from app.services.numbering import next_contract_number
from app.terms import term

TIME_AND_MATERIAL, FIXED_PRICE, PRODUCT = BILLING_METHODS


# --- contracts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractValues:
    name: str
    customer_id: int | None
    currency: str | None
    price_list_id: int | None
    tax_rate: Decimal | None
    opportunity: str = ""
    description: str = ""


def _contract(values: ContractValues, current: Contract | None) -> dict:
    name = text(values.name, "name")
    customer = chosen(Customer, values.customer_id, "customer_id",
                       current.customer_id if current else None)
    price_list = chosen(PriceList, values.price_list_id, "price_list_id",
                         current.price_list_id if current else None)
    if current is None:
        # Not chosen: the price list's. Chosen: the price list must be in it (below).
        currency = currency_code(values.currency or price_list.currency)
    else:
        currency = current.currency
        if values.currency is not None and values.currency.strip().upper() != currency:
            raise Conflict(_("The currency of a saved contract cannot be changed; it stays "
                             "%(currency)s.", currency=currency), field="currency")
    if price_list.currency != currency:
        raise ServiceError(_("Price list %(list)s is in %(list_currency)s; choose a price list "
                             "in %(currency)s, the contract's currency.", list=price_list.name,
                                 list_currency=price_list.currency, currency=currency),
                           field="price_list_id")
    return {"name": name, "customer_id": customer.id, "currency": currency,
            "price_list_id": price_list.id, "tax_rate": percent(values.tax_rate),
            "opportunity": text(values.opportunity, "opportunity", required=False),
            "description": text(values.description, "description", required=False,
                                 limit=10_000)}


@use_case
def create_contract(values: ContractValues) -> Contract:
    """A new contract with the next contract number; its currency is fixed from now on."""
    contract = Contract(**_contract(values, None))
    contract.number = next_contract_number()
    return added(contract)


@use_case
def update_contract(contract_id: int, values: ContractValues) -> Contract:
    """Change a contract's header; the currency stays what it was saved with."""
    contract = get_row(Contract, contract_id, lock=True)
    return assign(contract, **_contract(values, contract))


# --- contract lines ------------------------------------------------------------------------


@dataclass(frozen=True)
class LineValues:
    """A contract line of any billing method; what does not apply to it stays None."""

    billing_method: str
    name: str = ""
    tax_rate: Decimal | None = None  # None: the contract's default rate
    project_id: int | None = None
    amount: Decimal | None = None
    classes: tuple[str, ...] = ()
    product_id: int | None = None
    product_name: str | None = None
    product_description: str | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    tax: Decimal | None = None


def _class_taken(project: Project, classes, line_id: int | None) -> None:
    """SPEC 3: a (project, class) pair is on one T&M line only."""
    taken = db.session.execute(
        select(ContractLineClass.transaction_class, ContractLine.name, Contract.number)
        .join(ContractLine, ContractLine.id == ContractLineClass.contract_line_id)
        .join(Contract, Contract.id == ContractLine.contract_id)
        .where(ContractLineClass.project_id == project.id,
               ContractLineClass.transaction_class.in_(classes),
               ContractLineClass.contract_line_id != (line_id or 0))).first()
    if taken is not None:
        raise ServiceError(_class_message(project.name, taken.transaction_class,
                                                taken.name, taken.number), field="classes")


def _class_message(project: str, transaction_class: str, line: str, contract: str) -> str:
    return _("Project %(project)s already has a time and material line for %(class)s: "
             "line %(line)s on contract %(contract)s. A project's time, expenses, materials and "
             "fees can each be on one time and material line only.", project=project,
             line=line, contract=contract, **{"class": term(transaction_class)})


def _project_line(contract: Contract, line: ContractLine, values: LineValues) -> None:
    project = chosen(Project, values.project_id, "project_id", line.project_id)
    if line.id is not None and project.id != line.project_id and _line_used(line.id):
        raise Conflict(_("The line already has actuals or invoices; its project cannot be changed."),
                       field="project_id")
    amount = money(values.amount, contract.currency, "amount")
    classes = []
    if values.billing_method == TIME_AND_MATERIAL:
        if set(values.classes) - set(TRANSACTION_CLASSES):
            raise ServiceError(_("Choose one of the options."), field="classes")
        classes = [c for c in TRANSACTION_CLASSES if c in set(values.classes)]
        if not classes:
            raise ServiceError(_("Choose at least one transaction class."), field="classes")
        _class_taken(project, classes, line.id)
        if line.id is not None:
            removed = [row.transaction_class for row in line.class_rows
                       if row.transaction_class not in classes]
            used = db.session.scalar(select(Actual.transaction_class).where(
                Actual.contract_line_id == line.id, Actual.transaction_class.in_(removed)).limit(1))
            if used is not None:
                raise Conflict(_("The line has %(class)s actuals; %(class)s cannot be taken off it.",
                              **{"class": term(used)}), field="classes")
            # The class rows refer to (line, project): drop them before the project changes.
            line.class_rows.clear()
            db.session.flush()
    line.project_id, line.amount = project.id, amount
    for transaction_class in classes:
        line.class_rows.append(ContractLineClass(project_id=project.id,
                                                 transaction_class=transaction_class))


def _product_line(contract: Contract, line: ContractLine, values: LineValues) -> None:
    product = None
    write_in = text(values.product_name, "product_name", required=False) or None
    if values.product_id is not None:
        product = chosen(Product, values.product_id, "product_id", line.product_id)
        if write_in:
            raise ServiceError(_("Choose a product or write one in, not both."),
                               field="product_name")
    elif not write_in:
        raise ServiceError(_("Choose a product from the catalogue or write one in."),
                           field="product_id")
    quantity = number(values.quantity, "quantity", QUANTITY_PLACES)
    if values.price is not None:
        price = money(values.price, contract.currency, "price")
    elif product is not None:
        price = product.price
        if not fits(price, minor_units(contract.currency)):
            raise ServiceError(_("%(product)s costs %(price)s, more decimals than %(currency)s has; "
                                 "enter the price.", product=product.name, price=price,
                                 currency=contract.currency), field="price")
        price = as_money(price, contract.currency)
    else:
        raise ServiceError(_("Required for a written-in product."), field="price")
    try:
        amount = check_amount(detail_amount(quantity, price, contract.currency))
    except AmountTooLarge as error:
        raise amount_refusal(error, "quantity") from None
    if too_large(amount):
        raise ServiceError(_("Too large."), field="quantity")
    tax = money(values.tax, contract.currency, "tax", required=False)
    assign(line, product_id=product.id if product else None, product_name=write_in,
            product_description=text(values.product_description, "product_description",
                                      required=False, limit=10_000) or None,
            quantity=quantity, price=price,
            tax=tax if tax is not None else default_tax(amount, line.tax_rate, contract.currency))
    if not line.name:
        line.name = product.name if product else write_in
    if line.status is None:
        line.status = "not_ready"


def _line_used(line_id: int) -> bool:
    """Whether actuals or invoices refer to the line."""
    return bool(db.session.scalar(select(
        exists().where(Actual.contract_line_id == line_id)
        | exists().where(InvoiceLine.contract_line_id == line_id))))


def _fill_line(contract: Contract, line: ContractLine, values: LineValues) -> ContractLine:
    method = values.billing_method
    if method not in BILLING_METHODS:
        raise ServiceError(_("Choose one of the options."), field="billing_method")
    # Checks query the database: a half-filled line must not be flushed before it is whole.
    with db.session.no_autoflush:
        line.name = text(values.name, "name", required=method != PRODUCT)
        line.tax_rate = (percent(values.tax_rate) if values.tax_rate is not None
                         else contract.tax_rate)
        if method == PRODUCT:
            _product_line(contract, line, values)
        else:
            _project_line(contract, line, values)
    db.session.add(line)
    try:
        db.session.flush()
    except IntegrityError:
        # Only a concurrent save of the same pair gets here; say it as the check above does.
        db.session.rollback()
        raise ServiceError(_("Another time and material line took one of these classes "
                             "for the project meanwhile; reload and try again."),
                           field="classes") from None
    return line


@use_case
def create_line(contract_id: int, values: LineValues) -> ContractLine:
    """A new line at the end of the contract."""
    contract = get_row(Contract, contract_id, lock=True)
    position = db.session.scalar(select(func.coalesce(func.max(ContractLine.position), -1))
                                 .where(ContractLine.contract_id == contract.id)) + 1
    line = ContractLine(contract_id=contract.id, billing_method=values.billing_method,
                        position=position)
    return _fill_line(contract, line, values)


@use_case
def update_line(line_id: int, values: LineValues) -> ContractLine:
    """Change a line; its billing method stays, and a product line on an invoice is locked."""
    line = get_row(ContractLine, line_id, lock=True)
    if values.billing_method != line.billing_method:
        raise ServiceError(_("The billing method of a saved line cannot be changed."),
                           field="billing_method")
    if line.billing_method == PRODUCT and line.status not in ("not_ready", "ready"):
        raise Conflict(_("The product line is on an invoice and cannot be changed."))
    return _fill_line(line.contract, line, values)


@use_case
def delete_line(line_id: int) -> None:
    """Remove a line nothing refers to yet, with its milestones and schedule."""
    line = get_row(ContractLine, line_id, lock=True)
    if (_line_used(line.id) or db.session.scalar(select(exists().where(
            BilledSale.contract_line_id == line.id)))):
        raise Conflict(_("Line %(line)s has actuals or invoices and cannot be removed.",
                      line=line.name))
    for milestone in list(line.milestones):
        _delete_milestone(milestone)
    if line.schedule is not None:
        _delete_schedule(line.schedule)
    db.session.delete(line)


# --- invoice schedules ---------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleValues:
    frequency: str
    start_date: dt.date | None
    end_date: dt.date | None = None
    weekday: int | None = None
    days: tuple[int, ...] = ()


# app.billing.schedule names its fields after the Schedule dataclass; the form after the model.
SCHEDULE_FIELDS = {"frequency": "frequency", "start": "start_date", "end": "end_date",
                   "weekday": "weekday", "days": "days"}


def date_refusal(field: str) -> ServiceError:
    """A date outside app.billing.values' plausible range, next to its field."""
    return ServiceError(_("Enter a date between %(earliest)s and %(latest)s.",
                          earliest=MIN_DATE.isoformat(), latest=MAX_DATE.isoformat()),
                        field=field)


def checked_schedule(values: ScheduleValues) -> Schedule:
    """The schedule the values describe; ServiceError naming the field that is wrong."""
    if values.frequency not in FREQUENCIES:
        raise ServiceError(_("Choose one of the options."), field="frequency")
    if values.start_date is None:
        raise ServiceError(_("Required."), field="start_date")
    # Before EARLIEST_START has its own reason (below); too late, date arithmetic overflows.
    if values.start_date > MAX_DATE:
        raise date_refusal("start_date")
    if values.end_date is not None and not plausible_date(values.end_date):
        raise date_refusal("end_date")
    weekly = values.frequency in ("weekly", "biweekly")
    if weekly and values.weekday is None:
        raise ServiceError(_("Choose the weekday it runs on."), field="weekday")
    if values.frequency == "monthly" and not values.days:
        raise ServiceError(_("Choose 1 to 4 days of the month."), field="days")
    days = (SEMI_MONTHLY_DAYS if values.frequency == "semi_monthly"
            else tuple(values.days) if values.frequency == "monthly" else ())
    try:
        return Schedule(values.frequency, start=values.start_date, end=values.end_date,
                        weekday=values.weekday if weekly else None, days=days)
    except ScheduleError as error:
        raise ServiceError(_schedule_message(error.field),
                           field=SCHEDULE_FIELDS.get(error.field, error.field)) from None


def _schedule_message(field: str) -> str:
    return {"weekday": _("Choose the weekday it runs on."),
            "days": _("Choose 1 to 4 different days of the month (1–31)."),
            "end": _("The end date is before the start date."),
            # app.billing.schedule.EARLIEST_START: a run would catch up every run date since.
            "start": _("A schedule starts in %(year)s or later: check the year.",
                       year=EARLIEST_START.year)}.get(field, _("Not valid."))


@use_case
def save_schedule(line_id: int, values: ScheduleValues | None) -> InvoiceSchedule | None:
    """Set, change or (None) remove the invoice schedule of a T&M line."""
    line = get_row(ContractLine, line_id, lock=True)
    if line.billing_method != TIME_AND_MATERIAL:
        raise ServiceError(_("Only time and material lines are invoiced on a schedule."),
                           field="frequency")
    if values is None:
        if line.schedule is not None:
            _delete_schedule(line.schedule)
        return None
    schedule = checked_schedule(values)
    row = line.schedule or InvoiceSchedule(contract_line=line)
    assign(row, frequency=schedule.frequency, start_date=schedule.start, end_date=schedule.end,
            weekday=schedule.weekday, days=sorted(schedule.month_days) if schedule.frequency in
            ("monthly", "semi_monthly") else None)
    return added(row)


def _delete_schedule(schedule: InvoiceSchedule) -> None:
    if db.session.scalar(select(exists().where(ScheduleRun.schedule_id == schedule.id))):
        raise Conflict(_("The schedule has already run; give it an end date instead of removing "
                         "it."), field="frequency")
    db.session.delete(schedule)
    db.session.flush()


# --- milestones ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneValues:
    name: str
    date: dt.date | None
    amount: Decimal | None
    tax: Decimal | None = None  # None: amount × the line's tax rate
    description: str = ""
    external_description: str = ""


def _fill_milestone(line: ContractLine, milestone: Milestone, values: MilestoneValues) -> Milestone:
    currency = line.contract.currency
    if values.date is None:
        raise ServiceError(_("Required."), field="date")
    if not plausible_date(values.date):
        raise date_refusal("date")
    amount = money(values.amount, currency, "amount")
    tax = money(values.tax, currency, "tax", required=False)
    return assign(milestone, name=text(values.name, "name"), date=values.date, amount=amount,
                   tax=tax if tax is not None else default_tax(amount, line.tax_rate, currency),
                   description=text(values.description, "description", required=False,
                                     limit=10_000),
                   external_description=text(values.external_description,
                                              "external_description", required=False,
                                              limit=10_000))


@use_case
def create_milestone(line_id: int, values: MilestoneValues) -> Milestone:
    """A milestone of a fixed-price line, not ready to invoice until marked in the backlog."""
    line = get_row(ContractLine, line_id, lock=True)
    if line.billing_method != FIXED_PRICE:
        raise ServiceError(_("Only fixed-price lines have milestones."))
    return added(_fill_milestone(line, Milestone(contract_line_id=line.id, status="not_ready"),
                                  values))


@use_case
def update_milestone(milestone_id: int, values: MilestoneValues) -> Milestone:
    """Change a milestone that is not on an invoice."""
    milestone = get_row(Milestone, milestone_id, lock=True)
    if milestone.status not in MILESTONE_STATUSES[:2]:
        raise Conflict(_("Milestone %(name)s is on an invoice and cannot be changed.",
                          name=milestone.name))
    return _fill_milestone(milestone.contract_line, milestone, values)


def _delete_milestone(milestone: Milestone) -> None:
    if milestone.status not in MILESTONE_STATUSES[:2] or db.session.scalar(select(exists().where(
            InvoiceLineDetail.milestone_id == milestone.id))):
        raise Conflict(_("Milestone %(name)s has been on an invoice and cannot be removed.",
                          name=milestone.name))
    db.session.delete(milestone)
    db.session.flush()


@use_case
def delete_milestone(milestone_id: int) -> None:
    """Remove a milestone that has never been on an invoice."""
    _delete_milestone(get_row(Milestone, milestone_id, lock=True))


# --- reads the forms need ------------------------------------------------------------------


def contract_has_invoices(contract_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(Invoice.contract_id == contract_id))))
