"""In Chromium (issue 11): a tab left open while the invoice was confirmed elsewhere says
so in the row instead of crashing; a confirmed invoice's document stays as issued after the
customer's language changes; a future payment date is refused next to the field."""

import datetime as dt

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Customer, Invoice
from app.services.lifecycle import confirm_invoice


def _confirm_elsewhere(live_app, code: str) -> str:
    with live_app.app_context():
        number = confirm_invoice(code).number
        db.session.remove()
    return number


def _set_language(live_app, code: str, language: str) -> None:
    with live_app.app_context():
        invoice = db.session.scalars(select(Invoice).where(Invoice.code == code)).one()
        db.session.get(Customer, invoice.customer_id).language = language
        db.session.commit()
        db.session.remove()


def test_a_stale_tab_adding_a_detail_is_told_the_invoice_was_confirmed(
        page: Page, base_url, live_app, make_invoice, settled):
    code = make_invoice()
    page.goto(f"{base_url}/invoices/{code}")
    settled()
    page.get_by_test_id("action-new-detail").first.click()
    new_row = page.get_by_test_id("new-detail-row")
    expect(new_row).to_be_visible()
    settled()
    new_row.locator('select[name="transaction_class"]').select_option("time")
    new_row.locator('input[name="description"]').fill("Late workshop")
    new_row.locator('input[name="quantity"]').fill("2")
    _confirm_elsewhere(live_app, code)  # …in another tab, meanwhile
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_test_id("new-detail-save").click()
    assert answer.value.status == 409
    expect(page.get_by_test_id("new-detail-row")).to_contain_text(
        "Only draft or in-review invoices can be edited")


def test_a_confirmed_invoice_keeps_its_language_after_the_customer_changes_it(
        page: Page, base_url, live_app, make_invoice):
    code = make_invoice()
    _set_language(live_app, code, "da")
    number = _confirm_elsewhere(live_app, code)
    page.goto(f"{base_url}/invoices/{number}/preview")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.locator("h1")).to_have_text("Faktura")
    _set_language(live_app, code, "ms")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.locator("h1")).to_have_text("Faktura")
    page.screenshot(path="/tmp/e2e-frozen-preview.png", full_page=True)


def test_a_future_payment_date_is_refused_next_to_the_field(
        page: Page, base_url, live_app, make_invoice):
    code = make_invoice()
    _confirm_elsewhere(live_app, code)
    page.goto(f"{base_url}/invoices/{code}")
    page.get_by_test_id("action-mark-paid").click()
    date = page.locator('input[name="paid_on"]')
    expect(date).to_have_attribute("max", dt.date.today().isoformat())
    # The picker offers no later day; a typed one is refused by the server.
    date.evaluate("(input, day) => { input.removeAttribute('max'); input.value = day; }",
                  (dt.date.today() + dt.timedelta(days=3)).isoformat())
    page.get_by_test_id("mark-paid-submit").click()
    expect(page.get_by_test_id("error-paid_on")).to_contain_text("cannot be in the future")
    expect(page.get_by_test_id("invoice-status")).to_have_attribute("data-value", "active")
