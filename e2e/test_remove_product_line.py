"""Removing a product line from a draft in Chromium (SPEC 5.3): the line leaves the page,
the totals follow in place, and the product is ready to invoice again. The wizard, on the
same contract, then warns of the open draft."""

import datetime as dt
import uuid

import pytest
from playwright.sync_api import Page, expect


@pytest.fixture
def draft_with_product(live_app):
    """A DKK draft at 25 %: a T&M line (7.5 h × 1,000.00) and a product line "Licences"
    (2 × 100.00, tax 50.00). Detail amount 7,700.00, total 9,625.00."""
    from app.extensions import db
    from app.services.importer import import_data
    from app.services.invoicing import InvoiceParameters, create_invoice

    n = uuid.uuid4().hex[:8]
    data = {
        "format": "project-invoicing/1",
        "customers": [{"key": f"{n}-cust", "name": f"Customer {n}", "email": "ap@example.com",
                       "bill_to": {"street": "Main Street 1", "postal_code": "1000",
                                   "city": "Copenhagen", "country": "DK"}}],
        "roles": [{"key": f"{n}-dev", "name": f"Developer {n}"}],
        "resources": [{"key": f"{n}-ana", "name": "Ana"}],
        "products": [{"key": f"{n}-lic", "name": f"Licence {n}", "price": "100.00"}],
        "price_lists": [{"key": f"{n}-pl", "name": f"Prices {n}", "currency": "DKK",
                         "role_prices": [{"role": f"{n}-dev", "unit": "hour", "price": "1000.00"}]}],
        "projects": [{"key": f"{n}-proj", "name": f"Project {n}", "customer": f"{n}-cust",
                      "tasks": [{"key": "build", "name": "Build"}]}],
        "contracts": [{"key": f"{n}-c", "name": f"Contract {n}", "customer": f"{n}-cust",
                       "currency": "DKK", "price_list": f"{n}-pl", "tax_rate": "25",
                       "lines": [
                           {"key": f"{n}-tm", "name": "Build", "billing_method": "time_and_material",
                            "project": f"{n}-proj", "classes": ["time"], "amount": "100000.00"},
                           {"key": f"{n}-l3", "name": "Licences", "billing_method": "product",
                            "product": f"{n}-lic", "quantity": "2", "price": "100.00",
                            "tax": "50.00", "status": "ready"}]}],
        "actuals": [{"key": f"{n}-a1", "project": f"{n}-proj", "task": "build", "class": "time",
                     "date": "2026-03-02", "role": f"{n}-dev", "resource": f"{n}-ana",
                     "quantity": "7.5", "unit": "hour", "internal_comment": "API work",
                     "status": "ready"}]}
    with live_app.app_context():
        import_data(data)
        invoice = create_invoice(f"{n}-c", InvoiceParameters(cutoff=dt.date(2026, 3, 31)))
        code, contract = invoice.code, invoice.contract.number
        db.session.remove()
    return code, contract


def test_removing_a_product_line_updates_the_totals_in_place(page: Page, base_url: str,
                                                              draft_with_product):
    code, contract = draft_with_product
    page.goto(f"{base_url}/invoices/{code}")
    expect(page.get_by_test_id("invoice-total-amount")).to_have_attribute("data-value", "9625.00")
    expect(page.get_by_test_id("invoice-line")).to_have_count(2)
    page.evaluate("window.stillTheSamePage = true")

    page.once("dialog", lambda dialog: dialog.accept())  # "Remove product line Licences …?"
    page.get_by_test_id("remove-product-line").click()

    expect(page.get_by_test_id("invoice-line")).to_have_count(1)
    expect(page.get_by_test_id("invoice-detail-amount")).to_have_attribute("data-value", "7500.00")
    expect(page.get_by_test_id("invoice-total-tax")).to_have_attribute("data-value", "1875.00")
    expect(page.get_by_test_id("invoice-total-amount")).to_have_attribute("data-value", "9375.00")
    expect(page.locator("#invoice-messages")).to_contain_text(
        "Product line Licences removed; it is ready to invoice again.")
    assert page.evaluate("window.stillTheSamePage") is True  # no reload: htmx swapped it
    page.screenshot(path="/tmp/h5-removed.png", full_page=True)

    # An edit after the removal still saves: the header form got the new version.
    with page.expect_response(lambda r: r.url.endswith(f"/invoices/{code}/header")) as saved:
        page.locator("#h-description").fill("After the removal")
        page.locator("#h-description").blur()
    assert saved.value.status == 200
    page.reload()
    expect(page.get_by_test_id("invoice-line")).to_have_count(1)
    expect(page.get_by_test_id("invoice-total-amount")).to_have_attribute("data-value", "9375.00")
    expect(page.locator("#h-description")).to_have_value("After the removal")

    # The wizard of the contract now warns of this open draft and offers the freed product.
    page.goto(f"{base_url}/contracts/{contract}/invoice")
    warning = page.get_by_test_id("wizard-open-drafts")
    expect(warning).to_contain_text("This contract already has an open draft invoice:")
    expect(warning.get_by_role("link", name=code)).to_have_attribute("href", f"/invoices/{code}")
    page.get_by_test_id("wizard-next").click()
    expect(page.get_by_test_id("preview-line")).to_have_count(2)  # Build (empty) and Licences
    expect(page.locator('input[name="another_draft"]')).to_be_visible()
    page.screenshot(path="/tmp/h5-wizard.png", full_page=True)
    page.get_by_test_id("wizard-finish").click()
    expect(page.locator('[data-testid="error-another_draft"]')).to_contain_text(
        f"already has an open draft invoice: {code}")
    page.locator('input[name="another_draft"]').check()
    page.get_by_test_id("wizard-finish").click()
    expect(page.get_by_test_id("invoice-total-amount")).to_have_attribute("data-value", "250.00")
