"""The editor never looks saved when it was not (issue 11): a refused or lost save says
"Not saved" next to its cell and keeps what was typed; the next save that goes through
takes the mark away.

Each test makes its own invoice (make_invoice): a DKK draft at 25 % tax with a T&M line
(API work 7.5 h and Code review 2 h at 1,000.00; a hotel night at 1,200.00) and a
fixed-price line. Detail amount 15,700.00, total 19,625.00.
"""

import re

from playwright.sync_api import Page, expect

DETAILS = "**/invoices/*/details/*"


def open_invoice(page: Page, base_url: str, code: str) -> None:
    page.goto(f"{base_url}/invoices/{code}")
    expect(page.get_by_test_id("invoice-total-amount")).to_have_attribute("data-value", "19625.00")


def description_of(page: Page, description: str):
    """The description input of the detail row that shows this description."""
    row = page.get_by_test_id("detail-row").filter(
        has=page.locator(f'input[name="description"][value="{description}"]'))
    return row.locator('input[name="description"]')


def note_after(cell):
    """The "not saved" note right next to the cell."""
    return cell.locator("xpath=following-sibling::*[1][@data-testid='unsaved-note']")


def save(cell, text: str) -> None:
    cell.fill(text)
    cell.press("Enter")  # leaves and comes back: the browser's change event saves


def tamper_csrf_token(page: Page) -> str:
    """Make the page's CSRF token invalid, as after the sign-in expired; returns the good one."""
    return page.evaluate("""() => {
        const good = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken'];
        document.body.setAttribute('hx-headers', JSON.stringify({'X-CSRFToken': 'expired'}));
        document.querySelectorAll('input[name=csrf_token]').forEach(i => { i.value = 'expired'; });
        return good; }""")


def restore_csrf_token(page: Page, token: str) -> None:
    page.evaluate("""token => {
        document.body.setAttribute('hx-headers', JSON.stringify({'X-CSRFToken': token}));
        document.querySelectorAll('input[name=csrf_token]').forEach(i => { i.value = token; });
    }""", token)


def test_a_refused_csrf_token_says_not_saved_next_to_the_cell_and_keeps_the_text(
        page: Page, base_url: str, make_invoice):
    code = make_invoice()
    open_invoice(page, base_url, code)
    token = tamper_csrf_token(page)

    cell = description_of(page, "API work")
    cell_id = cell.get_attribute("id")
    cell = page.locator(f"#{cell_id}")
    save(cell, "API work, refused")
    note = note_after(cell)
    expect(note).to_have_text("Not saved: your session has expired. Reload the page.")
    expect(note).to_be_visible()
    expect(cell).to_have_value("API work, refused")
    expect(cell).to_have_class(re.compile(r"\bunsaved\b"))
    expect(cell).to_have_attribute("aria-invalid", "true")
    cell.locator("xpath=ancestor::tr[1]").screenshot(path="/tmp/h4-csrf-refused.png")

    # The header's fields too.
    name = page.locator("#h-name")
    name.fill("Renamed, refused")
    name.press("Tab")
    expect(note_after(name)).to_have_text("Not saved: your session has expired. Reload the page.")
    expect(name).to_have_value("Renamed, refused")

    # With a good token again, the next save of the cell goes through and the mark goes.
    restore_csrf_token(page, token)
    save(cell, "API work, saved")
    expect(page.locator(f"#{cell_id}")).to_have_attribute("value", "API work, saved")
    expect(page.locator(f"#{cell_id}")).not_to_have_class(re.compile(r"\bunsaved\b"))
    expect(note_after(page.locator(f"#{cell_id}"))).to_have_count(0)
    expect(page.get_by_test_id("unsaved-note")).to_have_count(1)  # the header's, not saved yet
    page.reload()
    expect(page.locator(f"#{cell_id}")).to_have_value("API work, saved")
    expect(page.locator("#h-name")).not_to_have_value("Renamed, refused")
    expect(page.get_by_test_id("unsaved-note")).to_have_count(0)


def test_a_server_error_or_a_lost_connection_says_not_saved_next_to_the_cell(
        page: Page, base_url: str, make_invoice):
    code = make_invoice()
    open_invoice(page, base_url, code)
    cell = description_of(page, "Code review")
    cell_id = cell.get_attribute("id")
    cell = page.locator(f"#{cell_id}")

    page.route(DETAILS, lambda route: route.fulfill(status=500, body="Internal Server Error"))
    save(cell, "Code review, server down")
    expect(note_after(cell)).to_have_text("Not saved: server error. Try again later.")
    expect(cell).to_have_value("Code review, server down")
    page.unroute(DETAILS)

    page.route(DETAILS, lambda route: route.abort("internetdisconnected"))
    save(cell, "Code review, offline")
    expect(note_after(cell)).to_have_text(
        "Not saved: no connection. Check the connection and try again.")
    expect(page.get_by_test_id("unsaved-note")).to_have_count(1)  # one note, its text updated
    expect(cell).to_have_value("Code review, offline")
    cell.locator("xpath=ancestor::tr[1]").screenshot(path="/tmp/h4-offline.png")
    page.unroute(DETAILS)

    page.route(DETAILS, lambda route: route.fulfill(status=403, body="Forbidden"))
    save(cell, "Code review, forbidden")
    expect(note_after(cell)).to_have_text("Not saved: you are not allowed to make this change.")
    page.unroute(DETAILS)

    # Back online: the next save goes through, the row is the saved one, no mark.
    save(cell, "Code review, online again")
    expect(page.locator(f"#{cell_id}")).to_have_attribute("value", "Code review, online again")
    expect(page.get_by_test_id("unsaved-note")).to_have_count(0)
    page.reload()
    expect(page.locator(f"#{cell_id}")).to_have_value("Code review, online again")


def test_a_refused_value_comes_back_next_to_its_cell_as_typed(
        page: Page, base_url: str, make_invoice):
    code = make_invoice()
    open_invoice(page, base_url, code)
    row = page.get_by_test_id("detail-row").filter(
        has=page.locator('input[name="description"][value="API work"]'))
    row_id = row.get_attribute("id")
    tax = page.locator(f"#{row_id} input[name='tax']")
    tax_id = tax.get_attribute("id")

    save(tax, "12.345")  # more decimals than the currency has: 422, the row with its message
    error = page.locator(f"#{tax_id}-error")
    expect(error).to_be_visible()
    expect(page.locator(f"#{row_id}")).to_have_class(re.compile(r"\brefused\b"))
    expect(page.locator(f"#{tax_id}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{tax_id}")).to_have_value("12.345")
    assert page.evaluate(
        "id => document.getElementById(id).nextElementSibling.id", tax_id) == f"{tax_id}-error"
    page.locator(f"#{row_id}").screenshot(path="/tmp/h4-422.png")
    expect(page.get_by_test_id("invoice-total-amount")).to_have_attribute("data-value", "19625.00")


def test_an_invalid_bill_to_email_shows_the_server_message_next_to_the_field(
        page: Page, base_url: str, make_invoice):
    code = make_invoice()
    open_invoice(page, base_url, code)
    email = page.locator("#h-bill_to_email")

    email.fill("not-an-email")
    email.press("Tab")
    error = page.locator("#h-bill_to_email-error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(page.locator("#h-bill_to_email")).to_have_attribute("aria-invalid", "true")
    page.locator("#invoice-header fieldset").first.screenshot(path="/tmp/h4-email.png")
    expect(page.locator("#h-bill_to_email")).to_have_value("not-an-email")

    page.reload()
    expect(page.locator("#h-bill_to_email")).to_have_value("ap@example.com")


def test_editor_inputs_stop_at_the_servers_length(page: Page, base_url: str, make_invoice):
    code = make_invoice()
    open_invoice(page, base_url, code)
    country = page.locator("#h-bill_to_country")
    country.fill("")
    country.press_sequentially("DKX")
    expect(country).to_have_value("DK")
    cell = description_of(page, "API work")
    cell.fill("")
    cell.press_sequentially("x" * 10)
    assert cell.get_attribute("maxlength") == "2000"
