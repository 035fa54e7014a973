"""Time, expense, material and fee entries in the browser: entered, submitted, approved
into priced actuals (SPEC 4)."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.models import Actual, Entry
from tests.factories import (EACH, HOUR, KM, make_category, make_contract, make_price_list,
                             make_project, make_resource, make_role, make_tm_line)
from tests.web.helpers import error_next_to, page


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _setup():
    role, category = make_role(name="Developer"), make_category(name="Hotel")
    prices = make_price_list(role_prices=[(role, Decimal("950.00"))],
                             category_prices=[(category, Decimal("1200.00"))])
    contract = make_contract(price_list=prices, tax_rate=Decimal("25"))
    project = make_project(name="Booking platform", tasks=("Design", "Build"))
    make_tm_line(contract, project, classes=("time", "expense"))
    other = make_project(name="Other project", tasks=("Elsewhere",))
    resource = make_resource(name="Ana")
    db.session.commit()
    return {"role": role, "category": category, "project": project, "other": other,
            "resource": resource}


def _time(s, **kw) -> dict:
    return {"project_id": s["project"].id, "task_id": s["project"].tasks[1].id,
            "date": "2026-03-02", "role_id": s["role"].id, "resource_id": s["resource"].id,
            "quantity": "7.5", "unit_id": HOUR, "internal_comment": "API work",
            "external_comment": "Development", "action": "submit", **kw}


def test_the_time_form_offers_time_units_and_the_project_tasks_via_htmx(client):
    s = _setup()
    html = page(client.get("/entries/new/time"))
    assert 'name="role_id"' in html and 'name="category_id"' not in html
    assert 'hx-get="/entries/tasks"' in html and 'hx-target="#task_id"' in html
    assert "Hour (Time)" in html and "Each (Quantity)" not in html
    fragment = page(client.get(f"/entries/tasks?project_id={s['project'].id}",
                               headers={"HX-Request": "true"}))
    assert "<option" in fragment and "Design" in fragment and "Build" in fragment
    assert "Elsewhere" not in fragment and "<html" not in fragment


def test_the_expense_form_asks_for_a_category_not_a_role(client):
    _setup()
    html = page(client.get("/entries/new/expense"))
    assert 'name="category_id"' in html and 'name="role_id"' not in html
    assert 'name="description"' in html


def test_time_is_entered_submitted_and_approved_into_a_priced_actual(client):
    s = _setup()
    response = client.post("/entries/new/time", data=_time(s))
    assert response.status_code == 302 and response.location == "/entries"
    entry = db.session.scalars(select(Entry)).one()
    assert entry.status == "submitted"
    html = page(client.get("/entries"))
    assert "Entry saved and submitted for approval." in html
    assert 'data-testid="approve-entry"' in html and "Booking platform" in html

    response = client.post(f"/entries/{entry.id}/approve", data={"next": "/entries?status=submitted"})
    assert response.location == "/entries?status=submitted"
    actual = db.session.scalars(select(Actual)).one()
    assert (actual.amount, actual.tax, actual.billing_type, actual.status) == (
        Decimal("7125.00"), Decimal("1781.25"), "chargeable", "unbilled")
    html = page(client.get("/entries"))
    assert "approved; its actual is in the billing backlog" in html
    assert "DKK7,125.00" in html


def test_an_approved_entry_is_read_only(client):
    s = _setup()
    client.post("/entries/new/time", data=_time(s))
    entry = db.session.scalars(select(Entry)).one()
    client.post(f"/entries/{entry.id}/approve")
    html = page(client.get(f"/entries/{entry.id}"))
    assert 'data-testid="approved-entry"' in html and "<form class=\"card entry-form\"" not in html
    html = page(client.post(f"/entries/{entry.id}", data=_time(s, quantity="1")))
    assert "approved entries cannot be changed" in html
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).quantity == Decimal("7.5")


def test_an_entry_without_a_role_is_refused_next_to_the_field(client):
    s = _setup()
    html = page(client.post("/entries/new/time", data=_time(s, role_id="")))
    assert error_next_to(html, "role_id") == "Required."
    assert count(Entry) == 0


def test_a_task_of_another_project_is_refused_next_to_the_task(client):
    s = _setup()
    html = page(client.post("/entries/new/time",
                            data=_time(s, task_id=s["other"].tasks[0].id)))
    assert "is not a task of project Booking platform" in error_next_to(html, "task_id")
    assert count(Entry) == 0


def test_a_bad_quantity_is_refused_next_to_it(client):
    s = _setup()
    html = page(client.post("/entries/new/time", data=_time(s, quantity="7.12345")))
    assert error_next_to(html, "quantity") == "At most 4 decimals."
    html = page(client.post("/entries/new/time", data=_time(s, quantity="seven")))
    assert "Not a number" in error_next_to(html, "quantity")
    assert count(Entry) == 0


def test_approval_without_a_price_is_refused_with_the_reason(client):
    s = _setup()
    client.post("/entries/new/expense", data={
        "project_id": s["project"].id, "date": "2026-03-04", "category_id": s["category"].id,
        "quantity": "120", "unit_id": KM, "description": "Drive", "action": "submit"})
    entry = db.session.scalars(select(Entry)).one()
    html = page(client.post(f"/entries/{entry.id}/approve", follow_redirects=True))
    assert f"Entry {entry.id}: Price list" in html
    assert "has no price for category Hotel per km." in html
    assert count(Actual) == 0
    assert db.session.get(Entry, entry.id).status == "submitted"


def test_a_draft_is_changed_then_submitted_and_a_rejected_entry_returns_to_draft(client):
    s = _setup()
    client.post("/entries/new/expense", data={
        "project_id": s["project"].id, "date": "2026-03-04", "category_id": s["category"].id,
        "quantity": "2", "unit_id": EACH, "description": "Hotel", "action": "save"})
    entry = db.session.scalars(select(Entry)).one()
    assert entry.status == "draft"
    html = page(client.get(f"/entries/{entry.id}"))
    assert 'value="2"' in html
    client.post(f"/entries/{entry.id}", data={
        "project_id": s["project"].id, "date": "2026-03-05", "category_id": s["category"].id,
        "quantity": "3", "unit_id": EACH, "description": "Hotel", "action": "save"})
    db.session.expire_all()
    assert (entry.quantity, entry.date) == (Decimal("3"), dt.date(2026, 3, 5))
    client.post(f"/entries/{entry.id}/submit")
    client.post(f"/entries/{entry.id}/reject")
    db.session.expire_all()
    assert entry.status == "rejected"
    assert 'data-testid="submit-entry"' in page(client.get("/entries"))


def test_entries_are_filtered_by_status_and_class(client):
    s = _setup()
    client.post("/entries/new/time", data=_time(s, action="save"))
    client.post("/entries/new/time", data=_time(s, quantity="2"))
    assert page(client.get("/entries?status=draft")).count('data-testid="entry-row"') == 1
    assert page(client.get("/entries?transaction_class=time")).count('data-testid="entry-row"') == 2
    assert page(client.get("/entries?transaction_class=fee")).count('data-testid="entry-row"') == 0


def test_the_entries_list_needs_few_queries(count_queries):
    s = _setup()
    from app.services.entries import EntryValues, create_entry
    for day in range(1, 21):
        create_entry(EntryValues(project_id=s["project"].id, transaction_class="time",
                                 date=dt.date(2026, 3, day), unit_id=HOUR,
                                 quantity=Decimal("1"), role_id=s["role"].id,
                                 resource_id=s["resource"].id))
    assert count_queries("/entries") <= 6
