"""The billing backlog: what is not on an invoice yet."""

import datetime as dt
from decimal import Decimal

from app.extensions import db
from app.models import Milestone
from tests.factories import (make_actual, make_contract, make_fixed_price_line, make_product,
                             make_product_line, make_project, make_tm_line)
from tests.web.helpers import page


def _contract_with_items(key="c1", project_key="web"):
    contract = make_contract(key=key)
    project = make_project(key=project_key)
    tm = make_tm_line(contract, project, classes=("time", "expense"))
    fixed = make_fixed_price_line(contract, make_project(key=f"{project_key}-fp"),
                                  milestones=[(dt.date(2026, 3, 10), Decimal("5000.00"))])
    db.session.add(Milestone(contract_line=fixed, name="Handover", date=dt.date(2026, 4, 10),
                             amount=Decimal("3000.00"), tax=Decimal("750.00"), status="not_ready"))
    fixed.amount = Decimal("8000.00")
    make_product_line(contract, product=make_product(name="Licence"), quantity=Decimal("2"),
                      price=Decimal("100.00"))
    return contract, tm


def test_backlog_shows_open_actuals_milestones_and_product_lines_with_totals(client):
    contract, tm = _contract_with_items()
    make_actual(tm, quantity=Decimal("1"), price=Decimal("100.00"), status="ready")
    make_actual(tm, quantity=Decimal("2"), price=Decimal("100.00"), status="unbilled")
    make_actual(tm, quantity=Decimal("1"), price=Decimal("111.00"), status="invoice_created")
    make_actual(tm, quantity=Decimal("1"), price=Decimal("222.00"), status="invoice_posted")
    make_actual(tm, transaction_class="fee", quantity=Decimal("1"), price=Decimal("333.00"),
                contract_line=None, billing_type="not_available", status="ready")
    db.session.commit()

    html = page(client.get("/backlog"))
    assert 'data-testid="backlog-actuals"' in html
    assert html.count('data-testid="actual-row"') == 2
    for gone in ("DKK111.00", "DKK222.00", "DKK333.00"):
        assert gone not in html
    assert html.count('data-testid="milestone-row"') == 2
    assert "Milestone 1" in html and "Handover" in html
    assert html.count('data-testid="product-row"') == 1 and "Licence" in html
    # Totals per status, as plain values too.
    actual_totals = html[html.index('data-testid="actual-totals"'):]
    assert 'data-status="unbilled"' in actual_totals and 'data-value="200.00"' in actual_totals
    assert 'data-status="ready"' in actual_totals and 'data-value="100.00"' in actual_totals
    milestone_totals = html[html.index('data-testid="milestone-totals"'):]
    assert 'data-value="5000.00"' in milestone_totals and 'data-value="3000.00"' in milestone_totals
    assert 'data-value="200.00"' in html[html.index('data-testid="product-totals"'):]
    assert f'href="/contracts/{contract.number}"' in html


def test_backlog_filters_by_contract_number_or_key(client):
    _, tm = _contract_with_items(key="c1", project_key="web")
    other, other_tm = _contract_with_items(key="c2", project_key="app")
    make_actual(tm, quantity=Decimal("1"), price=Decimal("101.00"))
    make_actual(other_tm, quantity=Decimal("1"), price=Decimal("202.00"))
    db.session.commit()

    for ref in ("c2", other.number):
        html = page(client.get(f"/backlog?contract={ref}"))
        assert "DKK202.00" in html and "DKK101.00" not in html, ref
        assert html.count('data-testid="milestone-row"') == 2
        assert html.count('data-testid="product-row"') == 1
        assert f'<option value="{other.number}" selected>' in html


def test_backlog_filters_by_project_class_and_date(client):
    _, tm = _contract_with_items()
    make_actual(tm, date=dt.date(2026, 3, 1), quantity=Decimal("1"), price=Decimal("101.00"))
    make_actual(tm, transaction_class="expense", date=dt.date(2026, 3, 20),
                quantity=Decimal("1"), price=Decimal("202.00"))
    db.session.commit()

    html = page(client.get("/backlog?project=web"))
    assert "DKK101.00" in html and "DKK202.00" in html
    assert 'data-testid="milestone-row"' not in html  # milestones are on the web-fp project
    assert 'data-testid="backlog-products"' not in html  # product lines have no project

    html = page(client.get("/backlog?kind=expense"))
    assert "DKK202.00" in html and "DKK101.00" not in html
    assert 'data-testid="backlog-milestones"' not in html

    html = page(client.get("/backlog?kind=milestone"))
    assert 'data-testid="backlog-actuals"' not in html
    assert html.count('data-testid="milestone-row"') == 2

    html = page(client.get("/backlog?date_from=2026-03-05&date_to=2026-03-31"))
    assert "DKK202.00" in html and "DKK101.00" not in html
    assert html.count('data-testid="milestone-row"') == 1 and "Milestone 1" in html
    assert html.count('data-testid="product-row"') == 1  # undated

    # A bad date is ignored and marked, not an error.
    html = page(client.get("/backlog?date_from=yesterday"))
    assert "DKK101.00" in html and html.count('class="invalid"') == 1


def test_backlog_paginates_actuals(app, client):
    app.config["PAGE_SIZE"] = 2
    _, tm = _contract_with_items()
    for day in range(1, 4):
        make_actual(tm, date=dt.date(2026, 3, day))
    db.session.commit()

    first = page(client.get("/backlog?project=web"))
    assert first.count('data-testid="actual-row"') == 2
    assert 'href="/backlog?project=web&amp;page=2"' in first
    second = page(client.get("/backlog?project=web&page=2"))
    assert second.count('data-testid="actual-row"') == 1 and "Mar 3, 2026" in second
