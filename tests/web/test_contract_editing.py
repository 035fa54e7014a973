"""Creating and changing contracts in the browser: header, lines of the three billing
methods, invoice schedules and milestones, with the rules of SPEC 3."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.models import Contract, ContractLine, ContractLineClass, InvoiceSchedule, Milestone
from tests.factories import (make_contract, make_customer, make_fixed_price_line, make_price_list,
                             make_product, make_project, make_tm_line)
from tests.web.helpers import error_next_to, page


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _header(customer, price_list, **kw) -> dict:
    return {"name": "Website 2026", "customer_id": customer.id, "currency": "DKK",
            "price_list_id": price_list.id, "tax_rate": "25", "opportunity": "OPP-1",
            "description": "", **kw}


def test_a_contract_is_created_with_a_generated_number(client):
    customer, price_list = make_customer(name="Acme"), make_price_list("DKK", name="DKK list")
    db.session.commit()
    html = page(client.get("/contracts/new"))
    assert "DKK list (DKK)" in html and "Acme" in html

    response = client.post("/contracts/new", data=_header(customer, price_list))
    contract = db.session.scalars(select(Contract)).one()
    assert contract.number.startswith("C-") and contract.currency == "DKK"
    assert response.location == f"/contracts/{contract.number}/edit"
    html = page(client.get(response.location))
    assert f"Contract {contract.number} created. Now add its lines." in html
    assert 'data-testid="contract-currency">DKK<' in html  # locked, shown as text


def test_the_price_list_must_be_in_the_contract_currency(client):
    customer, myr = make_customer(), make_price_list("MYR", name="Ringgit rates")
    db.session.commit()
    html = page(client.post("/contracts/new", data=_header(customer, myr, currency="DKK")))
    assert ("Price list Ringgit rates is in MYR; choose a price list in DKK"
            in error_next_to(html, "price_list_id"))
    assert "Nothing was saved." in html
    assert count(Contract) == 0


def test_the_currency_is_locked_once_the_contract_is_saved(client):
    contract = make_contract(currency="DKK", name="Locked")
    myr = make_price_list("MYR")
    db.session.commit()
    html = page(client.post(f"/contracts/{contract.number}/edit",
                            data=_header(contract.customer, myr, currency="MYR", name="Changed")))
    assert ("The currency of a saved contract cannot be changed; it stays DKK."
            in error_next_to(html, "currency"))
    assert "Nothing was saved." in html
    db.session.expire_all()
    saved = db.session.get(Contract, contract.id)
    assert (saved.currency, saved.name, saved.price_list_id) == (
        "DKK", "Locked", contract.price_list_id)


def test_the_header_is_changed_without_the_currency(client):
    contract = make_contract(name="Old")
    db.session.commit()
    response = client.post(f"/contracts/{contract.number}/edit", data=_header(
        contract.customer, contract.price_list, name="New", currency="", tax_rate="8"))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Contract, contract.id)
    assert (saved.name, saved.tax_rate) == ("New", Decimal("8"))


def test_a_tax_rate_above_100_is_refused(client):
    customer, price_list = make_customer(), make_price_list()
    db.session.commit()
    html = page(client.post("/contracts/new", data=_header(customer, price_list,
                                                           tax_rate="125")))
    assert error_next_to(html, "tax_rate") == "Between 0 and 100."
    assert count(Contract) == 0


def test_a_time_and_material_line_is_added_with_its_classes(client):
    contract = make_contract(tax_rate=Decimal("25"))
    project = make_project(name="Booking platform")
    db.session.commit()
    html = page(client.get(f"/contracts/{contract.number}/lines/new/time_and_material"))
    assert "Booking platform" in html and 'value="25"' in html

    response = client.post(f"/contracts/{contract.number}/lines/new/time_and_material", data={
        "name": "Build", "project_id": project.id, "classes": ["time", "expense"],
        "amount": "100000", "tax_rate": ""})
    line = db.session.scalars(select(ContractLine)).one()
    assert response.location == f"/contracts/{contract.number}/lines/{line.id}"
    assert line.classes == ["time", "expense"] and line.tax_rate == Decimal("25")


def test_a_project_and_class_on_a_second_time_and_material_line_is_refused(client):
    project = make_project(name="Website")
    first = make_contract()
    make_tm_line(first, project, classes=("time", "expense"), name="Build")
    second = make_contract()
    db.session.commit()
    html = page(client.post(f"/contracts/{second.number}/lines/new/time_and_material", data={
        "name": "Support", "project_id": project.id, "classes": ["expense", "fee"],
        "amount": "1000"}))
    message = error_next_to(html, "classes")
    assert (f"Project Website already has a time and material line for Expense: line Build on "
            f"contract {first.number}.") in message
    assert count(ContractLine) == 1 and count(ContractLineClass) == 2


def test_a_line_needs_at_least_one_class(client):
    contract, project = make_contract(), make_project()
    db.session.commit()
    html = page(client.post(f"/contracts/{contract.number}/lines/new/time_and_material", data={
        "name": "Build", "project_id": project.id, "amount": "1000"}))
    assert error_next_to(html, "classes") == "Choose at least one transaction class."
    assert count(ContractLine) == 0


def test_a_line_amount_with_more_decimals_than_the_currency_is_refused(client):
    contract = make_contract(currency="JPY", price_list=make_price_list("JPY"))
    project = make_project()
    db.session.commit()
    html = page(client.post(f"/contracts/{contract.number}/lines/new/fixed_price", data={
        "name": "Design", "project_id": project.id, "amount": "1000.5"}))
    assert error_next_to(html, "amount") == "JPY has 0 decimals."
    assert count(ContractLine) == 0


def test_milestones_that_do_not_add_up_are_a_visible_warning(client):
    contract = make_contract()
    project = make_project()
    db.session.commit()
    client.post(f"/contracts/{contract.number}/lines/new/fixed_price", data={
        "name": "Design phase", "project_id": project.id, "amount": "1000"})
    line = db.session.scalars(select(ContractLine)).one()
    response = client.post(f"/contracts/{contract.number}/lines/{line.id}/milestones", data={
        "name": "Concept", "date": "2026-03-01", "amount": "400", "tax": ""})
    assert response.status_code == 302
    milestone = db.session.scalars(select(Milestone)).one()
    assert (milestone.amount, milestone.tax, milestone.status) == (
        Decimal("400"), Decimal("100.00"), "not_ready")

    for url in (f"/contracts/{contract.number}/lines/{line.id}",
                f"/contracts/{contract.number}/edit", f"/contracts/{contract.number}"):
        html = page(client.get(url))
        assert 'data-testid="milestones-warning"' in html, url
        assert "Milestones do not add up to the contract line amount." in html
        assert "DKK400.00" in html and "DKK1,000.00" in html

    client.post(f"/contracts/{contract.number}/lines/{line.id}/milestones", data={
        "name": "Handover", "date": "2026-04-01", "amount": "600"})
    assert 'data-testid="milestones-warning"' not in page(
        client.get(f"/contracts/{contract.number}/lines/{line.id}"))


def test_a_milestone_without_a_date_is_refused_next_to_the_field(client):
    contract = make_contract()
    line = make_fixed_price_line(contract, make_project())
    db.session.commit()
    html = page(client.post(f"/contracts/{contract.number}/lines/{line.id}/milestones", data={
        "name": "Concept", "date": "", "amount": "400"}))
    assert error_next_to(html, "date") == "Required."
    assert count(Milestone) == 0


def test_a_milestone_is_changed_and_removed(client):
    contract = make_contract()
    line = make_fixed_price_line(contract, make_project(),
                                 milestones=[(dt.date(2026, 3, 1), Decimal("1000"))])
    milestone = line.milestones[0]
    milestone.status = "not_ready"
    db.session.commit()
    url = f"/contracts/{contract.number}/milestones/{milestone.id}"
    assert "Milestone 1" in page(client.get(url))
    client.post(url, data={"name": "Renamed", "date": "2026-03-02", "amount": "1000",
                           "tax": "0"})
    db.session.expire_all()
    assert db.session.get(Milestone, milestone.id).name == "Renamed"
    client.post(f"{url}/delete")
    assert count(Milestone) == 0


def test_a_product_line_defaults_price_and_tax_from_the_product(client):
    contract = make_contract(tax_rate=Decimal("25"))
    product = make_product(name="CMS licence", price=Decimal("4800.00"))
    db.session.commit()
    response = client.post(f"/contracts/{contract.number}/lines/new/product", data={
        "product_id": product.id, "quantity": "3", "price": "", "tax": "", "name": ""})
    assert response.location == f"/contracts/{contract.number}/edit#lines"
    line = db.session.scalars(select(ContractLine)).one()
    assert (line.name, line.price, line.tax, line.status) == (
        "CMS licence", Decimal("4800.00"), Decimal("3600.00"), "not_ready")


def test_a_product_line_needs_a_product_or_a_write_in(client):
    contract = make_contract()
    db.session.commit()
    html = page(client.post(f"/contracts/{contract.number}/lines/new/product",
                            data={"quantity": "1"}))
    assert "Choose a product from the catalogue or write one in." in error_next_to(
        html, "product_id")
    assert count(ContractLine) == 0


def test_a_schedule_is_saved_and_its_run_dates_are_previewed(client):
    contract = make_contract()
    line = make_tm_line(contract, make_project())
    db.session.commit()
    html = page(client.get("/contracts/schedule-preview?frequency=monthly&days=7,+21"
                           "&start_date=2030-01-01&weekday=", headers={"HX-Request": "true"}))
    assert html.lstrip().startswith('<div class="schedule-preview"')
    assert 'data-value="2030-01-07"' in html and 'data-value="2030-01-21"' in html
    assert html.count('data-testid="run-date"') == 6

    html = page(client.get("/contracts/schedule-preview?frequency=weekly&start_date=2030-01-01",
                           headers={"HX-Request": "true"}))
    assert "Choose the weekday it runs on." in html

    response = client.post(f"/contracts/{contract.number}/lines/{line.id}/schedule", data={
        "frequency": "biweekly", "weekday": "4", "days": "", "start_date": "2026-01-01",
        "end_date": ""})
    assert response.status_code == 302
    schedule = db.session.scalars(select(InvoiceSchedule)).one()
    assert (schedule.frequency, schedule.weekday) == ("biweekly", 4)
    html = page(client.get(f"/contracts/{contract.number}/lines/{line.id}"))
    assert 'data-testid="run-date"' in html and "run dates before today" in html


def test_a_weekly_schedule_without_a_weekday_is_refused_next_to_it(client):
    contract = make_contract()
    line = make_tm_line(contract, make_project())
    db.session.commit()
    html = page(client.post(f"/contracts/{contract.number}/lines/{line.id}/schedule", data={
        "frequency": "weekly", "weekday": "", "start_date": "2026-01-01"}))
    assert error_next_to(html, "weekday") == "Choose the weekday it runs on."
    assert count(InvoiceSchedule) == 0


def test_an_unused_line_is_removed_and_a_used_one_is_not(client):
    contract = make_contract()
    used = make_tm_line(contract, make_project(), name="Used")
    from tests.factories import make_actual
    make_actual(used)
    unused = make_fixed_price_line(contract, make_project(), name="Unused")
    db.session.commit()
    client.post(f"/contracts/{contract.number}/lines/{unused.id}/delete")
    response = client.post(f"/contracts/{contract.number}/lines/{used.id}/delete",
                           follow_redirects=True)
    assert "Line Used has actuals or invoices and cannot be removed." in page(response)
    assert [line.name for line in db.session.scalars(select(ContractLine))] == ["Used"]


def test_the_contract_page_has_edit_and_invoice_buttons(client):
    contract = make_contract()
    db.session.commit()
    html = page(client.get(f"/contracts/{contract.number}"))
    assert f'href="/contracts/{contract.number}/edit"' in html
    assert f'href="/contracts/{contract.number}/invoice"' in html
    assert 'href="/contracts/new"' in page(client.get("/contracts"))


def test_without_a_currency_the_contract_takes_the_price_list_currency(client):
    customer, myr = make_customer(), make_price_list("MYR")
    db.session.commit()
    client.post("/contracts/new", data=_header(customer, myr, currency=""))
    assert db.session.scalars(select(Contract)).one().currency == "MYR"


def test_a_saved_contract_cannot_switch_to_a_price_list_in_another_currency(client):
    contract = make_contract(currency="DKK", name="Kept")
    myr = make_price_list("MYR", name="Ringgit rates")
    db.session.commit()
    html = page(client.post(f"/contracts/{contract.number}/edit",
                            data=_header(contract.customer, myr, currency="", name="Changed")))
    assert "Price list Ringgit rates is in MYR; choose a price list in DKK" in error_next_to(
        html, "price_list_id")
    db.session.expire_all()
    saved = db.session.get(Contract, contract.id)
    assert (saved.name, saved.price_list_id) == ("Kept", contract.price_list_id)


def test_contract_pages_need_few_queries(count_queries):
    from tests.factories import make_actual, make_product_line
    contract = make_contract()
    for n in range(4):
        line = make_tm_line(contract, make_project(), name=f"T&M {n}")
        make_actual(line)
        make_fixed_price_line(contract, make_project(),
                              milestones=[(dt.date(2026, 3, 1), Decimal("100.00"))])
        make_product_line(contract)
    ref = contract.number
    assert count_queries(f"/contracts/{ref}") <= 8
    assert count_queries(f"/contracts/{ref}/edit") <= 10
    assert count_queries(f"/contracts/{ref}/invoice") <= 6
