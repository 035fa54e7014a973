"""A credit note in Chromium (issue 14): confirm an invoice, Correct it, say what should
have been billed on one row and watch the differences follow in place, confirm the credit
note and read its PDF.

The invoice is make_invoice's (e2e/conftest.py): a DKK draft at 25 % tax with a T&M line
(API work 7.5 h and Code review 2 h at 1,000.00; a hotel night at 1,200.00) and a
fixed-price line (one 5,000.00 milestone). Detail amount 15,700.00, total 19,625.00.
"""

import os

from playwright.sync_api import Page, expect

from tests.factories import pdf_text

SHOTS = "/tmp/shots"


def test_correct_an_invoice_by_a_credit_note_and_read_its_pdf(page: Page, base_url: str,
                                                              confirmed_on_page, settled):
    code = confirmed_on_page()
    number = page.get_by_test_id("invoice-number").inner_text().strip()
    assert number != "—"

    settled()
    page.get_by_test_id("action-correct").click()
    expect(page.get_by_test_id("invoice-type")).to_have_attribute("data-value", "credit_note")
    expect(page.get_by_test_id("credit-note-corrects")).to_contain_text(f"Corrects invoice {number}")
    # Everything is credited until the reviewer says what should have been billed.
    expect(page.get_by_test_id("invoice-detail-amount")).to_have_attribute("data-value", "-15700.00")
    expect(page.get_by_test_id("invoice-total-amount")).to_have_attribute("data-value", "-19625.00")
    settled()
    page.evaluate("window.stillTheSamePage = true")

    api = page.get_by_test_id("detail-row").filter(
        has=page.locator('input[name="description"][value="API work"]'))
    expect(api.get_by_test_id("detail-billed-quantity")).to_have_attribute("data-value", "7.5")
    quantity = api.locator('input[name="corrected_quantity"]')
    quantity.fill("5")
    quantity.press("Tab")

    # 5 h of the 7.5 h stay billed: the row credits 2.5 h, the line 10,700.00 − 5,000.00.
    expect(api.get_by_test_id("detail-amount")).to_have_attribute("data-value", "-2500.00")
    expect(api.get_by_test_id("detail-tax")).to_have_attribute("data-value", "-625.00")
    line = page.get_by_test_id("invoice-line").first
    expect(line.get_by_test_id("line-amount")).to_have_attribute("data-value", "-5700.00")
    expect(line.get_by_test_id("line-extended-amount")).to_have_attribute("data-value", "-7125.00")
    expect(page.get_by_test_id("invoice-detail-amount")).to_have_attribute("data-value", "-10700.00")
    expect(page.get_by_test_id("invoice-total-tax")).to_have_attribute("data-value", "-2675.00")
    expect(page.get_by_test_id("invoice-total-amount")).to_have_attribute("data-value", "-13375.00")
    assert page.evaluate("window.stillTheSamePage") is True  # no reload
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/credit_note_editor.png", full_page=True)

    settled()
    page.get_by_test_id("action-confirm").click()
    expect(page.get_by_test_id("invoice-project-status")).to_have_attribute("data-value", "confirmed")
    credit_number = page.get_by_test_id("invoice-number").inner_text().strip()
    assert credit_number not in ("—", number)
    expect(page.get_by_test_id("invoice-total-amount")).to_have_attribute("data-value", "-13375.00")

    pdf_url = page.get_by_test_id("action-pdf").get_attribute("href")
    response = page.request.get(f"{base_url}{pdf_url}")
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/pdf")
    text = " ".join(pdf_text(response.body()))
    assert "Credit note" in text
    assert credit_number in text
    assert number in text  # "Corrects invoice <number> of <date>"

    # The original lists its correction and what it charges after it.
    page.get_by_test_id("credit-note-original").click()
    expect(page.get_by_test_id("correction-row")).to_have_count(1)
    expect(page.get_by_test_id("invoice-net-total")).to_have_attribute("data-value", "6250.00")
