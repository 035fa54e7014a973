"""E-invoices in Chromium (issue 16): confirm an invoice, see its e-invoice checked against
the official rules on the page, download the UBL; a customer without an electronic address
shows the failed rule and what to do.

The invoice is make_invoice's, confirmed on its page (e2e/conftest.py); the seller is the
e-invoice test seller of tests/einvoice_worlds.py.
"""

import os

import pytest
from lxml import etree
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Invoice
from tests.einvoice_worlds import SELLER

SHOTS = "/tmp/shots"


@pytest.fixture
def seller(live_app):
    kept = {name: live_app.config.get(name) for name in SELLER}
    live_app.config.update(SELLER)
    yield
    live_app.config.update(kept)


def _reach_customer_of(live_app, code: str, endpoint: str | None) -> None:
    with live_app.app_context():
        invoice = db.session.scalars(select(Invoice).where(Invoice.code == code)).one()
        invoice.customer.endpoint_scheme = "0184" if endpoint else None
        invoice.customer.endpoint_id = endpoint
        invoice.customer.registration_id = "13585628"  # its CVR number, which OIOUBL needs
        db.session.commit()
        db.session.remove()


def test_the_e_invoice_of_a_confirmed_invoice_is_checked_and_downloaded(
        page: Page, live_app, confirmed_on_page, settled, seller):
    code = confirmed_on_page(height=1300)
    _reach_customer_of(live_app, code, "13585628")
    page.reload()
    settled()
    card = page.get_by_test_id("einvoice-panel")
    expect(card).to_have_attribute("data-valid", "true")
    expect(card.get_by_test_id("einvoice-valid")).to_contain_text("no errors")
    with page.expect_download() as download:
        card.get_by_test_id("action-einvoice-download").click()
    path = download.value.path()
    root = etree.parse(str(path)).getroot()
    assert root.tag.endswith("}Invoice") and root.findtext("{*}ID")
    assert download.value.suggested_filename.endswith("-peppol.xml")
    os.makedirs(SHOTS, exist_ok=True)
    card.screenshot(path=f"{SHOTS}/einvoice_valid.png")

    # OIOUBL, for a Danish receiver that still needs it: checked in place.
    card.get_by_test_id("einvoice-profile-oioubl").click()
    expect(page.get_by_test_id("einvoice-panel")).to_have_attribute("data-profile", "oioubl")
    expect(page.get_by_test_id("einvoice-panel")).to_have_attribute("data-valid", "true")


def test_a_customer_without_an_electronic_address_shows_the_rule_and_the_fix(
        page: Page, live_app, confirmed_on_page, settled, seller):
    code = confirmed_on_page(height=1300)
    _reach_customer_of(live_app, code, None)
    page.reload()
    settled()
    card = page.get_by_test_id("einvoice-panel")
    expect(card).to_have_attribute("data-valid", "false")
    failure = card.locator('[data-testid="einvoice-failure"][data-rule="PEPPOL-EN16931-R010"]')
    expect(failure).to_contain_text("set it on the customer")
    expect(card.get_by_test_id("action-einvoice-download")).to_have_count(0)
    card.screenshot(path=f"{SHOTS}/einvoice_refused.png")
