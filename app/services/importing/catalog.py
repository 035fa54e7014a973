"""What the keys of an import file refer to: records the file defines, else records already
in the database, fetched with one query per kind for all the keys a section names."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db
from app.models import (Category, CategoryPrice, Contract, ContractLine, ContractLineClass,
                        Customer, PriceList, Product, Project, Resource, Role, RolePrice, Task,
                        Unit)

# Keys per IN (…): well below the bound-parameter limits of SQLite and PostgreSQL.
CHUNK = 900


@dataclass(eq=False)
class Ref:
    """A record the file refers to by key. Records the file defines get their id when
    they are written; records from the database have it from the start."""

    key: str | None
    id: int | None = None


@dataclass(eq=False)
class FlagRef(Ref):
    """A role or a transaction category."""

    chargeable: bool | None = True


@dataclass(eq=False)
class ProductRef(Ref):
    name: str | None = None
    price: Decimal | None = None


@dataclass(eq=False)
class PriceListRef(Ref):
    name: str | None = None
    currency: str | None = None
    # (role key, unit key) → price and (category key, unit key) → price
    role_prices: dict[tuple[str, str], Decimal | None] = field(default_factory=dict)
    category_prices: dict[tuple[str, str], Decimal | None] = field(default_factory=dict)
    # False when some of its prices are wrong: a price missing from it is no news then.
    complete: bool = True

    @property
    def label(self) -> str | None:
        return self.key or self.name


@dataclass(eq=False)
class ContractRef(Ref):
    number: str | None = None
    currency: str | None = None
    tax_rate: Decimal | None = None
    price_list: PriceListRef | None = None

    @property
    def label(self) -> str | None:
        return self.key or self.number


@dataclass(eq=False)
class LineRef(Ref):
    contract: ContractRef | None = None
    tax_rate: Decimal | None = None

    @property
    def label(self) -> str:
        return self.key or str(self.id)


@dataclass(eq=False)
class ProjectRef(Ref):
    tasks: dict[str, Ref] = field(default_factory=dict)
    # transaction class → the time and material line that includes it
    lines: dict[str, LineRef] = field(default_factory=dict)
    # the first contract with a line on the project: prices actuals no line includes
    contract: ContractRef | None = None


def _rows(statement: Select, column: InstrumentedAttribute, values: Iterable) -> Iterator:
    """The statement's rows where column IN values, a chunk of values per query."""
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield from db.session.execute(statement.where(column.in_(values[start:start + CHUNK])))


def existing_values(column: InstrumentedAttribute, values: Iterable) -> set:
    """Those of the values the column already holds (keys, names)."""
    return {value for (value,) in _rows(select(column), column, set(values))}


class Catalog:
    """Records by kind and key: the file's first, then the database's."""

    KINDS = ("customers", "roles", "resources", "categories", "products", "price_lists",
             "projects", "contracts")

    def __init__(self) -> None:
        self.defined: dict[str, dict[str, Ref]] = {kind: {} for kind in self.KINDS}
        self.stored: dict[str, dict[str, Ref]] = {kind: {} for kind in self.KINDS}
        self.units: dict[str, int] = {
            key: id_ for key, id_ in db.session.execute(select(Unit.key, Unit.id))}
        self._price_lists: dict[int, PriceListRef] = {}
        self._contracts: dict[int, ContractRef] = {}

    def define(self, kind: str, ref: Ref) -> None:
        """A record of the file; the first one with a key wins (later ones are duplicates)."""
        if ref.key is not None:
            self.defined[kind].setdefault(ref.key, ref)

    def find(self, kind: str, key: str) -> Ref | None:
        found = self.defined[kind].get(key)
        return found if found is not None else self.stored[kind].get(key)

    def load(self, kind: str, keys: Iterable[object]) -> None:
        """Fetch the stored records of the keys a section names that the file does not define."""
        wanted = ({key.strip() for key in keys if isinstance(key, str)}
                  - self.defined[kind].keys() - self.stored[kind].keys())
        if wanted:
            getattr(self, f"_load_{kind}")(sorted(wanted))

    def _load_customers(self, keys: list[str]) -> None:
        for id_, key in _rows(select(Customer.id, Customer.key), Customer.key, keys):
            self.stored["customers"][key] = Ref(key, id_)

    def _load_resources(self, keys: list[str]) -> None:
        for id_, key in _rows(select(Resource.id, Resource.key), Resource.key, keys):
            self.stored["resources"][key] = Ref(key, id_)

    def _load_roles(self, keys: list[str]) -> None:
        statement = select(Role.id, Role.key, Role.chargeable)
        for id_, key, chargeable in _rows(statement, Role.key, keys):
            self.stored["roles"][key] = FlagRef(key, id_, chargeable)

    def _load_categories(self, keys: list[str]) -> None:
        statement = select(Category.id, Category.key, Category.chargeable)
        for id_, key, chargeable in _rows(statement, Category.key, keys):
            self.stored["categories"][key] = FlagRef(key, id_, chargeable)

    def _load_products(self, keys: list[str]) -> None:
        statement = select(Product.id, Product.key, Product.name, Product.price)
        for id_, key, name, price in _rows(statement, Product.key, keys):
            self.stored["products"][key] = ProductRef(key, id_, name, price)

    def _load_price_lists(self, keys: list[str]) -> None:
        self._price_lists_by_id(id_ for (id_,) in _rows(select(PriceList.id), PriceList.key, keys))

    def _price_lists_by_id(self, ids: Iterable[int]) -> dict[int, PriceListRef]:
        """Price lists with their role and category prices (by role/category and unit key)."""
        missing = set(ids) - self._price_lists.keys()
        if missing:
            statement = select(PriceList.id, PriceList.key, PriceList.name, PriceList.currency)
            found = {id_: PriceListRef(key, id_, name, currency)
                     for id_, key, name, currency in _rows(statement, PriceList.id, missing)}
            role_prices = (select(RolePrice.price_list_id, Role.key, Unit.key, RolePrice.price)
                           .join(Role, Role.id == RolePrice.role_id)
                           .join(Unit, Unit.id == RolePrice.unit_id)
                           .where(Role.key.is_not(None)))
            for id_, role, unit, price in _rows(role_prices, RolePrice.price_list_id, found):
                found[id_].role_prices[(role, unit)] = price
            category_prices = (select(CategoryPrice.price_list_id, Category.key, Unit.key,
                                      CategoryPrice.price)
                               .join(Category, Category.id == CategoryPrice.category_id)
                               .join(Unit, Unit.id == CategoryPrice.unit_id)
                               .where(Category.key.is_not(None)))
            for id_, category, unit, price in _rows(category_prices,
                                                    CategoryPrice.price_list_id, found):
                found[id_].category_prices[(category, unit)] = price
            self._price_lists.update(found)
            for ref in found.values():
                if ref.key is not None:
                    self.stored["price_lists"].setdefault(ref.key, ref)
        return self._price_lists

    def _contracts_by_id(self, ids: Iterable[int]) -> dict[int, ContractRef]:
        missing = set(ids) - self._contracts.keys()
        if missing:
            statement = select(Contract.id, Contract.key, Contract.number, Contract.currency,
                               Contract.tax_rate, Contract.price_list_id)
            rows = list(_rows(statement, Contract.id, missing))
            price_lists = self._price_lists_by_id(row.price_list_id for row in rows)
            for row in rows:
                self._contracts[row.id] = ContractRef(row.key, row.id, row.number, row.currency,
                                                      row.tax_rate, price_lists[row.price_list_id])
        return self._contracts

    def _load_projects(self, keys: list[str]) -> None:
        """Projects with their tasks, the T&M lines that include each class and the first
        contract with a line on them."""
        projects = {id_: ProjectRef(key, id_)
                    for id_, key in _rows(select(Project.id, Project.key), Project.key, keys)}
        tasks = select(Task.project_id, Task.key, Task.id).where(Task.key.is_not(None))
        for project_id, key, id_ in _rows(tasks, Task.project_id, projects):
            projects[project_id].tasks[key] = Ref(key, id_)
        included = (select(ContractLineClass.project_id, ContractLineClass.transaction_class,
                           ContractLine.id, ContractLine.key, ContractLine.tax_rate,
                           ContractLine.contract_id)
                    .join(ContractLine, ContractLine.id == ContractLineClass.contract_line_id))
        included_rows = list(_rows(included, ContractLineClass.project_id, projects))
        first = (select(ContractLine.project_id, func.min(ContractLine.contract_id))
                 .group_by(ContractLine.project_id))
        first_rows = list(_rows(first, ContractLine.project_id, projects))
        contracts = self._contracts_by_id([row.contract_id for row in included_rows]
                                          + [contract_id for _, contract_id in first_rows])
        lines: dict[int, LineRef] = {}
        for project_id, transaction_class, line_id, key, tax_rate, contract_id in included_rows:
            line = lines.setdefault(line_id,
                                    LineRef(key, line_id, contracts[contract_id], tax_rate))
            projects[project_id].lines[transaction_class] = line
        for project_id, contract_id in first_rows:
            projects[project_id].contract = contracts[contract_id]
        for project in projects.values():
            self.stored["projects"][project.key] = project
