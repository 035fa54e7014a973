"""Reference data (SPEC 2): customers, roles, resources, categories, units, products,
price lists with their prices, projects with their tasks — created, changed and archived,
one use case each.

Every refusal is a ServiceError naming the form field it belongs next to. Rules the
database also enforces (unique names) are checked first for a clear message.
"""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.billing.money import PRICE_PLACES
from app.billing.values import is_country, is_email
from app.extensions import db
from app.billing.identifiers import (EAS_SCHEMES, EINVOICE_PROFILES, INCOMPLETE, INVALID,
                                     UNKNOWN_SCHEME, VAT_TREATMENTS, endpoint_problem,
                                     registration_problem)
from app.models import (Category, CategoryPrice, Contract, Customer, PriceList, Product, Project,
                        Resource, Role, RolePrice, Task, Unit, UnitSchedule)
from app.services import Conflict, ServiceError, use_case
from app.services.checks import (added, assign, chosen, currency_code, get_row, new_key,
                                 number, text, unique_name)
from app.terms import unit_term

BUILT_IN_UNITS = ("hour", "day", "each", "km")
LANGUAGES = ("en", "ms", "da")


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
    # E-invoices (issue 16): the profile received, the electronic address, the legal
    # registration, and how VAT applies (with the reason when exempt).
    einvoice_profile: str = "none"
    endpoint_scheme: str | None = None
    endpoint_id: str | None = None
    registration_id: str | None = None
    vat_treatment: str = "standard"
    vat_exemption_reason: str | None = None


def _einvoice_settings(values: CustomerValues, country: str) -> dict:
    """The customer's e-invoice settings, checked: an electronic address with a known scheme
    (and, where python-stdnum knows it, a valid number), a Danish registration that is a CVR
    number, an exemption reason when its invoices are exempt, and an address for a profile."""
    if values.einvoice_profile not in EINVOICE_PROFILES:
        raise ServiceError(_("Choose one of the options."), field="einvoice_profile")
    if values.vat_treatment not in VAT_TREATMENTS:
        raise ServiceError(_("Choose one of the options."), field="vat_treatment")
    scheme = text(values.endpoint_scheme, "endpoint_scheme", required=False, limit=4)
    endpoint = text(values.endpoint_id, "endpoint_id", required=False, limit=100)
    problem = endpoint_problem(scheme, endpoint)
    if problem == INCOMPLETE:
        field = "endpoint_id" if scheme else "endpoint_scheme"
        raise ServiceError(_("An electronic address has a scheme and an identifier: give both, "
                             "or neither."), field=field)
    if problem == UNKNOWN_SCHEME:
        raise ServiceError(_("Not an electronic address scheme we know (e.g. 0184 for a "
                             "Danish CVR number)."), field="endpoint_scheme")
    if problem == INVALID:
        raise ServiceError(_("%(value)s is not a valid %(scheme)s identifier (its length or "
                             "check digit is wrong).", value=endpoint,
                             scheme=EAS_SCHEMES[scheme]), field="endpoint_id")
    if values.einvoice_profile != "none" and not endpoint:
        raise ServiceError(_("A customer who receives e-invoices needs an electronic address."),
                           field="endpoint_id")
    registration = text(values.registration_id, "registration_id", required=False, limit=50)
    if registration_problem(country, registration):
        raise ServiceError(_("A Danish registration number is a CVR number: 8 digits with a "
                             "valid check digit."), field="registration_id")
    reason = text(values.vat_exemption_reason, "vat_exemption_reason", required=False,
                  limit=200)
    if values.vat_treatment == "exempt" and not reason:
        raise ServiceError(_("Say why the customer's invoices are exempt from VAT (the reason "
                             "is printed on every e-invoice)."), field="vat_exemption_reason")
    return {"einvoice_profile": values.einvoice_profile, "endpoint_scheme": scheme or None,
            "endpoint_id": endpoint or None, "registration_id": registration or None,
            "vat_treatment": values.vat_treatment, "vat_exemption_reason": reason or None}


def _customer(values: CustomerValues) -> dict:
    country = text(values.country, "country").upper()
    if not is_country(country):
        raise ServiceError(_("A 2-letter ISO 3166 country code, such as DK or MY."),
                           field="country")
    email = text(values.email, "email", limit=254)
    if not is_email(email):
        raise ServiceError(_("Not an e-mail address."), field="email")
    if values.language not in LANGUAGES:
        raise ServiceError(_("Choose one of the options."), field="language")
    return {"name": text(values.name, "name"), "email": email,
            "street": text(values.street, "street"),
            "postal_code": text(values.postal_code, "postal_code", limit=20),
            "city": text(values.city, "city", limit=100), "country": country,
            "tax_registration_id": text(values.tax_registration_id, "tax_registration_id",
                                         required=False, limit=50) or None,
            "language": values.language, **_einvoice_settings(values, country)}


@use_case
def create_customer(values: CustomerValues) -> Customer:
    """A new customer with its bill-to address."""
    return added(Customer(**_customer(values)))


@use_case
def update_customer(customer_id: int, values: CustomerValues) -> Customer:
    """Change a customer; invoices already created keep the bill-to they were made with."""
    return assign(get_row(Customer, customer_id), **_customer(values))


def _save_flagged(model, row_id: int | None, name: str, chargeable: bool):
    """Create (row_id None) or change a role or category: a unique name and a chargeable flag."""
    row = get_row(model, row_id) if row_id is not None else None
    name = text(name, "name")
    unique_name(model, name, row.id if row else None)
    if row is None:
        return added(model(name=name, chargeable=chargeable))
    return assign(row, name=name, chargeable=chargeable)


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
    return added(Resource(name=text(name, "name")))


@use_case
def update_resource(resource_id: int, name: str) -> Resource:
    """Rename a bookable resource."""
    return assign(get_row(Resource, resource_id), name=text(name, "name"))


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
    get_row(ARCHIVABLE[kind], id_).archived = archived


# --- units ---------------------------------------------------------------------------------


@use_case
def create_unit_schedule(key: str, name: str) -> UnitSchedule:
    """A new unit schedule (Time, Quantity and Distance are built in)."""
    return added(UnitSchedule(key=new_key(key, UnitSchedule), name=text(name, "name")))


@use_case
def create_unit(key: str, name: str, schedule_id: int) -> Unit:
    """A unit of a schedule, e.g. "week" in Time."""
    schedule = get_row(UnitSchedule, schedule_id, "schedule_id")
    return added(Unit(key=new_key(key, Unit), name=text(name, "name"), schedule_id=schedule.id))


@use_case
def update_unit(unit_id: int, name: str) -> Unit:
    """Rename a unit an admin added; its key and schedule stay (files and prices use them)."""
    unit = get_row(Unit, unit_id)
    if unit.key in BUILT_IN_UNITS:
        raise ServiceError(_("Built-in units cannot be changed."), field="name")
    return assign(unit, name=text(name, "name"))


# --- products and price lists --------------------------------------------------------------


@dataclass(frozen=True)
class ProductValues:
    name: str
    price: Decimal | None
    unit_id: int | None
    description: str = ""


def _product(values: ProductValues, current: Product | None) -> dict:
    return {"name": text(values.name, "name"),
            "description": text(values.description, "description", required=False,
                                 limit=10_000),
            "price": number(values.price, "price", PRICE_PLACES),
            "unit_id": get_row(Unit, values.unit_id, "unit_id").id}


@use_case
def create_product(values: ProductValues) -> Product:
    """A catalogue product with its default price and unit."""
    return added(Product(**_product(values, None)))


@use_case
def update_product(product_id: int, values: ProductValues) -> Product:
    """Change a product; product lines keep the price they were given."""
    product = get_row(Product, product_id)
    return assign(product, **_product(values, product))


def price_list_used_by(price_list_id: int) -> Contract | None:
    """The first contract (by number) that uses the price list, if any."""
    return db.session.scalar(select(Contract).where(Contract.price_list_id == price_list_id)
                             .order_by(Contract.number).limit(1))


@use_case
def create_price_list(name: str, currency: str) -> PriceList:
    """An empty price list in a currency; prices are added one by one."""
    return added(PriceList(name=text(name, "name"), currency=currency_code(currency)))


@use_case
def update_price_list(price_list_id: int, name: str, currency: str | None) -> PriceList:
    """Rename a price list; its currency (None: unchanged) is locked once a contract uses it
    (SPEC 3: a contract's price list is in the contract's currency)."""
    price_list = get_row(PriceList, price_list_id, lock=True)
    currency = price_list.currency if currency is None else currency_code(currency)
    if currency != price_list.currency:
        contract = price_list_used_by(price_list.id)
        if contract is not None:
            raise Conflict(_("Contract %(contract)s uses this price list in %(currency)s; "
                             "its currency cannot be changed.", contract=contract.number,
                             currency=price_list.currency), field="currency")
    return assign(price_list, name=text(name, "name"), currency=currency)


def _price(value: Decimal | None) -> Decimal:
    return number(value, "price", PRICE_PLACES)


def _add_price(model, owner_model, owner: str, price_list_id: int, owner_id: int, unit_id: int,
               price: Decimal | None, taken):
    """A price of a role or category (`owner`) per unit in a price list: one per unit."""
    price_list = get_row(PriceList, price_list_id)
    row = chosen(owner_model, owner_id, f"{owner}_id")
    unit = get_row(Unit, unit_id, "unit_id")
    if db.session.scalar(select(model.id).where(
            model.price_list_id == price_list.id, getattr(model, f"{owner}_id") == row.id,
            model.unit_id == unit.id)) is not None:
        raise ServiceError(taken(row.name, unit_term(unit)), field=f"{owner}_id")
    return added(model(price_list_id=price_list.id, unit_id=unit.id, price=_price(price),
                       **{f"{owner}_id": row.id}))


@use_case
def add_role_price(price_list_id: int, role_id: int, unit_id: int,
                   price: Decimal | None) -> RolePrice:
    """A role's price per unit in a price list (what an hour of a developer costs)."""
    return _add_price(RolePrice, Role, "role", price_list_id, role_id, unit_id, price,
                      lambda name, unit: _("%(role)s already has a price per %(unit)s in this "
                                           "price list; change that one.", role=name, unit=unit))


@use_case
def add_category_price(price_list_id: int, category_id: int, unit_id: int,
                       price: Decimal | None) -> CategoryPrice:
    """A transaction category's price per unit in a price list."""
    return _add_price(CategoryPrice, Category, "category", price_list_id, category_id, unit_id,
                      price, lambda name, unit: _(
                          "%(category)s already has a price per %(unit)s in this price list; "
                          "change that one.", category=name, unit=unit))


@use_case
def change_price(kind: str, row_id: int, price: Decimal | None) -> None:
    """A new price for a role or category price row (actuals already priced keep theirs)."""
    get_row(RolePrice if kind == "role" else CategoryPrice, row_id).price = _price(price)


@use_case
def remove_price(kind: str, row_id: int) -> None:
    """Remove a role or category price; entries approved later find no price there."""
    db.session.delete(get_row(RolePrice if kind == "role" else CategoryPrice, row_id))


# --- projects and tasks --------------------------------------------------------------------


@use_case
def create_project(name: str, customer_id: int | None, tasks: list[str] = ()) -> Project:
    """A project of a customer, with its first tasks."""
    project = added(Project(name=text(name, "name"),
                             customer_id=chosen(Customer, customer_id, "customer_id").id))
    for task in tasks:
        if task.strip():
            added(Task(project_id=project.id, name=text(task, "tasks")))
    return project


@use_case
def update_project(project_id: int, name: str, customer_id: int | None) -> Project:
    """Rename a project or move it to another (active) customer."""
    project = get_row(Project, project_id)
    customer = chosen(Customer, customer_id, "customer_id", current=project.customer_id)
    return assign(project, name=text(name, "name"), customer_id=customer.id)


@use_case
def add_task(project_id: int, name: str) -> Task:
    """A new task of a project."""
    return added(Task(project_id=get_row(Project, project_id).id, name=text(name, "name")))


@use_case
def rename_task(task_id: int, name: str) -> Task:
    """Rename a task (entries and actuals keep pointing at it)."""
    return assign(get_row(Task, task_id), name=text(name, "name"))


