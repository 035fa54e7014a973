"""The inline invoice editor in Chromium: edits save on change, totals follow in place.

Each test makes its own invoice (make_invoice): a DKK draft at 25 % tax with a T&M line
(API work 7.5 h and Code review 2 h at 1,000.00; a hotel night at 1,200.00) and a
fixed-price line (one 5,000.00 milestone). Detail amount 15,700.00, total 19,625.00.
"""

import datetime as dt
import re

from babel.dates import format_date
from playwright.sync_api import Browser, Page, expect


def open_invoice(page: Page, base_url: str, code: str) -> None:
    page.goto(f"{base_url}/invoices/{code}")
    expect(page.get_by_test_id("invoice-total-amount")).to_have_attribute("data-value", "19625.00")
    # Set on the window: gone if the page reloads.
    page.evaluate("window.stillTheSamePage = true")


def row(page: Page, description: str):
    """The detail row whose description is (or whose description input holds) this text."""
    return page.get_by_test_id("detail-row").filter(
        has=page.locator(f'input[name="description"][value="{description}"]'))


def totals(page: Page) -> dict[str, str]:
    return {testid: page.get_by_test_id(testid).get_attribute("data-value")
            for testid in ("invoice-detail-amount", "invoice-total-tax", "invoice-total-amount")}


def expect_line(page: Page, amount: str, tax: str, extended: str) -> None:
    line = page.get_by_test_id("invoice-line").first
    expect(line.get_by_test_id("line-amount")).to_have_attribute("data-value", amount)
    expect(line.get_by_test_id("line-tax")).to_have_attribute("data-value", tax)
    expect(line.get_by_test_id("line-extended-amount")).to_have_attribute("data-value", extended)


def test_complimentary_updates_line_and_header_totals_in_place_and_after_a_reload(
        page: Page, base_url: str, make_invoice):
    code = make_invoice()
    open_invoice(page, base_url, code)

    row(page, "API work").locator('select[name="billing_type"]').select_option("complimentary")

    # 7.5 h × 1,000.00 leaves the line: 10,700.00 − 7,500.00, tax 2,675.00 − 1,875.00.
    expect_line(page, "3200.00", "800.00", "4000.00")
    expect(page.get_by_test_id("invoice-detail-amount")).to_have_attribute("data-value", "8200.00")
    expect(page.get_by_test_id("invoice-total-tax")).to_have_attribute("data-value", "2050.00")
    expect(page.get_by_test_id("invoice-total-amount")).to_have_attribute("data-value", "10250.00")
    complimentary = page.locator('tbody[data-group="complimentary"]')
    expect(complimentary.get_by_test_id("detail-row")).to_have_count(1)
    expect(complimentary.locator('input[name="description"]')).to_have_value("API work")
    expect(complimentary).to_contain_text("Complimentary (1)")
    assert page.evaluate("window.stillTheSamePage") is True

    page.reload()
    expect_line(page, "3200.00", "800.00", "4000.00")
    expect(page.get_by_test_id("invoice-total-amount")).to_have_attribute("data-value", "10250.00")
    expect(complimentary.locator('input[name="description"]')).to_have_value("API work")
    expect(complimentary.locator('select[name="billing_type"]')).to_have_value("complimentary")


def test_quantity_and_price_of_a_detail_backed_by_nothing_recompute_everything(
        page: Page, base_url: str, make_invoice):
    code = make_invoice()
    open_invoice(page, base_url, code)

    # A new detail on the T&M line: the class first, then the row; price blank → price list.
    page.get_by_test_id("action-new-detail").first.click()
    new = page.get_by_test_id("new-detail-row")
    # Let htmx finish swapping the row in (it wires the class select's change on settle).
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")).to_have_count(0)
    expect(new.locator('select[name="transaction_class"] option')).to_have_text(
        ["Class…", "Time", "Expense"])
    new.locator('select[name="transaction_class"]').select_option("time")
    new.locator('input[name="description"]').fill("Extra workshop")
    suffix = page.locator("h1").inner_text().removeprefix("Contract ")  # the fixture's names
    new.locator('select[name="role"]').select_option(label=f"Developer {suffix}")
    new.locator('input[name="quantity"]').fill("3")
    new.get_by_test_id("new-detail-save").click()
    expect(page.get_by_test_id("new-detail-row")).to_have_count(0)

    added = page.locator('tr[data-testid="detail-row"][data-backing="none"]')
    expect(added.locator('input[name="price"]')).to_have_value("1000.00")
    expect(added.get_by_test_id("detail-amount")).to_have_attribute("data-value", "3000.00")
    expect(added.get_by_test_id("detail-tax")).to_have_attribute("data-value", "750.00")
    expect_line(page, "13700.00", "3425.00", "17125.00")

    # Quantity, then price: amount = round(q × p), tax at 25 % follows, totals follow.
    added.locator('input[name="quantity"]').fill("2.5")
    added.locator('input[name="quantity"]').press("Tab")
    expect(added.get_by_test_id("detail-amount")).to_have_attribute("data-value", "2500.00")
    added.locator('input[name="price"]').fill("1234.5")
    added.locator('input[name="price"]').press("Enter")
    expect(added.get_by_test_id("detail-amount")).to_have_attribute("data-value", "3086.25")
    expect(added.get_by_test_id("detail-tax")).to_have_attribute("data-value", "771.56")
    expect(added.get_by_test_id("detail-extended-amount")).to_have_attribute("data-value", "3857.81")
    expect(added.locator('input[name="tax"]')).to_have_value("771.56")
    expect_line(page, "13786.25", "3446.56", "17232.81")
    expect(page.get_by_test_id("invoice-detail-amount")).to_have_attribute("data-value", "18786.25")
    expect(page.get_by_test_id("invoice-total-tax")).to_have_attribute("data-value", "4696.56")
    expect(page.get_by_test_id("invoice-total-amount")).to_have_attribute("data-value", "23482.81")
    assert page.evaluate("window.stillTheSamePage") is True


def test_a_locked_field_forced_open_in_the_page_is_refused_by_the_server(
        page: Page, base_url: str, make_invoice):
    code = make_invoice()
    open_invoice(page, base_url, code)
    api_work = row(page, "API work")
    row_id = api_work.get_attribute("id")

    # Quantity of a detail backed by an actual is text; put an input there anyway.
    api_work.locator("td.col-qty").evaluate(
        """cell => { const input = document.createElement('input');
                     input.name = 'quantity'; input.value = '99'; input.className = 'cell';
                     cell.append(input);
                     input.dispatchEvent(new Event('change', {bubbles: true})); }""")

    refused = page.locator(f"#{row_id}")
    expect(refused).to_contain_text("Quantity cannot be changed: it is taken from the actual.")
    expect(refused.locator('input[name="quantity"]')).to_have_count(0)
    expect(refused.locator("td.col-qty")).to_contain_text("7.5")
    expect(refused.get_by_test_id("detail-amount")).to_have_attribute("data-value", "7500.00")
    page.reload()
    expect(page.locator(f"#{row_id} td.col-qty")).to_contain_text("7.5")
    expect(page.get_by_test_id("invoice-total-amount")).to_have_attribute("data-value", "19625.00")


def test_two_people_editing_the_same_row(browser: Browser, base_url: str, make_invoice):
    code = make_invoice()
    first, second = browser.new_context().new_page(), browser.new_context().new_page()
    open_invoice(first, base_url, code)
    open_invoice(second, base_url, code)

    mine = row(first, "Code review")
    row_id = mine.get_attribute("id")
    mine.locator('input[name="description"]').fill("Code review, pull request 12")
    mine.locator('input[name="description"]').press("Enter")
    expect(first.locator(f'#{row_id} input[name="description"]')).to_have_attribute(
        "value", "Code review, pull request 12")

    theirs = second.locator(f"#{row_id}")
    theirs.locator('input[name="description"]').fill("Review")
    theirs.locator('input[name="description"]').press("Enter")
    expect(theirs).to_contain_text("Someone else changed this detail after you opened it.")
    expect(theirs.locator('input[name="description"]')).to_have_value("Code review, pull request 12")

    first.reload()
    expect(first.locator(f'#{row_id} input[name="description"]')).to_have_value(
        "Code review, pull request 12")
    first.context.close()
    second.context.close()


def test_confirming_locks_the_page(page: Page, base_url: str, make_invoice):
    code = make_invoice()
    open_invoice(page, base_url, code)
    page.once("dialog", lambda dialog: dialog.accept())

    page.get_by_test_id("action-confirm").click()

    expect(page.get_by_test_id("invoice-project-status")).to_have_attribute("data-value", "confirmed")
    expect(page.locator(".flashes")).to_contain_text("The invoice is now locked.")
    expect(page.get_by_test_id("invoice-number")).to_have_text(re.compile(r"\d{4}-\d{4}"))
    content = page.locator("#invoice-header, #invoice-totals, [data-testid=invoice-line]")
    expect(content.locator("input, select, textarea")).to_have_count(0)
    expect(page.get_by_test_id("detail-row")).to_have_count(4)
    for action in ("action-confirm", "action-delete", "action-recalculate", "action-new-detail"):
        expect(page.get_by_test_id(action)).to_have_count(0)
    expect(page.get_by_test_id("action-mark-paid")).to_be_visible()
    expect(page.get_by_test_id("invoice-total-amount")).to_have_attribute("data-value", "19625.00")


def test_marking_as_paid_asks_for_the_payment_date(page: Page, base_url: str, make_invoice):
    code = make_invoice()
    open_invoice(page, base_url, code)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("action-confirm").click()
    expect(page.get_by_test_id("invoice-project-status")).to_have_attribute("data-value", "confirmed")

    # Paid today: the invoice is dated today, and a payment cannot come before it.
    today = dt.date.today()
    page.get_by_test_id("action-mark-paid").click()
    page.locator('input[name="paid_on"]').fill(today.isoformat())
    page.locator('input[name="reference"]').fill("Bank transfer 42")
    page.get_by_test_id("mark-paid-submit").click()

    expect(page.get_by_test_id("invoice-status")).to_have_attribute("data-value", "paid")
    expect(page.get_by_test_id("invoice-paid-on")).to_have_text(format_date(today, "medium", locale="en"))
    expect(page.get_by_test_id("action-mark-paid")).to_have_count(0)


def test_keyboard_tab_enter_and_escape(page: Page, base_url: str, make_invoice):
    code = make_invoice()
    open_invoice(page, base_url, code)
    api_work = row(page, "API work")
    row_id = api_work.get_attribute("id")
    description = api_work.locator('input[name="description"]')

    # Tab and Shift+Tab move through the editable cells of the row.
    description.focus()
    page.keyboard.press("Tab")
    expect(api_work.locator('input[name="external_description"]')).to_be_focused()
    page.keyboard.press("Tab")
    expect(api_work.locator('input[name="tax"]')).to_be_focused()
    page.keyboard.press("Tab")
    expect(api_work.locator('select[name="billing_type"]')).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(api_work.locator('input[name="tax"]')).to_be_focused()

    # Enter saves the cell and keeps the cursor in it.
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("1000.00")
    page.keyboard.press("Enter")
    saved = page.locator(f"#{row_id}")
    expect(saved.get_by_test_id("detail-tax")).to_have_attribute("data-value", "1000.00")
    expect(saved.locator('input[name="tax"]')).to_be_focused()
    expect(page.get_by_test_id("invoice-total-tax")).to_have_attribute("data-value", "3050.00")

    # Escape puts back the saved value; nothing is sent.
    saved.locator('input[name="description"]').fill("Typed by mistake")
    saved.locator('input[name="description"]').press("Escape")
    expect(saved.locator('input[name="description"]')).to_have_value("API work")
    page.keyboard.press("Tab")
    page.reload()
    expect(page.locator(f'#{row_id} input[name="description"]')).to_have_value("API work")
