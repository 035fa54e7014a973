"""The rules of the import format (SPEC 11): check every object of a file, collect every
problem by path, and plan the rows to write.

Sections are checked in dependency order, so that when a section is checked every record
it can refer to is known: defined earlier in the file or fetched from the database.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache, partial
from decimal import Decimal

from app.billing.enums import BILLING_METHODS, BILLING_TYPES, NOT_AVAILABLE, TRANSACTION_CLASSES
from app.billing.money import minor_units, plain, round_money
from app.billing.pricing import Priced, billing_type_for, choose_price, price_field, priced
from app.billing.schedule import (EARLIEST_START, FREQUENCIES, SEMI_MONTHLY_DAYS, WEEKDAYS,
                                  Schedule, ScheduleError, StartTooEarly)
from app.billing.totals import default_tax
from app.billing.values import (MAX_AMOUNT, MAX_DATE, MIN_DATE, beyond_max_amount, fits,
                                plausible_date, too_large)
from app.billing.identifiers import (EINVOICE_PROFILES, INCOMPLETE, INVALID, UNKNOWN_SCHEME,
                                     VAT_TREATMENTS, endpoint_problem, registration_problem)
from app.models import (Actual, Category, Contract, ContractLine, Customer, Milestone, PriceList,
                        Product, Project, Resource, Role)
from app.services.importing.catalog import (Catalog, ContractRef, FlagRef, LineRef, PriceListRef,
                                            ProductRef, ProjectRef, Ref, existing_values)
from app.services.importing.reading import Item, Problems, items_of, parse_number

FORMAT = "project-invoicing/1"
_NO_TAX = Decimal(0)
SECTIONS = ("customers", "roles", "resources", "categories", "products", "price_lists",
            "projects", "contracts", "actuals")
# Kinds whose keys are unique in their whole table (tasks: within their project only).
KEYED = {"customers": Customer, "roles": Role, "resources": Resource, "categories": Category,
         "products": Product, "price_lists": PriceList, "projects": Project,
         "contracts": Contract, "contract_lines": ContractLine, "milestones": Milestone,
         "actuals": Actual}

LANGUAGES = ("en", "ms", "da")
READY = ("not_ready", "ready")  # milestones and product lines as imported
ACTUAL_STATUSES = ("unbilled", "ready")  # later statuses come from invoicing, not from a file
TIME_AND_MATERIAL, FIXED_PRICE, PRODUCT = BILLING_METHODS
WEEKLY = ("weekly", "biweekly")

CUSTOMER_FIELDS = {"key", "name", "email", "bill_to", "tax_registration_id", "language",
                   "einvoice_profile", "endpoint_scheme", "endpoint_id", "registration_id",
                   "vat_treatment", "vat_exemption_reason"}
BILL_TO_FIELDS = {"street", "postal_code", "city", "country"}
CONTRACT_FIELDS = {"key", "name", "customer", "currency", "price_list", "opportunity",
                   "description", "tax_rate", "lines"}
_LINE = {"key", "name", "billing_method", "tax_rate"}
LINE_FIELDS = {
    TIME_AND_MATERIAL: _LINE | {"project", "classes", "amount", "schedule", "not_to_exceed"},
    FIXED_PRICE: _LINE | {"project", "amount", "milestones"},
    PRODUCT: _LINE | {"product", "product_name", "description", "quantity", "price", "tax",
                      "status"},
}
ANY_LINE_FIELDS = set().union(*LINE_FIELDS.values())
# Why a field of another billing method is refused, per billing method: (code, params).
LINE_MISFITS = {method: {name: ("not_on_billing_method", {"method": method})
                         for name in ANY_LINE_FIELDS - fields}
                for method, fields in LINE_FIELDS.items()}
MILESTONE_FIELDS = {"key", "name", "date", "amount", "tax", "description", "external_description",
                    "status"}
SCHEDULE_FIELDS = {"frequency", "weekday", "days", "start", "end"}
ACTUAL_FIELDS = ("key", "project", "task", "class", "date", "role", "resource", "category",
                 "quantity", "unit", "price", "tax", "billing_type", "internal_comment",
                 "external_comment", "description", "status", "currency")
_ACTUAL_FIELDS = set(ACTUAL_FIELDS)


@dataclass
class Plan:
    """The rows to write, per kind in the file's order: (ref, column values) pairs. A Ref
    among the values stands for its id, known once the record it names is written."""

    rows: dict[str, list[tuple[Ref | None, dict]]] = field(
        default_factory=lambda: defaultdict(list))

    def add(self, kind: str, ref: Ref | None, values: dict) -> None:
        self.rows[kind].append((ref, values))


# Many actuals share quantity, price and rate: price each combination once.
_priced = lru_cache(maxsize=8192)(priced)


def _nested(items: list[Item], list_name: str, name: str):
    """The raw `name` values of the objects in each item's `list_name` list."""
    for item in items:
        entries = item.data.get(list_name)
        if isinstance(entries, list):
            for entry in entries:
                if isinstance(entry, dict):
                    yield entry.get(name)


class Rules:
    """Checks one file: `run()` fills `problems`, and `plan` (to write only if no errors)."""

    def __init__(self, data: object) -> None:
        self.data = data
        self.problems = Problems()
        self.plan = Plan()
        self.catalog = Catalog()
        self._seen: dict[str, set[str]] = defaultdict(set)
        self._claimed: dict[str, list[tuple[Item, str]]] = defaultdict(list)
        self.find = {kind: partial(self.catalog.find, kind) for kind in Catalog.KINDS}
        # A contract line whose project did not resolve: actuals then cannot tell which
        # contract prices them, and saying so again on each would only bury the cause.
        self.unresolved_line_project = False
        # What each contract's items add up to (amount and tax, every billing type): one
        # invoice may take them all, and its total must fit a money column.
        self._contract_totals: dict[int, Decimal] = defaultdict(Decimal)
        self._contracts_over: set[int] = set()

    # --- the file and its keys ---------------------------------------------------------

    def run(self) -> None:
        data = self.data
        if not isinstance(data, dict):
            self.problems.error((), "not_json_object")
            return
        if "format" not in data or data["format"] is None:
            self.problems.error(("format",), "required")
        elif data["format"] != FORMAT:
            self.problems.error(("format",), "wrong_format", format=FORMAT)
        for name in data:
            if name != "format" and name not in SECTIONS:
                self.problems.error((name,), "unknown_section")
        for name in SECTIONS:
            getattr(self, name)(items_of(data.get(name), (name,), self.problems))
        self._check_claimed_keys()

    def claim(self, item: Item, kind: str, seen: set[str] | None = None) -> str | None:
        """The item's key: required, unique within its kind in the file (or within `seen`)
        and, for the kinds in KEYED, not yet in the database (checked at the end, at once)."""
        key = item.text("key", limit=64)
        if key is None:
            return None
        seen = self._seen[kind] if seen is None else seen
        if key in seen:
            item.fail("key", "duplicate_key", key=key)
            return None
        seen.add(key)
        if kind in KEYED:
            self._claimed[kind].append((item, key))
        return key

    def _check_claimed_keys(self) -> None:
        for kind, claimed in self._claimed.items():
            existing = existing_values(KEYED[kind].key, (key for _, key in claimed))
            for item, key in claimed:
                if key in existing:
                    item.fail("key", "key_exists", key=key)

    def define(self, kind: str, ref: Ref, values: dict) -> None:
        """A record of the file that others can refer to by its key."""
        self.catalog.define(kind, ref)
        self.plan.add(kind, ref, values)

    def unit(self, item: Item, name: str = "unit", required: bool = True) -> str | None:
        """The key of a built-in or added unit."""
        key = item.text(name, required, limit=None)
        if key is None:
            return None
        if key not in self.catalog.units:
            item.fail(name, "unknown_reference", kind="unit", key=key)
            return None
        return key

    def _unique_names(self, named: list[tuple[Item, str]], column) -> None:
        """Role and category names are unique in the database too."""
        existing = existing_values(column, (name for _, name in named))
        seen: set[str] = set()
        for item, name in named:
            if name in seen:
                item.fail("name", "duplicate_name", name=name)
            elif name in existing:
                item.fail("name", "name_exists", name=name)
            seen.add(name)

    # --- reference data ----------------------------------------------------------------

    def customers(self, items: list[Item]) -> None:
        for item in items:
            item.only(CUSTOMER_FIELDS)
            key = self.claim(item, "customers")
            values = {"key": key, "name": item.text("name"), "email": item.email("email"),
                      "tax_registration_id": item.text("tax_registration_id", required=False,
                                                       limit=50),
                      "language": item.choice("language", LANGUAGES, required=False, default="en")}
            bill_to = item.child("bill_to")
            if bill_to is not None:
                bill_to.only(BILL_TO_FIELDS)
                values.update(street=bill_to.text("street"),
                              postal_code=bill_to.text("postal_code", limit=20),
                              city=bill_to.text("city", limit=100),
                              country=bill_to.country("country"))
            values.update(self._einvoice_settings(item, values.get("country") or ""))
            self.define("customers", Ref(key), values)

    @staticmethod
    def _einvoice_settings(item: Item, country: str) -> dict:
        """A customer's optional e-invoice settings (issue 16), checked as the setup page
        checks them (app.billing.identifiers)."""
        profile = item.choice("einvoice_profile", EINVOICE_PROFILES, required=False,
                              default="none")
        scheme = item.text("endpoint_scheme", required=False, limit=4)
        endpoint = item.text("endpoint_id", required=False, limit=100)
        problem = endpoint_problem(scheme, endpoint)
        if problem == INCOMPLETE:
            item.fail("endpoint_id" if scheme else "endpoint_scheme", "endpoint_incomplete")
        elif problem == UNKNOWN_SCHEME:
            item.fail("endpoint_scheme", "unknown_endpoint_scheme", scheme=scheme)
        elif problem == INVALID:
            item.fail("endpoint_id", "invalid_endpoint", value=endpoint, scheme=scheme)
        elif profile not in (None, "none") and not endpoint:
            item.fail("endpoint_id", "endpoint_required", profile=profile)
        registration = item.text("registration_id", required=False, limit=50)
        if registration_problem(country, registration):
            item.fail("registration_id", "invalid_cvr")
        treatment = item.choice("vat_treatment", VAT_TREATMENTS, required=False,
                                default="standard")
        reason = item.text("vat_exemption_reason", required=False, limit=200)
        if treatment == "exempt" and not reason:
            item.fail("vat_exemption_reason", "exemption_reason_required")
        return {"einvoice_profile": profile or "none", "endpoint_scheme": scheme or None,
                "endpoint_id": endpoint or None, "registration_id": registration or None,
                "vat_treatment": treatment or "standard", "vat_exemption_reason": reason or None}

    def _flagged(self, items: list[Item], kind: str, column) -> None:
        named = []
        for item in items:
            item.only({"key", "name", "chargeable"})
            key = self.claim(item, kind)
            name = item.text("name")
            chargeable = item.flag("chargeable", True)
            if name:
                named.append((item, name))
            self.define(kind, FlagRef(key, chargeable=chargeable),
                        {"key": key, "name": name, "chargeable": chargeable})
        self._unique_names(named, column)

    def roles(self, items: list[Item]) -> None:
        self._flagged(items, "roles", Role.name)

    def categories(self, items: list[Item]) -> None:
        self._flagged(items, "categories", Category.name)

    def resources(self, items: list[Item]) -> None:
        for item in items:
            item.only({"key", "name"})
            key = self.claim(item, "resources")
            self.define("resources", Ref(key), {"key": key, "name": item.text("name")})

    def products(self, items: list[Item]) -> None:
        for item in items:
            item.only({"key", "name", "description", "price", "unit"})
            key = self.claim(item, "products")
            name = item.text("name")
            price = item.number("price", minimum=Decimal(0))
            unit = self.unit(item, required=False) if item.given("unit") else "each"
            self.define("products", ProductRef(key, name=name, price=price),
                        {"key": key, "name": name, "price": price,
                         "description": item.text("description", required=False, limit=None) or "",
                         "unit_id": self.catalog.units.get(unit)})

    def price_lists(self, items: list[Item]) -> None:
        self.catalog.load("roles", _nested(items, "role_prices", "role"))
        self.catalog.load("categories", _nested(items, "category_prices", "category"))
        for item in items:
            item.only({"key", "name", "currency", "role_prices", "category_prices"})
            key = self.claim(item, "price_lists")
            name = item.text("name")
            price_list = PriceListRef(key, name=name, currency=item.currency("currency"))
            self.define("price_lists", price_list,
                        {"key": key, "name": name, "currency": price_list.currency})
            self._prices(item, price_list, "role_prices", "role", "roles", price_list.role_prices)
            self._prices(item, price_list, "category_prices", "category", "categories",
                         price_list.category_prices)

    def _prices(self, item: Item, price_list: PriceListRef, list_name: str, name: str, kind: str,
                prices: dict) -> None:
        for entry in item.children(list_name):
            entry.only({name, "unit", "price"})
            found = entry.ref(name, self.find[kind], name)
            unit = self.unit(entry)
            price = entry.number("price", minimum=Decimal(0))
            if None in (found, unit, price):
                price_list.complete = False
            else:
                if (found.key, unit) in prices:
                    entry.fail(None, "duplicate_price", kind=name, key=found.key, unit=unit)
                prices.setdefault((found.key, unit), price)
            self.plan.add(list_name, None, {
                "price_list_id": price_list, f"{name}_id": found,
                "unit_id": self.catalog.units.get(unit), "price": price})

    def projects(self, items: list[Item]) -> None:
        self.catalog.load("customers", (item.data.get("customer") for item in items))
        for item in items:
            item.only({"key", "name", "customer", "tasks"})
            key = self.claim(item, "projects")
            project = ProjectRef(key)
            self.define("projects", project, {
                "key": key, "name": item.text("name"),
                "customer_id": item.ref("customer", self.find["customers"], "customer")})
            task_keys: set[str] = set()
            for entry in item.children("tasks"):
                entry.only({"key", "name"})
                task = Ref(self.claim(entry, "tasks", task_keys))
                if task.key is not None:
                    project.tasks[task.key] = task
                self.plan.add("tasks", task, {"key": task.key, "project_id": project,
                                              "name": entry.text("name")})

    # --- contracts -----------------------------------------------------------------------

    def contracts(self, items: list[Item]) -> None:
        self.catalog.load("customers", (item.data.get("customer") for item in items))
        self.catalog.load("price_lists", (item.data.get("price_list") for item in items))
        self.catalog.load("projects", _nested(items, "lines", "project"))
        self.catalog.load("products", _nested(items, "lines", "product"))
        for item in items:
            item.only(CONTRACT_FIELDS)
            key = self.claim(item, "contracts")
            currency = item.currency("currency")
            price_list = item.ref("price_list", self.find["price_lists"], "price list")
            if (price_list is not None and currency is not None
                    and price_list.currency is not None and price_list.currency != currency):
                item.fail("price_list", "price_list_currency", price_list=price_list.label,
                          price_list_currency=price_list.currency, currency=currency)
            contract = ContractRef(key, currency=currency, tax_rate=item.percent("tax_rate"),
                                   price_list=price_list)
            self.define("contracts", contract, {
                "key": key, "name": item.text("name"),
                "customer_id": item.ref("customer", self.find["customers"], "customer"),
                "currency": currency, "price_list_id": price_list,
                "opportunity": item.text("opportunity", required=False) or "",
                "description": item.text("description", required=False, limit=None) or "",
                "tax_rate": contract.tax_rate})
            for position, line in enumerate(item.children("lines")):
                self.contract_line(line, contract, position)

    def adds_to_invoice(self, item: Item, field: str, contract: ContractRef | None,
                        *amounts: Decimal | None) -> None:
        """Count what an item adds to its contract's invoice; the item that takes the sum
        past MAX_AMOUNT is refused (once per contract): that invoice could not be stored."""
        if contract is None or None in amounts:
            return
        key = id(contract)
        self._contract_totals[key] += sum(abs(amount) for amount in amounts)
        if beyond_max_amount(self._contract_totals[key]) and key not in self._contracts_over:
            self._contracts_over.add(key)
            item.fail(field, "invoice_total_too_large", contract=contract.label,
                      limit=plain(MAX_AMOUNT))

    @staticmethod
    def plausible(item: Item, name: str, value):
        """A date of the file within app.billing.values' range, else a problem."""
        if value is not None and not plausible_date(value):
            item.fail(name, "implausible_date", earliest=MIN_DATE.isoformat(),
                      latest=MAX_DATE.isoformat())
            return None
        return value

    def contract_line(self, item: Item, contract: ContractRef, position: int) -> None:
        method = item.choice("billing_method", BILLING_METHODS)
        if method is None:
            item.only(ANY_LINE_FIELDS)
        else:
            item.only(LINE_FIELDS[method], LINE_MISFITS[method])
        key = self.claim(item, "contract_lines")
        tax_rate = (item.percent("tax_rate") if item.given("tax_rate") else contract.tax_rate)
        line = LineRef(key, contract=contract, tax_rate=tax_rate)
        values = {"key": key, "contract_id": contract, "position": position,
                  "name": item.text("name", required=method != PRODUCT),
                  "billing_method": method, "tax_rate": tax_rate}
        if method == PRODUCT:
            self._product_line(item, line, values)
        elif method is not None:
            self._project_line(item, line, method, values)
        self.plan.add("contract_lines", line, values)

    def _project_line(self, item: Item, line: LineRef, method: str, values: dict) -> None:
        """A time and material or fixed-price line."""
        currency = line.contract.currency
        project = item.ref("project", self.find["projects"], "project")
        self.unresolved_line_project |= project is None
        amount = item.money("amount", currency, minimum=Decimal(0))
        values.update(project_id=project, amount=amount)
        if project is not None and project.contract is None:
            project.contract = line.contract
        if method == TIME_AND_MATERIAL:
            values["not_to_exceed"] = item.money("not_to_exceed", currency, required=False,
                                                 minimum=Decimal(0))
            self._classes(item, line, project)
            schedule = item.child("schedule", required=False)
            if schedule is not None:
                self._schedule(schedule, line)
        else:
            self._milestones(item, line, amount)

    def _classes(self, item: Item, line: LineRef, project: ProjectRef | None) -> None:
        """The classes of a T&M line; a (project, class) pair is on one T&M line only, in
        the file and in the database."""
        raw = item.value("classes")
        if raw is None:
            return
        if not isinstance(raw, list) or not raw:
            item.fail("classes", "not_a_class_list", options=", ".join(TRANSACTION_CLASSES))
            return
        chosen: list[str] = []
        for index, value in enumerate(raw):
            path = item.path + ("classes", index)
            if value not in TRANSACTION_CLASSES:
                self.problems.error(path, "not_one_of", options=", ".join(TRANSACTION_CLASSES))
            elif value in chosen:
                self.problems.error(path, "duplicate_class", transaction_class=value)
            else:
                chosen.append(value)
        for transaction_class in chosen:
            if project is not None:
                if transaction_class in project.lines:
                    item.fail("classes", "class_on_another_line", project=project.key,
                              transaction_class=transaction_class)
                else:
                    project.lines[transaction_class] = line
            self.plan.add("contract_line_classes", None, {
                "contract_line_id": line, "project_id": project,
                "transaction_class": transaction_class})

    def _schedule(self, item: Item, line: LineRef) -> None:
        """An invoice schedule; its rules are those of app.billing.schedule."""
        item.only(SCHEDULE_FIELDS)
        before = len(self.problems.errors)
        frequency = item.choice("frequency", FREQUENCIES)
        weekday = self._weekday(item) if item.given("weekday") else None
        days = self._days(item) if item.given("days") else None
        start, end = item.date("start"), item.date("end", required=False)
        # Too early has its own reason (below); too late and the end as any date.
        if start is not None and start >= EARLIEST_START:
            start = self.plausible(item, "start", start)
        end = self.plausible(item, "end", end)
        if frequency in WEEKLY:
            if not item.given("weekday"):
                item.fail("weekday", "required")
            if item.given("days"):
                item.fail("days", "not_on_schedule", frequency=frequency)
        elif frequency is not None:
            if item.given("weekday"):
                item.fail("weekday", "not_on_schedule", frequency=frequency)
            if frequency == "monthly" and not item.given("days"):
                item.fail("days", "required")
            if frequency == "semi_monthly":
                if days is not None and sorted(days) != list(SEMI_MONTHLY_DAYS):
                    item.fail("days", "semi_monthly_days")
                days = list(SEMI_MONTHLY_DAYS)
        if len(self.problems.errors) == before:
            try:
                Schedule(frequency, start, end, weekday, tuple(days or ()))
            except StartTooEarly:
                item.fail("start", "start_too_early", earliest=EARLIEST_START.isoformat())
            except ScheduleError as error:
                item.fail(error.field, "invalid_schedule", reason=str(error))
        values = {"contract_line_id": line, "frequency": frequency, "weekday": weekday,
                  "start_date": start, "end_date": end}
        if days:  # left out otherwise: SQL NULL rather than a JSON null
            values["days"] = sorted(days)
        self.plan.add("invoice_schedules", None, values)

    @staticmethod
    def _weekday(item: Item) -> int | None:
        raw = item.data["weekday"]
        if isinstance(raw, str) and raw.strip().lower() in WEEKDAYS:
            return WEEKDAYS.index(raw.strip().lower())
        number = parse_number(raw)
        if number is not None and number == number.to_integral_value():
            return int(number)
        item.fail("weekday", "not_a_weekday")
        return None

    @staticmethod
    def _days(item: Item) -> list[int] | None:
        raw = item.data["days"]
        numbers = [parse_number(day) for day in raw] if isinstance(raw, list) else [None]
        if any(n is None or n != n.to_integral_value() for n in numbers):
            item.fail("days", "not_a_day_list")
            return None
        return [int(n) for n in numbers]

    def _milestones(self, item: Item, line: LineRef, amount: Decimal | None) -> None:
        """Milestones that do not add up to the line amount are a warning, not an error."""
        currency = line.contract.currency
        total, complete = Decimal(0), True
        for entry in item.children("milestones"):
            entry.only(MILESTONE_FIELDS)
            key = self.claim(entry, "milestones")
            milestone_amount = entry.money("amount", currency, minimum=Decimal(0))
            tax = entry.money("tax", currency, required=False, minimum=Decimal(0))
            if not entry.given("tax") and None not in (milestone_amount, line.tax_rate, currency):
                tax = default_tax(milestone_amount, line.tax_rate, currency)
            if milestone_amount is None:
                complete = False
            else:
                total += milestone_amount
            self.adds_to_invoice(entry, "amount", line.contract, milestone_amount,
                                 tax or Decimal(0))
            self.plan.add("milestones", None, {
                "key": key, "contract_line_id": line, "name": entry.text("name"),
                "description": entry.text("description", required=False, limit=None) or "",
                "external_description": entry.text("external_description", required=False,
                                                   limit=None) or "",
                "date": self.plausible(entry, "date", entry.date("date")),
                "amount": milestone_amount, "tax": tax,
                "status": entry.choice("status", READY, required=False, default="not_ready")})
        if complete and amount is not None and currency is not None and total != amount:
            self.problems.warn(item.path + ("milestones",), "milestones_differ",
                               total=plain(round_money(total, currency)), amount=plain(amount))

    def _product_line(self, item: Item, line: LineRef, values: dict) -> None:
        """A catalogue product (`product`) or a write-in one (`product_name`)."""
        currency = line.contract.currency
        product = item.ref("product", self.find["products"], "product", required=False)
        write_in = item.text("product_name", required=False)
        if item.given("product") and item.given("product_name"):
            item.fail("product_name", "product_and_name")
        elif not item.given("product") and not item.given("product_name"):
            item.fail("product", "product_required")
        quantity = item.number("quantity", minimum=Decimal(0))
        price = None
        if item.given("price"):
            price = item.money("price", currency, minimum=Decimal(0))
        elif product is not None and product.price is not None:
            price = product.price
            if currency is not None and not fits(price, minor_units(currency)):
                item.fail("price", "product_price_decimals", product=product.key, price=price,
                          currency=currency, places=minor_units(currency))
        elif item.given("product_name"):
            item.fail("price", "write_in_price_required")
        tax = item.money("tax", currency, required=False, minimum=Decimal(0))
        amount = None
        if None not in (quantity, price, currency):
            result = priced(quantity, price, line.tax_rate or _NO_TAX, currency)
            if beyond_max_amount(result.amount):
                item.fail("quantity", "amount_beyond_limit", amount=plain(result.amount),
                          limit=plain(MAX_AMOUNT))
            else:
                amount = result.amount
                if not item.given("tax") and line.tax_rate is not None:
                    tax = result.tax
                self.adds_to_invoice(item, "quantity", line.contract, amount,
                                     tax or Decimal(0))
        values.update(
            name=values["name"] or (product.name if product is not None else write_in),
            product_id=product, product_name=write_in,
            product_description=item.text("description", required=False, limit=None),
            quantity=quantity, price=price, tax=tax,
            status=item.choice("status", READY, required=False, default="not_ready"))

    # --- actuals ---------------------------------------------------------------------------

    def actuals(self, items: list[Item]) -> None:
        for kind, name in (("projects", "project"), ("roles", "role"),
                           ("resources", "resource"), ("categories", "category")):
            self.catalog.load(kind, (item.data.get(name) for item in items))
        for item in items:
            self.actual(item)

    def actual(self, item: Item) -> None:
        """One actual: priced from its contract's price list unless it gives a price, taxed
        at its line's rate unless it gives the tax, billing type from the rules of SPEC 4."""
        item.only(_ACTUAL_FIELDS)
        key = self.claim(item, "actuals")
        find = self.find
        project = item.ref("project", find["projects"], "project")
        transaction_class = item.choice("class", TRANSACTION_CLASSES)
        task = None
        if item.given("task"):
            task_key = item.text("task", limit=None)
            if project is not None and task_key is not None:
                task = project.tasks.get(task_key)
                if task is None:
                    item.fail("task", "unknown_task", task=task_key, project=project.key)
        date = self.plausible(item, "date", item.date("date"))
        is_time = transaction_class == "time"
        role = item.ref("role", find["roles"], "role", required=is_time)
        resource = item.ref("resource", find["resources"], "resource",
                            required=is_time)
        category = item.ref("category", find["categories"], "category",
                            required=transaction_class in ("expense", "material"))
        quantity = item.number("quantity")  # negative: a correction
        unit = self.unit(item)

        line = contract = None
        if project is not None and transaction_class is not None:
            line = project.lines.get(transaction_class)
            contract = line.contract if line is not None else project.contract
        # The project, when no contract has a line on it to price the actual.
        unpriced = project if contract is None and transaction_class is not None else None
        if unpriced is not None and self.unresolved_line_project:
            unpriced = None
        currency = self._actual_currency(item, contract, unpriced)
        price = self._actual_price(item, contract, unpriced, transaction_class, role, category,
                                   unit)
        amount = tax = None
        if None not in (quantity, price, currency):
            # Not available: no line, so the rate of the contract that prices it.
            rate = (line.tax_rate if line is not None
                    else contract.tax_rate if contract is not None else _NO_TAX)
            result: Priced = _priced(quantity, price, _NO_TAX if rate is None else rate, currency)
            if too_large(result.amount):
                item.fail("quantity", "amount_too_large")
            else:
                amount = result.amount
                if rate is not None:
                    tax = result.tax
        if item.given("tax"):
            tax = item.money("tax", currency)
        self.adds_to_invoice(item, "quantity", contract, amount, tax or Decimal(0))
        self.plan.add("actuals", None, {
            "key": key, "project_id": project, "task_id": task, "contract_line_id": line,
            "transaction_class": transaction_class, "date": date, "role_id": role,
            "resource_id": resource, "category_id": category,
            "unit_id": self.catalog.units.get(unit), "quantity": quantity, "price": price,
            "currency": currency, "amount": amount, "tax": tax,
            "billing_type": self._billing_type(item, project, transaction_class, line, role,
                                               category),
            "internal_comment": item.text("internal_comment", required=False, limit=None) or "",
            "external_comment": item.text("external_comment", required=False, limit=None) or "",
            "description": item.text("description", required=False, limit=None) or "",
            "status": item.choice("status", ACTUAL_STATUSES, required=False, default="unbilled")})

    @staticmethod
    def _actual_currency(item: Item, contract: ContractRef | None,
                         unpriced: ProjectRef | None) -> str | None:
        """The contract's currency; an actual no contract prices gives its own."""
        given = item.currency("currency", required=False)
        if contract is not None:
            if given is not None and contract.currency not in (None, given):
                item.fail("currency", "not_contract_currency", currency=contract.currency,
                          contract=contract.label)
            return contract.currency
        if not item.given("currency") and unpriced is not None:
            item.fail("currency", "required_without_contract", project=unpriced.key)
        return given

    @staticmethod
    def _actual_price(item: Item, contract: ContractRef | None, unpriced: ProjectRef | None,
                      transaction_class: str | None, role: FlagRef | None,
                      category: FlagRef | None, unit: str | None) -> Decimal | None:
        """The given price, else the contract's price list, as app.billing.pricing chooses:
        the role price for time (else the category price), the category price otherwise."""
        if item.given("price"):
            return item.number("price", minimum=Decimal(0))
        if contract is None:
            if unpriced is not None:
                item.fail("price", "required_without_contract", project=unpriced.key)
            return None
        price_list = contract.price_list
        if price_list is None or not price_list.complete or unit is None:
            return None
        # What a missing price is reported against: the role of time, else the category.
        kind = price_field(transaction_class)
        named = role if kind == "role" else category
        if named is None:  # already reported (or a class that needs neither)
            if transaction_class == "fee" and not item.given("category"):
                item.fail("price", "fee_price_required")
            return None
        price = choose_price(
            transaction_class,
            price_list.role_prices.get((role.key, unit)) if role is not None else None,
            price_list.category_prices.get((category.key, unit)) if category is not None
            else None)
        if price is None:
            item.fail("price", "no_price", kind=kind, key=named.key, unit=unit,
                      price_list=price_list.label)
        return price

    @staticmethod
    def _billing_type(item: Item, project: ProjectRef | None, transaction_class: str | None,
                      line: LineRef | None, role: FlagRef | None,
                      category: FlagRef | None) -> str | None:
        """not_available when no line includes the class; else the given billing type, else
        as app.billing.pricing decides: non-chargeable for a non-chargeable role (time) or
        category, chargeable otherwise."""
        given = item.choice("billing_type", BILLING_TYPES, required=False)
        if project is None or transaction_class is None:
            return given
        if line is None:
            if given not in (None, NOT_AVAILABLE):
                item.fail("billing_type", "no_line_for_class", project=project.key,
                          transaction_class=transaction_class)
            return billing_type_for(transaction_class, on_line=False)
        if given == NOT_AVAILABLE:
            item.fail("billing_type", "class_on_line", line=line.label,
                      transaction_class=transaction_class, project=project.key)
        if given is not None:
            return given
        return billing_type_for(
            transaction_class, on_line=True,
            role_chargeable=role.chargeable if role is not None else None,
            category_chargeable=category.chargeable if category is not None else None)


def check(data: object) -> tuple[Plan, Problems]:
    """Check a whole file; the plan is only to be written when there are no errors."""
    rules = Rules(data)
    rules.run()
    return rules.plan, rules.problems
