"""Payments in Chromium (issue 15): on a confirmed invoice, record a partial payment and see
what is due follow in place, a refused overpayment next to its field, the final payment
making the invoice paid, and a reversal reopening it — all without a reload.

The invoice is make_invoice's (e2e/conftest.py): a DKK draft at 25 % tax, 19,625.00 in all.
"""

import os

from playwright.sync_api import Page, expect

SHOTS = "/tmp/shots"


def test_record_a_partial_payment_and_see_the_amount_due_update_in_place(
        page: Page, confirmed_on_page, settled):
    confirmed_on_page()
    panel = page.get_by_test_id("payments-panel")
    expect(panel.get_by_test_id("invoice-amount-due")).to_have_attribute("data-value", "19625.00")
    settled()
    page.evaluate("window.stillTheSamePage = true")

    # A partial payment: the card answers in place with what is left, "Partly paid".
    panel.get_by_test_id("action-record-payment").click()
    amount = panel.locator('input[name="amount"]')
    expect(amount).to_have_value("19625.00")  # what is due, by default
    amount.fill("5000")
    panel.locator('input[name="reference"]').fill("Bank 4711")
    panel.get_by_test_id("record-payment-submit").click()
    expect(panel.get_by_test_id("invoice-amount-due")).to_have_attribute("data-value", "14625.00")
    expect(panel.get_by_test_id("payment-row")).to_have_count(1)
    expect(panel.get_by_test_id("payment-row")).to_contain_text("Bank 4711")
    expect(page.get_by_test_id("invoice-partly-paid")).to_be_visible()
    expect(page.get_by_test_id("invoice-status")).to_have_attribute("data-value", "active")
    assert page.evaluate("window.stillTheSamePage") is True  # no reload
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/payments_partly_paid.png", full_page=True)

    # More than is due: refused next to the amount, what was typed kept.
    settled()
    panel.get_by_test_id("action-record-payment").click()
    amount = panel.locator('input[name="amount"]')
    expect(amount).to_have_value("14625.00")
    amount.fill("20000")
    panel.get_by_test_id("record-payment-submit").click()
    expect(panel.get_by_test_id("error-amount")).to_contain_text("more than is due")
    expect(panel.locator('input[name="amount"]')).to_have_value("20000")
    expect(panel.get_by_test_id("invoice-amount-due")).to_have_attribute("data-value", "14625.00")
    panel.screenshot(path=f"{SHOTS}/payments_refused.png")

    # The rest: paid, the badges follow out of band.
    panel.locator('input[name="amount"]').fill("14625.00")
    panel.get_by_test_id("record-payment-submit").click()
    expect(panel.get_by_test_id("invoice-amount-due")).to_have_attribute("data-value", "0.00")
    expect(page.get_by_test_id("invoice-status")).to_have_attribute("data-value", "paid")
    expect(page.get_by_test_id("invoice-partly-paid")).to_have_count(0)
    expect(panel.get_by_test_id("action-record-payment")).to_have_count(0)

    # A wrong payment reversed, with why: kept struck through, the invoice reopened.
    settled()
    panel.get_by_test_id("action-reverse-payment").first.click()
    panel.locator('textarea[name="reason"]').fill("Paid by another customer")
    panel.get_by_test_id("reverse-payment-submit").click()
    expect(panel.locator('[data-testid="payment-row"][data-reversed="true"]')).to_have_count(1)
    expect(panel.get_by_test_id("payment-reversal")).to_contain_text("Paid by another customer")
    expect(panel.get_by_test_id("invoice-amount-due")).to_have_attribute("data-value", "5000.00")
    expect(page.get_by_test_id("invoice-status")).to_have_attribute("data-value", "active")
    expect(page.get_by_test_id("invoice-partly-paid")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True
    page.screenshot(path=f"{SHOTS}/payments_reversed.png", full_page=True)


def test_a_partly_paid_invoice_is_on_the_receivables_page_in_its_bucket(
        page: Page, base_url: str, confirmed_on_page, settled):
    code = confirmed_on_page()
    panel = page.get_by_test_id("payments-panel")
    expect(panel.get_by_test_id("invoice-amount-due")).to_have_attribute("data-value", "19625.00")
    settled()
    panel.get_by_test_id("action-record-payment").click()
    panel.locator('input[name="amount"]').fill("625")
    panel.get_by_test_id("record-payment-submit").click()
    expect(panel.get_by_test_id("invoice-amount-due")).to_have_attribute("data-value", "19000.00")

    # Receivables: the invoice, due in 30 days, is in "not due", partly paid, 19,000.00 due.
    page.get_by_role("link", name="Receivables").click()
    row = page.locator(f'[data-testid="receivable-row"][data-invoice="{code}"]')
    expect(row).to_have_attribute("data-bucket", "not_due")
    expect(row.get_by_test_id("partly-paid")).to_be_visible()
    expect(row.get_by_test_id("days-overdue")).to_have_attribute("data-value", "0")
    expect(row).to_contain_text("19,000.00")
    # The bucket filter keeps it; another bucket does not.
    page.goto(f"{base_url}/receivables?bucket=not_due")
    expect(page.locator(f'[data-testid="receivable-row"][data-invoice="{code}"]')).to_have_count(1)
    page.goto(f"{base_url}/receivables?bucket=1_30")
    expect(page.locator(f'[data-testid="receivable-row"][data-invoice="{code}"]')).to_have_count(0)
    page.goto(f"{base_url}/receivables")
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/receivables_partly_paid.png", full_page=True)
