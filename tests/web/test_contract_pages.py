"""The contract list and contract page."""

import datetime as dt
from decimal import Decimal

from app.extensions import db
from app.models import InvoiceSchedule, Milestone
from tests.factories import (make_contract, make_customer, make_fixed_price_line, make_product,
                             make_product_line, make_project, make_tm_line)
from tests.web.helpers import make_invoice, page


def test_contract_list_shows_each_contract_with_line_count_and_total(client):
    customer = make_customer(name="Acme ApS")
    contract = make_contract(customer=customer, name="Website 2026", key="web-2026")
    project = make_project(customer=customer)
    make_tm_line(contract, project, amount=Decimal("1000.00"))
    make_product_line(contract, quantity=Decimal("2"), price=Decimal("117.25"))  # 234.50
    db.session.commit()

    html = page(client.get("/contracts"))
    assert contract.number in html and "web-2026" in html
    assert "Website 2026" in html and "Acme ApS" in html
    assert '<td class="num">2</td>' in html
    assert "DKK1,234.50" in html
    assert f'href="/contracts/{contract.number}"' in html


def test_contract_list_searches_by_name_and_number(client):
    alpha = make_contract(name="Alpha rollout")
    beta = make_contract(name="Beta support")
    db.session.commit()

    html = page(client.get("/contracts?q=alpha"))
    assert "Alpha rollout" in html and "Beta support" not in html
    html = page(client.get(f"/contracts?q={beta.number}"))
    assert "Beta support" in html and "Alpha rollout" not in html
    assert "No contract matches" in page(client.get("/contracts?q=100%25"))
    assert alpha.number in page(client.get("/contracts?q="))


def test_contract_list_paginates(app, client):
    app.config["PAGE_SIZE"] = 2
    for i in range(5):
        make_contract(name=f"Contract number {i}")
    db.session.commit()

    first = page(client.get("/contracts"))
    assert "Contract number 0" in first and "Contract number 2" not in first
    assert "Showing 1–2 of 5" in first
    assert 'href="/contracts?page=2"' in first
    second = page(client.get("/contracts?page=2"))
    assert "Contract number 2" in second and "Contract number 3" in second
    assert "Contract number 0" not in second
    assert "Showing 3–4 of 5" in second
    # The search is kept when paging.
    searched = page(client.get("/contracts?q=number"))
    assert 'href="/contracts?q=number&amp;page=2"' in searched


def test_a_contract_is_found_by_number_and_by_key(client):
    contract = make_contract(name="Keyed contract", key="c1")
    db.session.commit()

    assert "Keyed contract" in page(client.get(f"/contracts/{contract.number}"))
    assert "Keyed contract" in page(client.get("/contracts/c1"))


def test_an_unknown_contract_is_not_found(client):
    make_contract(key="c1")
    db.session.commit()
    assert client.get("/contracts/C-99999").status_code == 404
    assert client.get("/contracts/nope").status_code == 404


def test_contract_page_shows_header_lines_schedule_milestones_products_and_invoices(client):
    customer = make_customer(name="Nordic Build A/S")
    contract = make_contract(customer=customer, name="Harbour bridge", opportunity="OPP-77",
                             description="Design and build", tax_rate=Decimal("25"))
    project = make_project(customer=customer, name="Bridge project")
    tm = make_tm_line(contract, project, classes=("time", "expense"), name="Engineering hours",
                      amount=Decimal("50000.00"))
    db.session.add(InvoiceSchedule(contract_line_id=tm.id, frequency="monthly", days=[7, 21],
                                   start_date=dt.date(2026, 1, 1)))
    make_fixed_price_line(contract, make_project(customer=customer), name="Design phase",
                          milestones=[(dt.date(2026, 3, 1), Decimal("25000.00"))])
    make_product_line(contract, product=make_product(name="Site licence"), quantity=Decimal("3"),
                      price=Decimal("100.00"))
    invoice = make_invoice(contract)
    db.session.commit()

    html = page(client.get(f"/contracts/{contract.number}"))
    for text in ["Harbour bridge", "Nordic Build A/S", "OPP-77", "Design and build", "25 %",
                 "Engineering hours", "Bridge project", "Time, Expense", "DKK50,000.00",
                 "Monthly", "on days 7, 21", "from Jan 1, 2026, no end date",
                 "Design phase", "Milestone 1", "Mar 1, 2026", "DKK25,000.00",
                 "DKK6,250.00", "Site licence", "DKK300.00", invoice.code]:
        assert text in html, text
    assert 'data-testid="milestones-warning"' not in html


def test_contract_page_shows_a_write_in_product_line(client):
    contract = make_contract()
    make_product_line(contract, product=make_product(name="Catalogue item"))
    line = make_product_line(contract, name="Workshop", status="not_ready")
    line.product, line.product_name = None, "Onsite workshop"
    db.session.commit()

    html = page(client.get(f"/contracts/{contract.number}"))
    assert "Catalogue item" in html
    assert "Onsite workshop" in html and "write-in" in html
    assert "Not ready to invoice" in html


def test_contract_page_warns_when_milestones_do_not_add_up(client):
    contract = make_contract()
    line = make_fixed_price_line(contract, make_project(),
                                 milestones=[(dt.date(2026, 3, 1), Decimal("400.00"))])
    line.amount = Decimal("1000.00")
    db.session.add(Milestone(contract_line=line, name="Go-live", date=dt.date(2026, 4, 1),
                             amount=Decimal("500.00"), tax=Decimal("125.00")))
    db.session.commit()

    html = page(client.get(f"/contracts/{contract.number}"))
    assert 'data-testid="milestones-warning"' in html
    assert "Milestones do not add up to the contract line amount." in html
    assert "DKK900.00" in html and "DKK1,000.00" in html
