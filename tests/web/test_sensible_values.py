"""Values a reviewer would never mean are refused next to the cell, and what was typed
stays there to be corrected; every form reads numbers with the one parser (issue 11)."""

import re
from decimal import Decimal

import pytest
from flask_babel import refresh

from app.billing.totals import detail_value_problems
from app.extensions import db
from app.models import Entry
from tests.factories import HOUR, make_resource
from tests.web.helpers import error_next_to, page
from tests.worlds import World

HX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    return World()


def edit(client, world, detail, **values):
    return client.post(f"/invoices/{world.code}/details/{detail.id}", headers=HX,
                       data={"version": detail.version, **values})


def cell(html: str, p: str, name: str) -> str:
    return re.search(rf'<input [^>]*id="{p}-{name}"[^>]*>', html).group(0)


def test_the_rule_names_each_senseless_value():
    assert detail_value_problems("none", Decimal("-2"), Decimal("-1"), Decimal("2"), Decimal("0")) == {
        "quantity": "negative", "price": "negative"}
    assert detail_value_problems("none", Decimal("2"), Decimal("10"), Decimal("20"), Decimal("-1")) == {
        "tax": "tax_negative"}
    assert detail_value_problems("actual", Decimal("2"), Decimal("10"), Decimal("20"), Decimal("20.01")) == {
        "tax": "tax_above_amount"}
    assert detail_value_problems("none", Decimal("2"), Decimal("10"), Decimal("20"), Decimal("20")) == {}
    assert detail_value_problems("none", Decimal("0"), Decimal("10"), Decimal("0"), Decimal("0")) == {}


def test_a_negative_quantity_on_an_added_row_is_refused_and_stays_as_typed(client, world):
    detail = world.add_time()
    response = edit(client, world, detail, quantity="-3")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="-3"' in cell(html, f"d{detail.id}", "quantity")
    assert "Cannot be negative." in html
    assert world.detail(detail.id).quantity == Decimal("2")


def test_a_negative_price_on_an_added_row_is_refused(client, world):
    detail = world.add_time()
    response = edit(client, world, detail, price="-950")
    assert response.status_code == 422
    assert world.detail(detail.id).price != Decimal("-950")


@pytest.mark.parametrize("tax, message", [("-1.00", "Cannot be negative."),
                                          ("99999.00", "The tax cannot be larger than the amount")])
def test_a_tax_below_zero_or_above_the_amount_is_refused(client, world, tax, message):
    detail = world.actual_detail
    response = edit(client, world, detail, tax=tax)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and f'value="{tax}"' in cell(html, f"d{detail.id}", "tax")
    assert world.detail(detail.id).tax == Decimal("1781.25")


def test_exponents_and_thousands_separators_are_refused_by_every_form_alike(client, world):
    detail = world.actual_detail
    resource = make_resource(name="Ana")
    db.session.commit()
    entry = {"project_id": world.project.id, "task_id": world.project.tasks[0].id,
             "date": "2026-03-02", "role_id": world.role.id, "resource_id": resource.id,
             "unit_id": HOUR, "external_comment": "Work", "action": "save"}
    for typed in ("1e3", "1,234.5", "1.234,5"):
        html = edit(client, world, detail, tax=typed).get_data(as_text=True)
        assert "is not a number" in html, typed
        form = page(client.post("/entries/new/time", data={**entry, "quantity": typed}))
        assert "Not a number" in error_next_to(form, "quantity"), typed
    assert db.session.query(Entry).count() == 0
    # …and both read the same plain number.
    assert edit(client, world, world.detail(detail.id), tax="1000.5").status_code == 200
    client.post("/entries/new/time", data={**entry, "quantity": "1000.5"})
    assert db.session.query(Entry).one().quantity == Decimal("1000.5")


def test_a_too_long_value_is_refused_in_the_language_of_the_session(client, world):
    client.post("/language", data={"language": "da"})
    refresh()  # the test shares one app context between requests; Babel caches the locale there
    response = client.post(f"/invoices/{world.code}/lines/{world.tm_line.id}", headers=HX,
                           data={"version": world.tm_line.version, "name": "x" * 201})
    assert response.status_code == 422
    assert "Højst 200 tegn." in response.get_data(as_text=True)
    html = page(client.post("/setup/customers/new", data={"name": "y" * 201}))
    assert "Højst 200 tegn." in error_next_to(html, "name")
