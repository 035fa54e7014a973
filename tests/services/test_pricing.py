"""Pricing one item from its contract's price list (SPEC 4)."""

from decimal import Decimal

import pytest

from app.services.pricing import billing_type_for, line_for, list_price, price_item
from tests.factories import (EACH, HOUR, make_category, make_contract, make_price_list,
                             make_project, make_role, make_tm_line)

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


def test_billing_type_rules():
    project = make_project()
    line = make_tm_line(make_contract(), project)
    paid, free = make_role(), make_role(chargeable=False)
    assert billing_type_for(None, "time", paid, None) == "not_available"
    assert billing_type_for(line, "time", paid, None) == "chargeable"
    assert billing_type_for(line, "time", free, None) == "non_chargeable"
    assert billing_type_for(line, "expense", None, make_category(chargeable=False)) == "non_chargeable"


def test_amount_and_tax_are_rounded_half_up_in_the_contract_currency():
    category = make_category()
    prices = make_price_list("JPY", category_prices=[(category, Decimal("33.3333"))])
    contract = make_contract(currency="JPY", price_list=prices, tax_rate=Decimal("10"))
    project = make_project()
    make_tm_line(contract, project, classes=("expense",))
    priced = price_item(project.id, "expense", role_id=None, category_id=category.id,
                        unit_id=EACH, quantity=Decimal("1.5"))
    assert (priced.amount, priced.tax, priced.currency) == (Decimal("50"), Decimal("5"), "JPY")
