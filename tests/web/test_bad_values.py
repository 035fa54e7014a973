"""Values the schema cannot hold or a person would never mean are refused where they are
typed — 422 with a message next to the field, nothing written — never a 500 later
(issue 13: money bounds, dates, currencies, quantities, the New-detail class)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.billing.values import MAX_AMOUNT
from app.extensions import db
from app.models import (Actual, ContractLine, Entry, Invoice, InvoiceLineDetail, PriceList,
                        Product, RolePrice)
from app.services import ServiceError
from app.services.contracts import MilestoneValues, create_milestone
from app.services.invoicing import InvoiceParameters, create_invoice
from tests.factories import (HOUR, make_contract, make_price_list, make_project, make_resource,
                             make_role, make_tm_line)
from tests.web.helpers import error_next_to, page
from tests.worlds import World

HX = {"HX-Request": "true"}
LIMIT = format(MAX_AMOUNT, "f")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def world(app):
    return World()


# --- the New-detail class ------------------------------------------------------------------

@pytest.mark.parametrize("posted", [{}, {"transaction_class": ""},
                                    {"transaction_class": "travel"},
                                    {"transaction_class": "milestone"}])
def test_a_new_detail_without_a_known_class_is_refused_next_to_the_class(client, world, posted):
    before = count(InvoiceLineDetail)
    response = client.post(f"/invoices/{world.code}/lines/{world.tm_line.id}/details",
                           headers=HX, data={"description": "Workshop", "quantity": "1", **posted})
    assert response.status_code == 422
    assert re.search(r'id="n\d+-transaction_class-error" role="alert">Choose one of the '
                     r'transaction classes this contract line includes\.</span>',
                     response.get_data(as_text=True))
    assert count(InvoiceLineDetail) == before


# --- money the schema cannot hold ----------------------------------------------------------

def test_a_new_detail_whose_quantity_times_price_cannot_be_stored_is_refused(client, world):
    before = count(InvoiceLineDetail)
    response = client.post(
        f"/invoices/{world.code}/lines/{world.tm_line.id}/details", headers=HX,
        data={"transaction_class": "time", "description": "Everything", "quantity": "999999999",
              "price": "999999999999", "unit": HOUR, "role": world.role.id})
    assert response.status_code == 422
    assert (f"Amount would be more than {LIMIT}, the largest amount that can be stored."
            in response.get_data(as_text=True))
    assert count(InvoiceLineDetail) == before


def test_a_cell_edit_whose_amount_cannot_be_stored_is_refused(client, world):
    detail = world.add_time()
    response = client.post(f"/invoices/{world.code}/details/{detail.id}", headers=HX,
                           data={"version": detail.version, "quantity": "999999999",
                                 "price": "999999999999"})
    assert response.status_code == 422
    assert "the largest amount that can be stored" in response.get_data(as_text=True)
    assert world.detail(detail.id).quantity == Decimal("2")


def _oversized_contract(key: str):
    """A contract whose stored items (written before the bounds, e.g. by an old import) add
    up beyond what an invoice can hold: each is below the bound, together they are not."""
    contract = make_contract(key=key, tax_rate=Decimal("0"))
    line = make_tm_line(contract, make_project(customer=contract.customer), classes=("fee",))
    for _ in range(2):
        db.session.add(Actual(
            project_id=line.project_id, contract_line=line, transaction_class="fee",
            date=dt.date(2026, 3, 2), unit_id=HOUR, quantity=Decimal(1),
            price=Decimal("500000000000000.00"), currency="DKK",
            amount=Decimal("500000000000000.00"), tax=Decimal(0), billing_type="chargeable",
            status="ready"))
    db.session.commit()
    return contract


def test_creating_an_invoice_whose_total_would_overflow_is_refused_with_a_message(app):
    _oversized_contract("big")
    with pytest.raises(ServiceError) as refused:
        create_invoice("big", InvoiceParameters(cutoff=dt.date(2026, 3, 31)))
    assert str(refused.value).endswith(
        f"would be more than {LIMIT}, the largest amount that can be stored.")
    assert count(Invoice) == 0
    assert set(db.session.scalars(select(Actual.status))) == {"ready"}


def test_a_product_line_beyond_the_bound_refuses_the_invoice_not_500(app):
    contract = make_contract(key="p", tax_rate=Decimal("0"))
    db.session.add(ContractLine(contract=contract, name="Everything", billing_method="product",
                                product_name="Everything", quantity=Decimal("100000000000"),
                                price=Decimal("100000000000"), tax=Decimal(0),
                                tax_rate=Decimal(0), status="ready"))
    db.session.commit()
    with pytest.raises(ServiceError, match="the largest amount that can be stored"):
        create_invoice("p", InvoiceParameters(cutoff=dt.date(2026, 3, 31)))
    assert count(Invoice) == 0


def test_a_contract_product_line_whose_amount_cannot_be_stored_is_refused(client, app):
    contract = make_contract(key="c-prod")
    db.session.commit()
    before = count(ContractLine)
    response = client.post(f"/contracts/{contract.number}/lines/new/product", data={
        "product_name": "Everything", "quantity": "100000000000", "price": "100000000000"})
    assert "the largest amount that can be stored" in error_next_to(page(response), "quantity")
    assert count(ContractLine) == before and count(Product) == 0


# --- dates ---------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["start_date", "end_date"])
def test_the_schedule_preview_with_a_date_in_year_9999_says_so(client, app, field):
    values = {"frequency": "monthly", "days": "31", "start_date": "2026-01-01", field: "9999-12-31"}
    response = client.get("/contracts/schedule-preview", query_string=values, headers=HX)
    assert response.status_code == 200
    assert "Enter a date between 2000-01-01 and 2099-12-31." in response.get_data(as_text=True)


@pytest.mark.parametrize(("field", "value"), [("invoice_date", "2999-03-31"),
                                            ("due_date", "9999-12-31")])
def test_invoice_dates_far_outside_the_range_are_refused_next_to_the_field(client, world, field,
                                                                          value):
    invoice = world.invoice()
    response = client.post(f"/invoices/{world.code}/header", headers=HX,
                           data={"version": invoice.version, field: value})
    assert response.status_code == 422
    assert (f'id="h-{field}-error" role="alert">Enter a date between 2000-01-01 and '
            "2099-12-31." in response.get_data(as_text=True))
    assert getattr(world.invoice(), field) == getattr(invoice, field)


def test_a_detail_date_far_outside_the_range_is_refused(client, world):
    detail = world.add_time()
    response = client.post(f"/invoices/{world.code}/details/{detail.id}", headers=HX,
                           data={"version": detail.version, "start_date": "1900-01-01"})
    assert response.status_code == 422
    assert "Enter a date between 2000-01-01 and 2099-12-31." in response.get_data(as_text=True)
    assert world.detail(detail.id).start_date == detail.start_date


def test_a_milestone_dated_far_outside_the_range_is_refused(world):
    with pytest.raises(ServiceError) as refused:
        create_milestone(world.fp_line.contract_line_id, MilestoneValues(
            name="Late", date=dt.date(2150, 1, 1), amount=Decimal("10.00"), tax=None))
    assert refused.value.field == "date"
    assert str(refused.value) == "Enter a date between 2000-01-01 and 2099-12-31."


def test_an_entry_dated_far_outside_the_range_is_refused(client, app):
    s = _entry_world()
    response = client.post("/entries/new/time", data=_time(s, date="2999-03-02"))
    assert error_next_to(page(response), "date") == (
        "Enter a date between 2000-01-01 and 2099-12-31.")
    assert count(Entry) == 0


# --- currencies ----------------------------------------------------------------------------

@pytest.mark.parametrize("currency", ["XXX", "XTS", "DEM"])
def test_test_and_historic_currencies_are_neither_offered_nor_accepted(client, app, currency):
    form = page(client.get("/setup/price-lists/new"))
    assert f'value="{currency}"' not in form and 'value="DKK"' in form
    response = client.post("/setup/price-lists/new", data={"name": "Odd", "currency": currency})
    assert error_next_to(page(response), "currency")
    assert count(PriceList) == 0


# --- quantities ----------------------------------------------------------------------------

def _entry_world():
    role = make_role(name="Developer")
    contract = make_contract(price_list=make_price_list(role_prices=[(role, Decimal("950.00"))]))
    project = make_project(name="Booking platform")
    make_tm_line(contract, project, classes=("time", "expense"))
    resource = make_resource(name="Ana")
    db.session.commit()
    return {"role": role, "project": project, "resource": resource}


def _time(s, **kw) -> dict:
    return {"project_id": s["project"].id, "date": "2026-03-02", "role_id": s["role"].id,
            "resource_id": s["resource"].id, "quantity": "7.5", "unit_id": HOUR,
            "internal_comment": "API work", "external_comment": "Development", **kw}


@pytest.mark.parametrize("quantity", ["-2", "-0.25"])
def test_a_negative_time_entry_is_refused(client, app, quantity):
    s = _entry_world()
    response = client.post("/entries/new/time", data=_time(s, quantity=quantity))
    assert error_next_to(page(response), "quantity") == "Cannot be negative."
    assert count(Entry) == 0



def test_the_wizard_says_a_contract_holds_more_than_one_invoice_can(client, app):
    contract = _oversized_contract("big")
    html = page(client.post(f"/contracts/{contract.number}/invoice",
                            data={"cutoff": "2026-03-31", "classes": ["fee"], "action": "next"}))
    assert f"would be more than {LIMIT}, the largest amount that can be stored." in html
    assert count(Invoice) == 0


def test_approving_an_entry_whose_amount_cannot_be_stored_is_refused(client, app):
    s = _entry_world()
    db.session.execute(RolePrice.__table__.update().values(price=Decimal("999999999999")))
    db.session.commit()
    client.post("/entries/new/time", data=_time(s, quantity="99999999", action="submit"))
    entry = db.session.scalars(select(Entry)).one()
    response = client.post(f"/entries/{entry.id}/approve")
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert ("error", f"Entry {entry.id}: Quantity × price (99999998999900000001.00) is "
                         "more than 1000000000000.") in session["_flashes"]
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status == "submitted" and count(Actual) == 0
