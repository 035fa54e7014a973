"""Bank statements in Chromium (issue 15): confirm an invoice, upload a CSV statement whose
line names its number for the full amount, see the proposal "exact", book it, and the
invoice is paid.

The invoice is make_invoice's (e2e/conftest.py): a DKK draft at 25 % tax, 19,625.00 in all.
"""

import datetime as dt
import os

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Invoice

SHOTS = "/tmp/shots"


def test_upload_a_statement_and_book_its_line(page: Page, base_url: str, live_app,
                                              confirmed_on_page, settled):
    code = confirmed_on_page()
    with live_app.app_context():
        number = db.session.scalar(select(Invoice.number).where(Invoice.code == code))
        db.session.remove()

    page.goto(f"{base_url}/receivables")
    page.get_by_test_id("receivables-statements").click()
    expect(page.get_by_test_id("statement-upload")).to_be_visible()
    today = dt.date.today().isoformat()
    csv = (f"date;amount;currency;reference;name\n{today};19625,00;DKK;Invoice {number};"
           f"Test customer\n{today};-250,00;DKK;Bank fee;Bank\n").encode()
    page.get_by_test_id("statement-file").set_input_files(
        {"name": f"statement-{code}.csv", "mimeType": "text/csv", "buffer": csv})
    page.get_by_test_id("statement-upload-submit").click()

    line = page.get_by_test_id("statement-line")
    expect(line).to_have_count(1)
    expect(line).to_have_attribute("data-match", "exact")
    expect(line).to_have_attribute("data-status", "open")
    expect(line.get_by_test_id("statement-choice")).to_have_value(code)
    expect(page.get_by_text("1 debit line skipped.")).to_be_visible()
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/statements_proposed.png", full_page=True)

    page.get_by_test_id("statement-book").click()
    expect(line).to_have_attribute("data-status", "booked")
    expect(page.get_by_text("1 line booked.")).to_be_visible()
    expect(page.get_by_test_id("statement-book")).to_have_count(0)
    page.screenshot(path=f"{SHOTS}/statements_booked.png", full_page=True)

    page.goto(f"{base_url}/invoices/{code}")
    expect(page.get_by_test_id("invoice-status")).to_have_attribute("data-value", "paid")
    page.screenshot(path=f"{SHOTS}/statements_invoice_paid.png", full_page=True)


def test_a_bad_statement_file_lists_its_problems(page: Page, base_url: str):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{base_url}/receivables/statements")
    page.get_by_test_id("statement-file").set_input_files(
        {"name": "bad.csv", "mimeType": "text/csv",
         "buffer": b"date,amount,currency,reference\n2026-04-10,\"12,3,4\",DKK,x\n"
                   b"2026-04-10,10.00,XXX,y\n"})
    page.get_by_test_id("statement-upload-submit").click()
    problems = page.get_by_test_id("statement-problems")
    expect(problems).to_contain_text('Line 2: the amount "12,3,4" is not a number.')
    expect(problems).to_contain_text('Line 3: "XXX" is not an ISO currency code in use.')
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/statements_refused.png", full_page=True)
