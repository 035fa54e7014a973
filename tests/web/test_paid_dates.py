"""The payment date (issue 11): never in the future, next to its field; and a wrongly
marked paid invoice can be reopened by a billing manager, with the reason kept."""

import datetime as dt

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry
from app.services import ServiceError
from app.services.lifecycle import confirm_invoice, mark_paid, reopen_paid
from tests.web.helpers import error_next_to, sign_in
from tests.worlds import World

HX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    world = World()
    confirm_invoice(world.code)
    return world


def test_a_future_payment_date_is_refused_next_to_the_field(client, world):
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    response = client.post(f"/invoices/{world.code}/mark-paid", headers=HX,
                           data={"paid_on": tomorrow.isoformat()})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The payment date cannot be in the future" in error_next_to(html, "paid_on")
    assert f'value="{tomorrow.isoformat()}"' in html  # what was typed stays
    assert world.invoice().status == "active"
    with pytest.raises(ServiceError, match="in the future") as refused:
        mark_paid(world.code, dt.date(2031, 5, 5))
    assert refused.value.field == "paid_on"
    assert world.invoice().paid_on is None


def test_a_payment_before_the_invoice_date_is_refused_next_to_the_field(client, world):
    response = client.post(f"/invoices/{world.code}/mark-paid", headers=HX, data={"paid_on": "2026-03-01"})
    assert response.status_code == 422
    assert "before the invoice date" in error_next_to(response.get_data(as_text=True), "paid_on")


def test_the_date_picker_offers_no_later_day_than_today(client, world):
    html = client.get(f"/invoices/{world.code}/mark-paid", headers=HX).get_data(as_text=True)
    assert f'max="{dt.date.today().isoformat()}"' in html


def test_a_billing_manager_reopens_a_paid_invoice_with_a_reason(client, app, monkeypatch, world):
    mark_paid(world.code, dt.date(2026, 4, 20), "Bank 42")
    sign_in(client, app, monkeypatch, "billing_manager")
    page = client.get(f"/invoices/{world.code}").get_data(as_text=True)
    assert 'data-testid="action-reopen-paid"' in page
    form = client.get(f"/invoices/{world.code}/reopen", headers=HX).get_data(as_text=True)
    assert "Reopen a paid invoice" in form
    response = client.post(f"/invoices/{world.code}/reopen", headers=HX, data={"reason": "  "})
    assert response.status_code == 422
    assert error_next_to(response.get_data(as_text=True), "reason")
    assert world.invoice().status == "paid"
    response = client.post(f"/invoices/{world.code}/reopen", headers=HX,
                           data={"reason": "Payment was for another invoice"})
    assert response.status_code == 204
    invoice = world.invoice()
    assert (invoice.status, invoice.paid_on, invoice.payment_reference) == ("active", None, None)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reopen_paid")).one()
    assert (entry.old_value, entry.new_value, entry.actor) == (
        "2026-04-20", "Payment was for another invoice", "billing_manager@example.com")
    # Confirmed again: it can be marked as paid with the right date.
    mark_paid(world.code, dt.date(2026, 4, 21))


def test_a_reviewer_cannot_reopen_and_is_not_offered_it(client, app, monkeypatch, world):
    mark_paid(world.code, dt.date(2026, 4, 20))
    sign_in(client, app, monkeypatch, "reviewer")
    assert 'action-reopen-paid' not in client.get(f"/invoices/{world.code}").get_data(as_text=True)
    response = client.post(f"/invoices/{world.code}/reopen", headers=HX, data={"reason": "oops"})
    assert response.status_code == 403
    assert world.invoice().status == "paid"


def test_only_a_paid_invoice_can_be_reopened(client, world):
    response = client.post(f"/invoices/{world.code}/reopen", headers=HX, data={"reason": "oops"})
    assert response.status_code == 409
    assert "Only paid invoices can be reopened" in response.get_data(as_text=True)
    with pytest.raises(ServiceError, match="Only paid invoices"):
        reopen_paid(world.code, "oops")
