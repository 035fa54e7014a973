"""A newcomer browses the demo company in three languages (Chromium, Playwright)."""

import re

from playwright.sync_api import Page, expect


def choose_language(page: Page, name: str) -> None:
    page.get_by_role("button", name=name).click()


def test_contracts_and_invoice_in_danish_and_malay(page: Page, base_url: str):
    page.goto(f"{base_url}/contracts")
    expect(page.get_by_role("link", name="Contracts")).to_be_visible()

    choose_language(page, "Dansk")
    expect(page.get_by_role("navigation").get_by_role("link", name="Fakturaer")).to_be_visible()
    expect(page.get_by_role("navigation").get_by_role("link", name="Faktureringsefterslæb")).to_be_visible()
    page.get_by_role("link", name="Havnefronten web platform 2026").first.click()
    expect(page).to_have_url(re.compile(r"/contracts/"))
    # Danish money: thousands with '.', decimals with ',' and 'kr.' after the amount.
    expect(page.locator("main")).to_contain_text(re.compile(r"850\.000,00\s+kr\."))
    expect(page.locator("main")).to_contain_text("Milepæl")

    page.goto(f"{base_url}/invoices")
    page.get_by_role("link", name="PRO-000001").click()
    total = page.get_by_test_id("invoice-total-amount")
    value = total.get_attribute("data-value")
    assert re.fullmatch(r"\d+\.\d{2}", value)
    whole, cents = value.split(".")
    expect(total).to_have_text(re.compile(rf"{int(whole):,}".replace(",", r"\.") + f",{cents}"))
    expect(page.get_by_test_id("invoice-project-status")).to_have_text("Kladde")

    choose_language(page, "Bahasa Melayu")
    expect(page.get_by_role("navigation").get_by_role("link", name="Invois")).to_be_visible()
    page.goto(f"{base_url}/contracts/maju-erp")
    expect(page.locator("main")).to_contain_text("RM400,000.00")
    expect(page.locator("main")).to_contain_text("Pelanggan")
    page.screenshot(path="test-results/contract-ms.png", full_page=True)


def test_a_fresh_invoice_for_one_test(page: Page, base_url: str, make_invoice):
    code = make_invoice()
    page.goto(f"{base_url}/invoices/{code}")
    # 9.5 h × 1,000.00 + hotel 1,200.00 + milestone 5,000.00 = 15,700.00; tax 25 %.
    expect(page.get_by_test_id("invoice-detail-amount")).to_have_attribute("data-value", "15700.00")
    expect(page.get_by_test_id("invoice-total-amount")).to_have_attribute("data-value", "19625.00")
    expect(page.get_by_test_id("detail-row")).to_have_count(4)
