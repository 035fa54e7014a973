"""Pricing one item from its contract's price list (SPEC 4)."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Actual, InvoiceLineDetail
from app.services.editing import add_detail
from app.services.entries import EntryValues, approve_entry, create_entry
from app.services.importer import import_data
from app.services.invoicing import InvoiceParameters, create_invoice
from app.services.pricing import line_for, list_price, price_item
from tests.factories import (EACH, HOUR, make_category, make_contract, make_price_list,
                             make_project, make_resource, make_role, make_tm_line)

pytestmark = pytest.mark.usefixtures("app")


def test_the_line_is_found_from_project_and_class():
    project = make_project()
    line = make_tm_line(make_contract(), project, classes=("time",))
    assert line_for(project.id, "time").id == line.id
    assert line_for(project.id, "expense") is None


def test_time_falls_back_to_the_category_price_when_the_role_has_none():
    role, category = make_role(), make_category()
    prices = make_price_list(role_prices=[(role, Decimal("950.00"))],
                             category_prices=[(category, Decimal("10.00"))])
    assert list_price(prices.id, "time", role.id, None, HOUR) == Decimal("950.00")
    assert list_price(prices.id, "time", role.id, category.id, EACH) == Decimal("10.00")
    assert list_price(prices.id, "expense", None, category.id, EACH) == Decimal("10.00")
    assert list_price(prices.id, "expense", None, category.id, HOUR) is None


def test_amount_and_tax_are_rounded_half_up_in_the_contract_currency():
    category = make_category()
    prices = make_price_list("JPY", category_prices=[(category, Decimal("33.3333"))])
    contract = make_contract(currency="JPY", price_list=prices, tax_rate=Decimal("10"))
    project = make_project()
    make_tm_line(contract, project, classes=("expense",))
    priced = price_item(project.id, "expense", role_id=None, category_id=category.id,
                        unit_id=EACH, quantity=Decimal("1.5"))
    assert (priced.amount, priced.tax, priced.currency) == (Decimal("50"), Decimal("5"), "JPY")


# ---------------------------------------------------------------- one rule, three paths

def _priced_three_ways(price_list, transaction_class: str, quantity: Decimal, *, role=None,
                       category=None, unit=HOUR):
    """The same actual priced by entry approval, by the import and by the invoice editor
    (a new detail backed by nothing, price left blank): (price, amount, tax, billing type)."""
    project = make_project(key="web")
    make_tm_line(make_contract(price_list=price_list, tax_rate=Decimal("25"), key="c1"), project)
    resource = make_resource(key="ana") if transaction_class == "time" else None
    db.session.commit()
    entry = create_entry(EntryValues(
        project_id=project.id, transaction_class=transaction_class, date=dt.date(2026, 3, 2),
        unit_id=unit, quantity=quantity, role_id=role.id if role else None,
        resource_id=resource.id if resource else None,
        category_id=category.id if category else None, description="Item"), submit=True)
    approved = approve_entry(entry.id)
    actual = {"key": "imported", "project": "web", "class": transaction_class,
              "date": "2026-03-02", "quantity": str(quantity),
              "unit": {HOUR: "hour", EACH: "each"}[unit], "status": "ready"}
    values = {"description": "Item", "quantity": quantity, "unit": unit}
    if role is not None:
        actual.update(role=role.key, resource="ana")
        values.update(role=role.id, resource=resource.id)
    if category is not None:
        actual["category"] = category.key
        values["category"] = category.id
    import_data({"format": "project-invoicing/1", "actuals": [actual]})
    imported = db.session.scalars(select(Actual).where(Actual.key == "imported")).one()
    invoice = create_invoice("c1", InvoiceParameters(cutoff=dt.date(2026, 1, 1)))
    line = next(l for l in invoice.lines if l.billing_method == "time_and_material")
    edited = db.session.get(InvoiceLineDetail,
                            add_detail(invoice.code, line.id, transaction_class, values).detail_id)
    return [(row.price, row.amount, row.tax, row.billing_type)
            for row in (db.session.get(Actual, approved.id), imported, edited)]


@pytest.mark.parametrize("case", ["time by role price", "expense by category price",
                                  "time in a non-chargeable role"])
def test_approval_import_and_editor_price_the_same_actual_identically(case):
    developer = make_role(key="dev", name="Developer")
    trainee = make_role(key="trainee", name="Trainee", chargeable=False)
    hotel = make_category(key="hotel", name="Hotel")
    prices = make_price_list(
        role_prices=[(developer, Decimal("950.0000")), (trainee, Decimal("333.3333"))],
        category_prices=[(hotel, Decimal("1199.995"))])
    if case == "time by role price":
        paths = _priced_three_ways(prices, "time", Decimal("7.5"), role=developer)
        expected = (Decimal("950"), Decimal("7125.00"), Decimal("1781.25"), "chargeable")
    elif case == "expense by category price":
        paths = _priced_three_ways(prices, "expense", Decimal("2"), category=hotel, unit=EACH)
        expected = (Decimal("1199.995"), Decimal("2399.99"), Decimal("600.00"), "chargeable")
    else:
        paths = _priced_three_ways(prices, "time", Decimal("1.5"), role=trainee)
        expected = (Decimal("333.3333"), Decimal("500.00"), Decimal("125.00"), "non_chargeable")
    approval, imported, editor = paths
    assert approval == imported == expected
    # The editor takes the reviewer's billing type (chargeable unless chosen), the rest alike.
    assert editor[:3] == expected[:3]
