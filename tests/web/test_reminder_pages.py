"""Payment reminders in the pages (issue 15): "Send reminder" on an overdue invoice answers
in place with the reminder listed (sent, or failed with why), who may send it, and the
admin's page of levels and texts with each refusal next to its field."""

import datetime as dt

import pytest
from sqlalchemy import select

from app.extensions import db
from app.invoices import page
from app.models import ReminderLevel
from app.services.reminders import LevelInput, save_levels
from tests.mail_server import free_port
from tests.web.helpers import sign_in
from tests.worlds import document_invoice

HX = {"HX-Request": "true"}


@pytest.fixture
def overdue(app, monkeypatch):
    """A confirmed invoice 9 days past its due date, and the shipped levels."""
    save_levels([LevelInput(days, {}, {}) for days in (7, 21, 35)])
    invoice = document_invoice("en", email="ap@customer.example")
    monkeypatch.setattr(page, "today", lambda: invoice.due_date + dt.timedelta(days=9))
    return invoice


def test_send_reminder_answers_in_place_with_the_reminder_listed(client, inbox, overdue):
    html = client.get(f"/invoices/{overdue.code}").get_data(as_text=True)
    assert 'data-testid="action-send-reminder"' in html
    assert 'data-testid="invoice-days-overdue" data-value="9"' in html
    answer = client.post(f"/invoices/{overdue.code}/reminders", headers=HX)
    assert answer.status_code == 200
    card = answer.get_data(as_text=True)
    assert card.lstrip().startswith('<section class="card payments" id="invoice-payments"')
    assert "Reminder 1 sent to ap@customer.example." in card
    assert 'data-testid="reminder-row" data-level="1" data-result="sent"' in card
    assert len(inbox.envelopes) == 1
    # Without htmx: back to the page, with the message.
    answer = client.post(f"/invoices/{overdue.code}/reminders")
    assert answer.status_code in (302, 303)
    assert "Reminder 2 sent" in client.get(answer.location).get_data(as_text=True)


def test_a_failed_reminder_is_listed_with_why_and_the_card_says_it_is_retried(
        app, client, overdue):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_STARTTLS=False,
                      SMTP_USERNAME="")
    answer = client.post(f"/invoices/{overdue.code}/reminders", headers=HX)
    assert answer.status_code == 422
    card = answer.get_data(as_text=True)
    assert "could not be sent to ap@customer.example" in card
    assert 'data-level="1" data-result="failed"' in card
    assert "tried again by the next reminder run" in card


def test_no_send_reminder_before_the_due_date_nor_for_a_reviewer(
        app, client, overdue, monkeypatch, inbox):
    monkeypatch.setattr(page, "today", lambda: overdue.due_date)
    html = client.get(f"/invoices/{overdue.code}").get_data(as_text=True)
    assert 'action-send-reminder' not in html and "invoice-days-overdue" not in html
    answer = client.post(f"/invoices/{overdue.code}/reminders", headers=HX)
    assert answer.status_code == 409 and "is not overdue" in answer.get_data(as_text=True)
    monkeypatch.setattr(page, "today", lambda: overdue.due_date + dt.timedelta(days=9))
    sign_in(client, app, monkeypatch, "reviewer")
    html = client.get(f"/invoices/{overdue.code}").get_data(as_text=True)
    assert 'action-send-reminder' not in html
    assert client.post(f"/invoices/{overdue.code}/reminders", headers=HX).status_code == 403
    assert inbox.envelopes == []


def test_the_admin_sets_levels_and_texts_and_sees_refusals_next_to_their_fields(
        app, client, monkeypatch):
    html = client.get("/setup/reminders").get_data(as_text=True)
    assert 'data-testid="reminder-level"' in html  # the blank row of a new level
    answer = client.post("/setup/reminders", data={
        "levels-0-days": "10", "levels-0-subject_da": "Rykker for {invoice}",
        "levels-1-days": "5", "levels-2-days": "x", "levels-2-body_ms": "Bayar {amount}"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "more than 10 days" in html and "between 1 and 3650" in html
    assert "Unknown placeholder {amount}" in html
    assert 'value="Rykker for {invoice}"' in html  # what was typed is kept
    assert db.session.scalars(select(ReminderLevel)).all() == []
    answer = client.post("/setup/reminders", data={
        "levels-0-days": "10", "levels-0-subject_da": "Rykker for {invoice}",
        "levels-1-days": "30", "levels-2-days": ""})
    assert answer.status_code in (302, 303)
    assert [(level.level, level.days, level.subject_da) for level in db.session.scalars(
        select(ReminderLevel).order_by(ReminderLevel.level))] == [
        (1, 10, "Rykker for {invoice}"), (2, 30, "")]
    html = client.get("/setup/reminders").get_data(as_text=True)
    assert "Reminder levels saved." in html
    # The shipped text shows greyed where the admin wrote none.
    assert 'placeholder="Second reminder: invoice {invoice} is still unpaid"' in html
    answer = client.post("/setup/reminders", data={
        "levels-0-days": "10", "levels-1-days": "30", "levels-1-remove": "1"})
    assert [level.days for level in db.session.scalars(select(ReminderLevel))] == [10]
    sign_in(client, app, monkeypatch, "billing_manager")
    assert client.get("/setup/reminders").status_code == 403
    assert client.post("/setup/reminders", data={"levels-0-days": "3"}).status_code == 403
