"""The billing backlog made interactive: status filter, selection with its count and amount,
and marking ready / not ready to invoice in bulk (SPEC 4)."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import Actual, ContractLine, Milestone
from app.services.invoicing import InvoiceParameters, create_invoice
from tests.factories import (make_actual, make_contract, make_fixed_price_line, make_product_line,
                             make_project, make_tm_line)
from tests.web.helpers import page


def _items():
    contract = make_contract(key="c1")
    tm = make_tm_line(contract, make_project(key="web"), classes=("time", "expense"))
    fixed = make_fixed_price_line(contract, make_project(key="web-fp"),
                                  milestones=[(dt.date(2026, 3, 10), Decimal("5000.00"))])
    fixed.milestones[0].status = "not_ready"
    product = make_product_line(contract, quantity=Decimal("2"), price=Decimal("100.00"),
                                status="not_ready")
    actuals = [make_actual(tm, quantity=Decimal("1"), price=Decimal(price), status=status)
               for price, status in (("100.00", "unbilled"), ("250.50", "unbilled"),
                                     ("999.00", "ready"))]
    db.session.commit()
    return actuals, fixed.milestones[0], product


def statuses(model, ids):
    db.session.expire_all()
    return [db.session.get(model, id_).status for id_ in ids]


def test_the_backlog_rows_have_checkboxes_and_a_bulk_bar(client):
    actuals, milestone, product = _items()
    html = page(client.get("/backlog"))
    for actual in actuals:
        assert f'name="actual" value="{actual.id}"' in html
    assert f'name="milestone" value="{milestone.id}"' in html
    assert f'name="product" value="{product.id}"' in html
    assert 'data-testid="mark-ready"' in html and 'data-testid="mark-not-ready"' in html
    assert "Select all 5 items matching the filters" in html
    assert 'src="/static/backlog.js' in html


def test_the_status_filter_keeps_ready_or_not_ready_items(client):
    _items()
    ready = page(client.get("/backlog?status=ready"))
    assert ready.count('data-testid="actual-row"') == 1 and "DKK999.00" in ready
    assert 'data-testid="milestone-row"' not in ready and 'data-testid="product-row"' not in ready
    waiting = page(client.get("/backlog?status=not_ready"))
    assert waiting.count('data-testid="actual-row"') == 2
    assert waiting.count('data-testid="milestone-row"') == 1
    assert waiting.count('data-testid="product-row"') == 1


def test_the_selection_shows_its_count_and_amount(client):
    actuals, milestone, product = _items()
    html = page(client.post("/backlog/selection", headers={"HX-Request": "true"}, data={
        "actual": [actuals[0].id, actuals[1].id], "milestone": [milestone.id],
        "product": [product.id]}))
    assert html.lstrip().startswith('<div class="selection" id="selection-summary"')
    assert 'data-count="4"' in html and "4 items selected" in html
    assert 'data-value="5550.50"' in html and "DKK5,550.50" in html  # 350.50 + 5000 + 200

    nothing = page(client.post("/backlog/selection", headers={"HX-Request": "true"}, data={}))
    assert 'data-count="0"' in nothing


def test_all_matching_the_filters_counts_every_page(app, client):
    app.config["PAGE_SIZE"] = 1
    _items()
    html = page(client.post("/backlog/selection", headers={"HX-Request": "true"},
                            data={"all_matching": "1", "kind": "time"}))
    assert "3 items selected" in html and 'data-value="1349.50"' in html


def test_marking_ready_moves_the_chosen_items_and_keeps_the_filters(client):
    actuals, milestone, product = _items()
    response = client.post("/backlog/mark", data={
        "action": "ready", "actual": [actuals[0].id], "milestone": [milestone.id],
        "product": [product.id], "contract": "c1", "page": "1"})
    assert response.status_code == 302 and response.location == "/backlog?contract=c1&page=1"
    assert statuses(Actual, [a.id for a in actuals]) == ["ready", "unbilled", "ready"]
    assert statuses(Milestone, [milestone.id]) == ["ready"]
    assert statuses(ContractLine, [product.id]) == ["ready"]
    assert "3 items marked ready to invoice." in page(client.get(response.location))

    client.post("/backlog/mark", data={"action": "not_ready", "actual": [actuals[2].id]})
    assert statuses(Actual, [actuals[2].id]) == ["unbilled"]


def test_marking_all_matching_the_filters(client):
    actuals, milestone, _ = _items()
    client.post("/backlog/mark", data={"action": "ready", "all_matching": "1",
                                       "kind": "time"})
    assert statuses(Actual, [a.id for a in actuals]) == ["ready"] * 3
    assert statuses(Milestone, [milestone.id]) == ["not_ready"]


def test_a_refused_item_leaves_the_whole_selection_unchanged(client):
    actuals, milestone, _product = _items()
    milestone.status = "ready"
    db.session.commit()
    create_invoice("c1", InvoiceParameters(cutoff=dt.date(2026, 3, 31)))  # takes the milestone
    response = client.post("/backlog/mark", follow_redirects=True, data={
        "action": "ready", "actual": [actuals[0].id], "milestone": [milestone.id]})
    html = page(response)
    assert "Nothing was marked: Milestone" in html and "is already on an invoice." in html
    assert statuses(Actual, [actuals[0].id]) == ["unbilled"]


def test_marking_nothing_says_so(client):
    _items()
    html = page(client.post("/backlog/mark", data={"action": "ready"}, follow_redirects=True))
    assert "Nothing was selected." in html


def test_the_backlog_query_count_does_not_grow_with_rows(count_queries):
    contract = make_contract()
    line = make_tm_line(contract, make_project())
    for day in range(1, 29):
        make_actual(line, date=dt.date(2026, 2, day), status="unbilled")
    make_fixed_price_line(contract, make_project(),
                          milestones=[(dt.date(2026, 3, 1), Decimal("100.00"))])
    make_product_line(contract)
    assert count_queries("/backlog") <= 9
    assert count_queries("/backlog?status=not_ready&page=1") <= 9


def test_marked_rows_are_read_back_by_id_only(client):
    """The selection endpoint ignores ids that are not numbers."""
    _items()
    html = page(client.post("/backlog/selection", headers={"HX-Request": "true"},
                            data={"actual": ["x", "1 OR 1=1"]}))
    assert 'data-count="0"' in html
    assert db.session.scalars(select(Actual.status)).all().count("ready") == 1
