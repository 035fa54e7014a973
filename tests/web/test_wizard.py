"""The manual invoice on a contract (SPEC 5.1): parameters → Next (what will be invoiced)
→ Finish (the draft, opened in the editor)."""

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.models import Actual, Invoice, Milestone
from tests.factories import (make_actual, make_contract, make_fixed_price_line, make_product_line,
                             make_project, make_tm_line)
from tests.web.helpers import error_next_to, finish_wizard, page

PARAMETERS = {"cutoff": "2026-03-31", "classes": ["time", "expense"], "milestones": "y",
              "products": "y"}


def invoices() -> int:
    return db.session.scalar(select(func.count()).select_from(Invoice))


def _contract():
    contract = make_contract(name="Website 2026", tax_rate=Decimal("25"))
    project = make_project()
    tm = make_tm_line(contract, project, classes=("time", "expense"), name="Build")
    fixed = make_fixed_price_line(contract, make_project(), name="Design",
                                  milestones=[(dt.date(2026, 3, 10), Decimal("5000.00")),
                                              (dt.date(2026, 4, 10), Decimal("3000.00"))])
    make_product_line(contract, quantity=Decimal("2"), price=Decimal("100.00"), name="Licence")
    make_actual(tm, quantity=Decimal("7.5"), price=Decimal("950.00"))  # 7,125.00
    make_actual(tm, transaction_class="expense", quantity=Decimal("1"),
                price=Decimal("1200.00"))
    make_actual(tm, quantity=Decimal("1"), price=Decimal("500.00"),
                billing_type="non_chargeable")
    make_actual(tm, quantity=Decimal("1"), price=Decimal("999.00"), date=dt.date(2026, 4, 2))
    make_actual(tm, quantity=Decimal("1"), price=Decimal("888.00"), status="unbilled")
    db.session.commit()
    return contract, fixed


def test_step_one_offers_the_contract_classes_and_a_cutoff(client):
    contract, _ = _contract()
    html = page(client.get(f"/contracts/{contract.number}/invoice"))
    assert 'name="cutoff"' in html and 'type="date"' in html
    assert 'value="time"' in html and 'value="expense"' in html
    assert 'value="material"' not in html and 'value="fee"' not in html
    assert 'name="milestones"' in html and 'name="products"' in html
    assert f'value="{dt.date.today().isoformat()}"' in html


def test_next_shows_what_will_be_invoiced_per_line_and_creates_nothing(client):
    contract, _ = _contract()
    html = page(client.post(f"/contracts/{contract.number}/invoice",
                            data={**PARAMETERS, "action": "next"}))
    rows = re.findall(r'<tr data-testid="preview-line">(.*?)</tr>', html, re.DOTALL)
    assert len(rows) == 3  # Build, Design, Licence
    build, design, licence = rows
    assert "Build" in build and 'data-value="3"' in build  # 2 chargeable + 1 non-chargeable
    assert 'data-testid="preview-amount" data-value="8325.00"' in build
    assert "1 not charged (DKK500.00)" in build
    assert 'data-testid="preview-amount" data-value="5000.00"' in design  # April is later
    assert 'data-testid="preview-amount" data-value="200.00"' in licence
    assert 'data-testid="preview-detail-amount" data-value="13525.00"' in html
    assert 'data-testid="preview-total-tax" data-value="3381.25"' in html
    assert 'data-testid="preview-total-amount" data-value="16906.25"' in html
    assert 'value="finish"' in html and 'name="cutoff" value="2026-03-31"' in html
    assert invoices() == 0


def test_finish_creates_the_draft_and_opens_it(client):
    contract, _ = _contract()
    response = finish_wizard(client, contract.number, PARAMETERS)
    invoice = db.session.scalars(select(Invoice)).one()
    assert response.status_code == 302 and response.location == f"/invoices/{invoice.code}"
    assert (invoice.detail_amount, invoice.total_amount, invoice.cutoff_date) == (
        Decimal("13525.00"), Decimal("16906.25"), dt.date(2026, 3, 31))
    assert db.session.scalar(select(func.count()).select_from(Actual)
                             .where(Actual.status == "invoice_created")) == 3
    with client.session_transaction() as session:  # shown by the editor, another issue's page
        assert ("success", f"Draft invoice {invoice.code} created.") in session["_flashes"]


def test_leaving_out_classes_milestones_and_products(client):
    contract, _ = _contract()
    html = page(client.post(f"/contracts/{contract.number}/invoice",
                            data={"cutoff": "2026-03-31", "classes": ["expense"],
                                  "action": "next"}))
    assert 'data-testid="preview-detail-amount" data-value="1200.00"' in html
    assert html.count('data-testid="preview-line"') == 2  # no product line
    assert "Left out" in html


def test_milestones_that_do_not_add_up_are_an_error_and_nothing_is_created(client):
    contract, fixed = _contract()
    fixed.amount = Decimal("9000.00")
    db.session.commit()
    for action in ("next", "finish"):
        html = page(client.post(f"/contracts/{contract.number}/invoice",
                                data={**PARAMETERS, "action": action}))
        message = error_next_to(html, "milestones")
        assert "Milestones of line Design add up to 8000.00; the line amount is 9000.00." in message
        assert 'data-testid="preview-line"' not in html
    assert invoices() == 0
    assert db.session.scalar(select(func.count()).select_from(Milestone)
                             .where(Milestone.status == "invoice_created")) == 0
    # Leaving the milestones out is allowed.
    response = finish_wizard(client, contract.number,
                             {"cutoff": "2026-03-31", "classes": ["time"], "products": "y"})
    assert response.status_code == 302 and invoices() == 1


def test_the_cutoff_date_is_required(client):
    contract, _ = _contract()
    html = page(client.post(f"/contracts/{contract.number}/invoice",
                            data={"cutoff": "", "classes": ["time"], "action": "next"}))
    assert error_next_to(html, "cutoff") == "Required."
    assert invoices() == 0


def test_back_returns_to_the_parameters_as_chosen(client):
    contract, _ = _contract()
    html = page(client.post(f"/contracts/{contract.number}/invoice",
                            data={"cutoff": "2026-02-28", "classes": ["time"], "action": "back"}))
    assert 'value="2026-02-28"' in html and 'value="next"' in html


def test_an_unknown_contract_is_not_found(client):
    assert client.get("/contracts/C-99999/invoice").status_code == 404
