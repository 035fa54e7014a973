"""Small make_* factories with keyword defaults; each flushes and returns the row. And two
small helpers that read what the app produced (pdf_text, flat)."""

import datetime as dt
import io
from decimal import Decimal
from itertools import count

from pypdf import PdfReader

from app.billing.totals import default_tax, detail_amount
from app.extensions import db
from app.models import (Actual, Category, CategoryPrice, Contract, ContractLine, ContractLineClass,
                        Customer, Milestone, PriceList, Product, Project, Resource, Role, RolePrice,
                        Task)
from app.services.numbering import next_contract_number

_seq = count(1)
HOUR, DAY, EACH, KM = 1, 2, 3, 4  # built-in unit ids


def _add(row):
    db.session.add(row)
    db.session.flush()
    return row


def make_customer(**kw) -> Customer:
    n = next(_seq)
    return _add(Customer(**{"name": f"Customer {n}", "email": f"ap{n}@example.com",
                            "street": "Main Street 1", "postal_code": "1000",
                            "city": "Copenhagen", "country": "DK", **kw}))


def make_role(**kw) -> Role:
    return _add(Role(**{"name": f"Role {next(_seq)}", **kw}))


def make_resource(**kw) -> Resource:
    return _add(Resource(**{"name": f"Person {next(_seq)}", **kw}))


def make_category(**kw) -> Category:
    return _add(Category(**{"name": f"Category {next(_seq)}", **kw}))


def make_product(**kw) -> Product:
    return _add(Product(**{"name": f"Product {next(_seq)}", "price": Decimal("100.00"),
                           "unit_id": EACH, **kw}))


def make_price_list(currency="DKK", role_prices=(), category_prices=(), **kw) -> PriceList:
    """role_prices / category_prices: (role, Decimal price) pairs, per hour / each."""
    price_list = _add(PriceList(**{"name": f"{currency} prices {next(_seq)}", "currency": currency, **kw}))
    for role, price in role_prices:
        _add(RolePrice(price_list=price_list, role=role, unit_id=HOUR, price=price))
    for category, price in category_prices:
        _add(CategoryPrice(price_list=price_list, category=category, unit_id=EACH, price=price))
    return price_list


def make_project(customer=None, tasks=(), **kw) -> Project:
    project = _add(Project(**{"name": f"Project {next(_seq)}",
                              "customer": customer or make_customer(), **kw}))
    for name in tasks:
        _add(Task(project=project, name=name, key=name.lower()))
    return project


def make_contract(customer=None, price_list=None, currency="DKK", tax_rate=Decimal("25"),
                  **kw) -> Contract:
    return _add(Contract(**{"number": next_contract_number(), "name": f"Contract {next(_seq)}",
                            "customer": customer or make_customer(), "currency": currency,
                            "price_list": price_list or make_price_list(currency),
                            "tax_rate": tax_rate, **kw}))


def make_tm_line(contract, project, classes=("time", "expense", "material", "fee"), **kw) -> ContractLine:
    line = _add(ContractLine(**{"contract": contract, "name": "Time and material",
                                "billing_method": "time_and_material", "project": project,
                                "amount": Decimal("100000"), "tax_rate": contract.tax_rate, **kw}))
    for transaction_class in classes:
        _add(ContractLineClass(contract_line_id=line.id, project_id=project.id,
                               transaction_class=transaction_class))
    return line


def make_fixed_price_line(contract, project, milestones=(), **kw) -> ContractLine:
    """milestones: (date, amount) pairs, tax at the line's rate, status ready."""
    line = _add(ContractLine(**{"contract": contract, "name": "Fixed price",
                                "billing_method": "fixed_price", "project": project,
                                "amount": sum((a for _, a in milestones), Decimal(0)),
                                "tax_rate": contract.tax_rate, **kw}))
    for i, (date, amount) in enumerate(milestones, 1):
        _add(Milestone(contract_line=line, name=f"Milestone {i}", date=date, amount=amount,
                       tax=default_tax(amount, line.tax_rate, contract.currency), status="ready"))
    return line


def make_product_line(contract, product=None, quantity=Decimal("2"), price=Decimal("100.00"),
                      status="ready", **kw) -> ContractLine:
    product = product or make_product(price=price)
    amount = detail_amount(quantity, price, contract.currency)
    return _add(ContractLine(**{"contract": contract, "name": product.name, "billing_method": "product",
                                "product": product, "quantity": quantity, "price": price,
                                "tax": default_tax(amount, contract.tax_rate, contract.currency),
                                "tax_rate": contract.tax_rate, "status": status, **kw}))


def make_actual(line, transaction_class="time", date=dt.date(2026, 3, 2), quantity=Decimal("7.5"),
                price=Decimal("950.00"), status="ready", billing_type="chargeable", **kw) -> Actual:
    """A priced actual on a contract line (role and resource made for time)."""
    currency = line.contract.currency
    amount = detail_amount(quantity, price, currency)
    values = {"project_id": line.project_id, "contract_line": line,
              "transaction_class": transaction_class, "date": date,
              "unit_id": HOUR if transaction_class == "time" else EACH, "quantity": quantity,
              "price": price, "currency": currency, "amount": amount,
              "tax": default_tax(amount, line.tax_rate, currency),
              "billing_type": billing_type, "status": status}
    if transaction_class == "time":
        values.update(role=kw.pop("role", None) or make_role(),
                      resource=kw.pop("resource", None) or make_resource())
    return _add(Actual(**{**values, **kw}))


def pdf_text(pdf: bytes) -> list[str]:
    """The text of each page, whitespace (no-break spaces too) collapsed to one space."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    """Whitespace (no-break spaces too) collapsed to one space."""
    return " ".join(text.split())
