"""Payment reminders in Chromium (issue 15): on an overdue invoice, "Send reminder" lists
the reminder on the Payments card in place, the mail reaching a real SMTP server with the
PDF attached; the admin's page of reminder levels.

The invoice is make_invoice's, confirmed on its page (e2e/conftest.py); the page ages it 9 days past its due date.
"""

import datetime as dt
import os

import pytest
from playwright.sync_api import Page, expect

from app.invoices import page as invoice_page
from tests.mail_server import start_server

SHOTS = "/tmp/shots"


@pytest.fixture
def inbox(live_app):
    kept = {name: live_app.config[name] for name in (
        "SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS", "SMTP_USERNAME", "SMTP_PASSWORD",
        "MAIL_FROM", "COMPANY_NAME")}
    controller, inbox = start_server(live_app)
    yield inbox
    controller.stop()
    live_app.config.update(kept)


def test_send_reminder_on_an_overdue_invoice_lists_it_in_place(
        page: Page, base_url: str, confirmed_on_page, settled, inbox, monkeypatch):
    confirmed_on_page(height=1100)
    panel = page.get_by_test_id("payments-panel")
    expect(panel.get_by_test_id("action-send-reminder")).to_have_count(0)  # not yet due

    monkeypatch.setattr(invoice_page, "today", lambda: dt.date.today() + dt.timedelta(days=39))
    page.reload()
    settled()
    panel = page.get_by_test_id("payments-panel")
    expect(panel.get_by_test_id("invoice-days-overdue")).to_have_attribute("data-value", "9")
    page.evaluate("window.stillTheSamePage = true")
    panel.get_by_test_id("action-send-reminder").click()
    row = panel.locator('[data-testid="reminder-row"][data-level="1"]')
    expect(row).to_have_attribute("data-result", "sent")
    expect(row).to_contain_text("ap@example.com")
    expect(panel).to_contain_text("Reminder 1 sent to ap@example.com.")
    assert page.evaluate("window.stillTheSamePage") is True  # no reload
    [message] = inbox.messages
    assert "Reminder" in message["Subject"]
    assert "9 days overdue" in message.get_body(("plain",)).get_content()
    assert [a.get_content_type() for a in message.iter_attachments()] == ["application/pdf"]
    os.makedirs(SHOTS, exist_ok=True)
    panel.screenshot(path=f"{SHOTS}/reminder_sent.png")

    # The levels an admin sets, each language's shipped text greyed in its field.
    page.goto(f"{base_url}/setup/reminders")
    expect(page.get_by_test_id("reminder-level")).to_have_count(4)  # 3 shipped + a new one
    page.screenshot(path=f"{SHOTS}/reminder_levels.png")
