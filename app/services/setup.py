"""Setting up (SPEC 2, 3): reference data, contracts, their lines, invoice schedules and
milestones — created, changed and archived, one use case each.

Every refusal is a SetupRefused naming the form field it belongs next to. Rules the
database also enforces (a (project, class) pair on one T&M line, unique names) are checked
first for a clear message, and the database's refusal is turned into the same message.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from app.billing.enums import BILLING_METHODS, MILESTONE_STATUSES, TRANSACTION_CLASSES
from app.billing.money import (PERCENT_PLACES, PRICE_PLACES, QUANTITY_PLACES, UnknownCurrency,
                               as_money, check_places, minor_units)
from app.billing.schedule import FREQUENCIES, SEMI_MONTHLY_DAYS, Schedule, ScheduleError
from app.billing.totals import default_tax, detail_amount
from app.extensions import db
from app.labels import label, unit_label
from app.models import (Actual, BilledSale, Category, CategoryPrice, Contract, ContractLine,
                        ContractLineClass, Customer, Invoice, InvoiceLine, InvoiceLineDetail,
                        InvoiceSchedule, Milestone, PriceList, Product, Project, Resource, Role,
                        RolePrice, ScheduleRun, Task, Unit, UnitSchedule)
from app.services import ServiceError, use_case
from app.services.invoicing import milestone_gaps  # noqa: F401  (the contract pages read it here)
from app.services.numbering import next_contract_number

TIME_AND_MATERIAL, FIXED_PRICE, PRODUCT = BILLING_METHODS
# Money columns keep value × 10^4 in 64 bits; amounts stay well inside.
TOO_LARGE = Decimal(10) ** 12
KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
BUILT_IN_UNITS = ("hour", "day", "each", "km")
LANGUAGES = ("en", "ms", "da")


class SetupRefused(ServiceError):
    """Refused input; `field` names the form field the message belongs next to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(SetupRefused):
    pass


class InvalidValue(SetupRefused):
    pass


class NameTaken(SetupRefused):
    pass


class CurrencyLocked(SetupRefused):
    pass


class CurrencyMismatch(SetupRefused):
    pass


class ClassAlreadyOnLine(SetupRefused):
    pass


class InUse(SetupRefused):
    pass


class OnInvoice(SetupRefused):
    pass


# --- checks shared by the use cases ------------------------------------------------------


def _get(model, id_: int | None, field: str | None = None, *, lock: bool = False):
    """The row, or NotFound (next to `field` when it is a choice on the form)."""
    row = None
    if id_ is not None:
        query = select(model).where(model.id == id_)
        row = db.session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(_("Choose one of the options.") if field else _("Not found."), field=field)
    return row


def _chosen(model, id_: int | None, field: str, current: int | None = None):
    """A record chosen on a form: it must exist and not be archived (unless it is the one
    the record already has)."""
    row = _get(model, id_, field)
    if getattr(row, "archived", False) and row.id != current:
        raise InvalidValue(_("%(name)s is archived; choose another one.", name=row.name),
                           field=field)
    return row


def _text(value: str | None, field: str, *, required: bool = True, limit: int = 200) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidValue(_("Required."), field=field)
    if len(text) > limit:
        raise InvalidValue(_("At most %(limit)s characters.", limit=limit), field=field)
    return text


def _currency(code: str | None, field: str = "currency") -> str:
    code = (code or "").strip().upper()
    if not code:
        raise InvalidValue(_("Required."), field=field)
    try:
        minor_units(code)
    except UnknownCurrency:
        raise InvalidValue(_("Not an ISO 4217 currency code."), field=field) from None
    return code


def _number(value: Decimal | None, field: str, places: int, *, required: bool = True,
            minimum: Decimal | None = Decimal(0)) -> Decimal | None:
    """A number with at most `places` decimals, not below `minimum`."""
    if value is None:
        if required:
            raise InvalidValue(_("Required."), field=field)
        return None
    try:
        check_places(value, places)
    except (TypeError, ValueError):
        raise InvalidValue(_("At most %(places)s decimals.", places=places), field=field) from None
    if minimum is not None and value < minimum:
        raise InvalidValue(_("Must not be negative.") if minimum == 0
                           else _("Must be at least %(minimum)s.", minimum=minimum), field=field)
    if abs(value) >= TOO_LARGE:
        raise InvalidValue(_("Too large."), field=field)
    return value


def _money(value: Decimal | None, currency: str, field: str, *,
           required: bool = True) -> Decimal | None:
    """An amount in the currency: no more decimals than its minor units."""
    places = minor_units(currency)
    value = _number(value, field, 4, required=required)
    if value is not None and not _fits(value, places):
        raise InvalidValue(_("%(currency)s has %(places)s decimals.", currency=currency,
                             places=places), field=field)
    return None if value is None else as_money(value, currency)


def _fits(value: Decimal, places: int) -> bool:
    try:
        check_places(value, places)
    except ValueError:
        return False
    return True


def _percent(value: Decimal | None, field: str = "tax_rate") -> Decimal:
    rate = _number(value, field, PERCENT_PLACES)
    if rate > 100:
        raise InvalidValue(_("Between 0 and 100."), field=field)
    return rate


def _unique_name(model, name: str, current: int | None) -> None:
    """Role and category names are unique (the database says so too); case does not count."""
    clash = db.session.scalar(select(model.id).where(func.lower(model.name) == name.lower(),
                                                     model.id != (current or 0)))
    if clash is not None:
        raise NameTaken(_("%(name)s already exists.", name=name), field="name")


def _key(value: str | None, model, field: str = "key") -> str:
    """A short code such as "week", unique in its table: import files refer to it."""
    key = (value or "").strip().lower()
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidValue(_("Lower-case letters, digits, '-', '_' and '.', at most 64."),
                           field=field)
    if db.session.scalar(select(model.id).where(model.key == key)) is not None:
        raise NameTaken(_("%(key)s is already used.", key=key), field=field)
    return key


def _assign(row, **values):
    for name, value in values.items():
        setattr(row, name, value)
    return row


def _added(row):
    db.session.add(row)
    db.session.flush()
    return row


# --- customers, roles, resources, categories ---------------------------------------------


@dataclass(frozen=True)
class CustomerValues:
    name: str
    email: str
    street: str
    postal_code: str
    city: str
    country: str
    tax_registration_id: str | None = None
    language: str = "en"


def _customer(values: CustomerValues) -> dict:
    country = _text(values.country, "country").upper()
    if len(country) != 2 or not (country.isascii() and country.isalpha()):
        raise InvalidValue(_("A 2-letter ISO 3166 country code, such as DK or MY."),
                           field="country")
    email = _text(values.email, "email", limit=254)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise InvalidValue(_("Not an e-mail address."), field="email")
    if values.language not in LANGUAGES:
        raise InvalidValue(_("Choose one of the options."), field="language")
    return {"name": _text(values.name, "name"), "email": email,
            "street": _text(values.street, "street"),
            "postal_code": _text(values.postal_code, "postal_code", limit=20),
            "city": _text(values.city, "city", limit=100), "country": country,
            "tax_registration_id": _text(values.tax_registration_id, "tax_registration_id",
                                         required=False, limit=50) or None,
            "language": values.language}


@use_case
def create_customer(values: CustomerValues) -> Customer:
    """A new customer with its bill-to address."""
    return _added(Customer(**_customer(values)))


@use_case
def update_customer(customer_id: int, values: CustomerValues) -> Customer:
    """Change a customer; invoices already created keep the bill-to they were made with."""
    return _assign(_get(Customer, customer_id), **_customer(values))


def _save_flagged(model, row_id: int | None, name: str, chargeable: bool):
    """Create (row_id None) or change a role or category: a unique name and a chargeable flag."""
    row = _get(model, row_id) if row_id is not None else None
    name = _text(name, "name")
    _unique_name(model, name, row.id if row else None)
    if row is None:
        return _added(model(name=name, chargeable=chargeable))
    return _assign(row, name=name, chargeable=chargeable)


@use_case
def create_role(name: str, chargeable: bool = True) -> Role:
    """A role whose time is priced per role in price lists."""
    return _save_flagged(Role, None, name, chargeable)


@use_case
def update_role(role_id: int, name: str, chargeable: bool = True) -> Role:
    """Rename a role or change whether its time is chargeable (for actuals approved later)."""
    return _save_flagged(Role, role_id, name, chargeable)


@use_case
def create_resource(name: str) -> Resource:
    """A bookable resource: a person whose time is entered."""
    return _added(Resource(name=_text(name, "name")))


@use_case
def update_resource(resource_id: int, name: str) -> Resource:
    """Rename a bookable resource."""
    return _assign(_get(Resource, resource_id), name=_text(name, "name"))


@use_case
def create_category(name: str, chargeable: bool = True) -> Category:
    """A transaction category for expenses, materials and fees."""
    return _save_flagged(Category, None, name, chargeable)


@use_case
def update_category(category_id: int, name: str, chargeable: bool = True) -> Category:
    """Rename a category or change whether it is chargeable (for later actuals)."""
    return _save_flagged(Category, category_id, name, chargeable)


ARCHIVABLE = {"customers": Customer, "roles": Role, "resources": Resource,
              "categories": Category, "products": Product, "price_lists": PriceList,
              "projects": Project}


@use_case
def set_archived(kind: str, id_: int, archived: bool) -> None:
    """Archive (or restore) a record: it stays on everything that uses it, but is no longer
    offered for new contracts, lines and entries."""
    _get(ARCHIVABLE[kind], id_).archived = archived


# --- units ---------------------------------------------------------------------------------


@use_case
def create_unit_schedule(key: str, name: str) -> UnitSchedule:
    """A new unit schedule (Time, Quantity and Distance are built in)."""
    return _added(UnitSchedule(key=_key(key, UnitSchedule), name=_text(name, "name")))


@use_case
def create_unit(key: str, name: str, schedule_id: int) -> Unit:
    """A unit of a schedule, e.g. "week" in Time."""
    schedule = _get(UnitSchedule, schedule_id, "schedule_id")
    return _added(Unit(key=_key(key, Unit), name=_text(name, "name"), schedule_id=schedule.id))


@use_case
def update_unit(unit_id: int, name: str) -> Unit:
    """Rename a unit an admin added; its key and schedule stay (files and prices use them)."""
    unit = _get(Unit, unit_id)
    if unit.key in BUILT_IN_UNITS:
        raise InvalidValue(_("Built-in units cannot be changed."), field="name")
    return _assign(unit, name=_text(name, "name"))


# --- products and price lists --------------------------------------------------------------


@dataclass(frozen=True)
class ProductValues:
    name: str
    price: Decimal | None
    unit_id: int | None
    description: str = ""


def _product(values: ProductValues, current: Product | None) -> dict:
    return {"name": _text(values.name, "name"),
            "description": _text(values.description, "description", required=False,
                                 limit=10_000),
            "price": _number(values.price, "price", PRICE_PLACES),
            "unit_id": _get(Unit, values.unit_id, "unit_id").id}


@use_case
def create_product(values: ProductValues) -> Product:
    """A catalogue product with its default price and unit."""
    return _added(Product(**_product(values, None)))


@use_case
def update_product(product_id: int, values: ProductValues) -> Product:
    """Change a product; product lines keep the price they were given."""
    product = _get(Product, product_id)
    return _assign(product, **_product(values, product))


def price_list_used_by(price_list_id: int) -> Contract | None:
    """The first contract (by number) that uses the price list, if any."""
    return db.session.scalar(select(Contract).where(Contract.price_list_id == price_list_id)
                             .order_by(Contract.number).limit(1))


@use_case
def create_price_list(name: str, currency: str) -> PriceList:
    """An empty price list in a currency; prices are added one by one."""
    return _added(PriceList(name=_text(name, "name"), currency=_currency(currency)))


@use_case
def update_price_list(price_list_id: int, name: str, currency: str | None) -> PriceList:
    """Rename a price list; its currency (None: unchanged) is locked once a contract uses it
    (SPEC 3: a contract's price list is in the contract's currency)."""
    price_list = _get(PriceList, price_list_id, lock=True)
    currency = price_list.currency if currency is None else _currency(currency)
    if currency != price_list.currency:
        contract = price_list_used_by(price_list.id)
        if contract is not None:
            raise CurrencyLocked(_("Contract %(contract)s uses this price list in %(currency)s; "
                                   "its currency cannot be changed.", contract=contract.number,
                                   currency=price_list.currency), field="currency")
    return _assign(price_list, name=_text(name, "name"), currency=currency)


def _price(value: Decimal | None) -> Decimal:
    return _number(value, "price", PRICE_PLACES)


@use_case
def add_role_price(price_list_id: int, role_id: int, unit_id: int,
                   price: Decimal | None) -> RolePrice:
    """A role's price per unit in a price list (what an hour of a developer costs)."""
    price_list = _get(PriceList, price_list_id)
    role = _chosen(Role, role_id, "role_id")
    unit = _get(Unit, unit_id, "unit_id")
    if db.session.scalar(select(RolePrice.id).where(
            RolePrice.price_list_id == price_list.id, RolePrice.role_id == role.id,
            RolePrice.unit_id == unit.id)) is not None:
        raise NameTaken(_("%(role)s already has a price per %(unit)s in this price list; change "
                          "that one.", role=role.name, unit=unit_label(unit)), field="role_id")
    return _added(RolePrice(price_list_id=price_list.id, role_id=role.id, unit_id=unit.id,
                            price=_price(price)))


@use_case
def add_category_price(price_list_id: int, category_id: int, unit_id: int,
                       price: Decimal | None) -> CategoryPrice:
    """A transaction category's price per unit in a price list."""
    price_list = _get(PriceList, price_list_id)
    category = _chosen(Category, category_id, "category_id")
    unit = _get(Unit, unit_id, "unit_id")
    if db.session.scalar(select(CategoryPrice.id).where(
            CategoryPrice.price_list_id == price_list.id, CategoryPrice.category_id == category.id,
            CategoryPrice.unit_id == unit.id)) is not None:
        raise NameTaken(_("%(category)s already has a price per %(unit)s in this price list; "
                          "change that one.", category=category.name, unit=unit_label(unit)),
                        field="category_id")
    return _added(CategoryPrice(price_list_id=price_list.id, category_id=category.id,
                                unit_id=unit.id, price=_price(price)))


@use_case
def change_price(kind: str, row_id: int, price: Decimal | None) -> None:
    """A new price for a role or category price row (actuals already priced keep theirs)."""
    _get(RolePrice if kind == "role" else CategoryPrice, row_id).price = _price(price)


@use_case
def remove_price(kind: str, row_id: int) -> None:
    """Remove a role or category price; entries approved later find no price there."""
    db.session.delete(_get(RolePrice if kind == "role" else CategoryPrice, row_id))


# --- projects and tasks --------------------------------------------------------------------


@use_case
def create_project(name: str, customer_id: int | None, tasks: list[str] = ()) -> Project:
    """A project of a customer, with its first tasks."""
    project = _added(Project(name=_text(name, "name"),
                             customer_id=_chosen(Customer, customer_id, "customer_id").id))
    for task in tasks:
        if task.strip():
            _added(Task(project_id=project.id, name=_text(task, "tasks")))
    return project


@use_case
def update_project(project_id: int, name: str, customer_id: int | None) -> Project:
    """Rename a project or move it to another (active) customer."""
    project = _get(Project, project_id)
    customer = _chosen(Customer, customer_id, "customer_id", current=project.customer_id)
    return _assign(project, name=_text(name, "name"), customer_id=customer.id)


@use_case
def add_task(project_id: int, name: str) -> Task:
    """A new task of a project."""
    return _added(Task(project_id=_get(Project, project_id).id, name=_text(name, "name")))


@use_case
def rename_task(task_id: int, name: str) -> Task:
    """Rename a task (entries and actuals keep pointing at it)."""
    return _assign(_get(Task, task_id), name=_text(name, "name"))


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
    name = _text(values.name, "name")
    customer = _chosen(Customer, values.customer_id, "customer_id",
                       current.customer_id if current else None)
    price_list = _chosen(PriceList, values.price_list_id, "price_list_id",
                         current.price_list_id if current else None)
    if current is None:
        # Not chosen: the price list's. Chosen: the price list must be in it (below).
        currency = _currency(values.currency or price_list.currency)
    else:
        currency = current.currency
        if values.currency is not None and values.currency.strip().upper() != currency:
            raise CurrencyLocked(_("The currency of a saved contract cannot be changed; it stays "
                                   "%(currency)s.", currency=currency), field="currency")
    if price_list.currency != currency:
        raise CurrencyMismatch(_("Price list %(list)s is in %(list_currency)s; choose a price list "
                                 "in %(currency)s, the contract's currency.", list=price_list.name,
                                 list_currency=price_list.currency, currency=currency),
                               field="price_list_id")
    return {"name": name, "customer_id": customer.id, "currency": currency,
            "price_list_id": price_list.id, "tax_rate": _percent(values.tax_rate),
            "opportunity": _text(values.opportunity, "opportunity", required=False),
            "description": _text(values.description, "description", required=False,
                                 limit=10_000)}


@use_case
def create_contract(values: ContractValues) -> Contract:
    """A new contract with the next contract number; its currency is fixed from now on."""
    contract = Contract(**_contract(values, None))
    contract.number = next_contract_number()
    return _added(contract)


@use_case
def update_contract(contract_id: int, values: ContractValues) -> Contract:
    """Change a contract's header; the currency stays what it was saved with."""
    contract = _get(Contract, contract_id, lock=True)
    return _assign(contract, **_contract(values, contract))


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
        raise ClassAlreadyOnLine(_class_message(project.name, taken.transaction_class,
                                                taken.name, taken.number), field="classes")


def _class_message(project: str, transaction_class: str, line: str, contract: str) -> str:
    return _("Project %(project)s already has a time and material line for %(class)s: "
             "line %(line)s on contract %(contract)s. A project's time, expenses, materials and "
             "fees can each be on one time and material line only.", project=project,
             line=line, contract=contract, **{"class": label(transaction_class)})


def _project_line(contract: Contract, line: ContractLine, values: LineValues) -> None:
    project = _chosen(Project, values.project_id, "project_id", line.project_id)
    if line.id is not None and project.id != line.project_id and _line_used(line.id):
        raise InUse(_("The line already has actuals or invoices; its project cannot be changed."),
                    field="project_id")
    amount = _money(values.amount, contract.currency, "amount")
    classes = []
    if values.billing_method == TIME_AND_MATERIAL:
        if set(values.classes) - set(TRANSACTION_CLASSES):
            raise InvalidValue(_("Choose one of the options."), field="classes")
        classes = [c for c in TRANSACTION_CLASSES if c in set(values.classes)]
        if not classes:
            raise InvalidValue(_("Choose at least one transaction class."), field="classes")
        _class_taken(project, classes, line.id)
        if line.id is not None:
            removed = [row.transaction_class for row in line.class_rows
                       if row.transaction_class not in classes]
            used = db.session.scalar(select(Actual.transaction_class).where(
                Actual.contract_line_id == line.id, Actual.transaction_class.in_(removed)).limit(1))
            if used is not None:
                raise InUse(_("The line has %(class)s actuals; %(class)s cannot be taken off it.",
                              **{"class": label(used)}), field="classes")
            # The class rows refer to (line, project): drop them before the project changes.
            line.class_rows.clear()
            db.session.flush()
    line.project_id, line.amount = project.id, amount
    for transaction_class in classes:
        line.class_rows.append(ContractLineClass(project_id=project.id,
                                                 transaction_class=transaction_class))


def _product_line(contract: Contract, line: ContractLine, values: LineValues) -> None:
    product = None
    write_in = _text(values.product_name, "product_name", required=False) or None
    if values.product_id is not None:
        product = _chosen(Product, values.product_id, "product_id", line.product_id)
        if write_in:
            raise InvalidValue(_("Choose a product or write one in, not both."),
                               field="product_name")
    elif not write_in:
        raise InvalidValue(_("Choose a product from the catalogue or write one in."),
                           field="product_id")
    quantity = _number(values.quantity, "quantity", QUANTITY_PLACES)
    if values.price is not None:
        price = _money(values.price, contract.currency, "price")
    elif product is not None:
        price = product.price
        if not _fits(price, minor_units(contract.currency)):
            raise InvalidValue(_("%(product)s costs %(price)s, more decimals than %(currency)s has; "
                                 "enter the price.", product=product.name, price=price,
                                 currency=contract.currency), field="price")
        price = as_money(price, contract.currency)
    else:
        raise InvalidValue(_("Required for a written-in product."), field="price")
    amount = detail_amount(quantity, price, contract.currency)
    if abs(amount) >= TOO_LARGE:
        raise InvalidValue(_("Too large."), field="quantity")
    tax = _money(values.tax, contract.currency, "tax", required=False)
    _assign(line, product_id=product.id if product else None, product_name=write_in,
            product_description=_text(values.product_description, "product_description",
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
        raise InvalidValue(_("Choose one of the options."), field="billing_method")
    # Checks query the database: a half-filled line must not be flushed before it is whole.
    with db.session.no_autoflush:
        line.name = _text(values.name, "name", required=method != PRODUCT)
        line.tax_rate = (_percent(values.tax_rate) if values.tax_rate is not None
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
        raise ClassAlreadyOnLine(_("Another time and material line took one of these classes "
                                   "for the project meanwhile; reload and try again."),
                                 field="classes") from None
    return line


@use_case
def create_line(contract_id: int, values: LineValues) -> ContractLine:
    """A new line at the end of the contract."""
    contract = _get(Contract, contract_id, lock=True)
    position = db.session.scalar(select(func.coalesce(func.max(ContractLine.position), -1))
                                 .where(ContractLine.contract_id == contract.id)) + 1
    line = ContractLine(contract_id=contract.id, billing_method=values.billing_method,
                        position=position)
    return _fill_line(contract, line, values)


@use_case
def update_line(line_id: int, values: LineValues) -> ContractLine:
    """Change a line; its billing method stays, and a product line on an invoice is locked."""
    line = _get(ContractLine, line_id, lock=True)
    if values.billing_method != line.billing_method:
        raise InvalidValue(_("The billing method of a saved line cannot be changed."),
                           field="billing_method")
    if line.billing_method == PRODUCT and line.status not in ("not_ready", "ready"):
        raise OnInvoice(_("The product line is on an invoice and cannot be changed."))
    return _fill_line(line.contract, line, values)


@use_case
def delete_line(line_id: int) -> None:
    """Remove a line nothing refers to yet, with its milestones and schedule."""
    line = _get(ContractLine, line_id, lock=True)
    if (_line_used(line.id) or db.session.scalar(select(exists().where(
            BilledSale.contract_line_id == line.id)))):
        raise InUse(_("Line %(line)s has actuals or invoices and cannot be removed.",
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


def checked_schedule(values: ScheduleValues) -> Schedule:
    """The schedule the values describe; SetupRefused naming the field that is wrong."""
    if values.frequency not in FREQUENCIES:
        raise InvalidValue(_("Choose one of the options."), field="frequency")
    if values.start_date is None:
        raise InvalidValue(_("Required."), field="start_date")
    weekly = values.frequency in ("weekly", "biweekly")
    if weekly and values.weekday is None:
        raise InvalidValue(_("Choose the weekday it runs on."), field="weekday")
    if values.frequency == "monthly" and not values.days:
        raise InvalidValue(_("Choose 1 to 4 days of the month."), field="days")
    days = (SEMI_MONTHLY_DAYS if values.frequency == "semi_monthly"
            else tuple(values.days) if values.frequency == "monthly" else ())
    try:
        return Schedule(values.frequency, start=values.start_date, end=values.end_date,
                        weekday=values.weekday if weekly else None, days=days)
    except ScheduleError as error:
        raise InvalidValue(_schedule_message(error.field),
                           field=SCHEDULE_FIELDS.get(error.field, error.field)) from None


def _schedule_message(field: str) -> str:
    return {"weekday": _("Choose the weekday it runs on."),
            "days": _("Choose 1 to 4 different days of the month (1–31)."),
            "end": _("The end date is before the start date.")}.get(field, _("Not valid."))


@use_case
def save_schedule(line_id: int, values: ScheduleValues | None) -> InvoiceSchedule | None:
    """Set, change or (None) remove the invoice schedule of a T&M line."""
    line = _get(ContractLine, line_id, lock=True)
    if line.billing_method != TIME_AND_MATERIAL:
        raise InvalidValue(_("Only time and material lines are invoiced on a schedule."),
                           field="frequency")
    if values is None:
        if line.schedule is not None:
            _delete_schedule(line.schedule)
        return None
    schedule = checked_schedule(values)
    row = line.schedule or InvoiceSchedule(contract_line=line)
    _assign(row, frequency=schedule.frequency, start_date=schedule.start, end_date=schedule.end,
            weekday=schedule.weekday, days=sorted(schedule.month_days) if schedule.frequency in
            ("monthly", "semi_monthly") else None)
    return _added(row)


def _delete_schedule(schedule: InvoiceSchedule) -> None:
    if db.session.scalar(select(exists().where(ScheduleRun.schedule_id == schedule.id))):
        raise InUse(_("The schedule has already run; give it an end date instead of removing "
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
        raise InvalidValue(_("Required."), field="date")
    amount = _money(values.amount, currency, "amount")
    tax = _money(values.tax, currency, "tax", required=False)
    return _assign(milestone, name=_text(values.name, "name"), date=values.date, amount=amount,
                   tax=tax if tax is not None else default_tax(amount, line.tax_rate, currency),
                   description=_text(values.description, "description", required=False,
                                     limit=10_000),
                   external_description=_text(values.external_description,
                                              "external_description", required=False,
                                              limit=10_000))


@use_case
def create_milestone(line_id: int, values: MilestoneValues) -> Milestone:
    """A milestone of a fixed-price line, not ready to invoice until marked in the backlog."""
    line = _get(ContractLine, line_id, lock=True)
    if line.billing_method != FIXED_PRICE:
        raise InvalidValue(_("Only fixed-price lines have milestones."))
    return _added(_fill_milestone(line, Milestone(contract_line_id=line.id, status="not_ready"),
                                  values))


@use_case
def update_milestone(milestone_id: int, values: MilestoneValues) -> Milestone:
    """Change a milestone that is not on an invoice."""
    milestone = _get(Milestone, milestone_id, lock=True)
    if milestone.status not in MILESTONE_STATUSES[:2]:
        raise OnInvoice(_("Milestone %(name)s is on an invoice and cannot be changed.",
                          name=milestone.name))
    return _fill_milestone(milestone.contract_line, milestone, values)


def _delete_milestone(milestone: Milestone) -> None:
    if milestone.status not in MILESTONE_STATUSES[:2] or db.session.scalar(select(exists().where(
            InvoiceLineDetail.milestone_id == milestone.id))):
        raise OnInvoice(_("Milestone %(name)s has been on an invoice and cannot be removed.",
                          name=milestone.name))
    db.session.delete(milestone)
    db.session.flush()


@use_case
def delete_milestone(milestone_id: int) -> None:
    """Remove a milestone that has never been on an invoice."""
    _delete_milestone(_get(Milestone, milestone_id, lock=True))


# --- reads the forms need ------------------------------------------------------------------


def contract_has_invoices(contract_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(Invoice.contract_id == contract_id))))
