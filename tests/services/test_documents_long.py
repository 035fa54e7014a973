"""A long invoice: the document breaks across pages with the table header repeated on
each and "Page N of M" in every footer. (Its render time is measured by bench/document.py.)"""

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import insert

from app.extensions import db
from app.models import Actual, Invoice
from app.services.documents import build_document, render_pdf
from app.services.invoicing import InvoiceParameters, create_invoice
from app.services.lifecycle import confirm_invoice
from tests.factories import (make_contract, make_customer, make_project, make_resource, make_role,
                             make_tm_line)
from tests.services.test_documents import pdf_text

# About 35 one-line rows fit on an A4 page: this many make a document of 40-odd pages.
LONG_INVOICE_ROWS = 1450


def long_invoice(rows: int = LONG_INVOICE_ROWS, language: str = "en") -> Invoice:
    """A confirmed invoice with `rows` time details on one T&M line (actuals bulk-inserted)."""
    customer = make_customer(name="Long Invoice Ltd", language=language)
    contract = make_contract(customer=customer, name="Maintenance 2026")
    project = make_project(customer=customer, name="Platform")
    line = make_tm_line(contract, project, name="Maintenance", classes=("time",))
    role, resource = make_role(), make_resource()
    start = dt.date(2026, 1, 1)
    db.session.execute(insert(Actual), [
        {"project_id": project.id, "contract_line_id": line.id, "transaction_class": "time",
         "date": start + dt.timedelta(days=i // 17), "role_id": role.id,
         "resource_id": resource.id, "unit_id": 1, "quantity": Decimal("1.5"),
         "price": Decimal("800.00"), "currency": "DKK", "amount": Decimal("1200.00"),
         "tax": Decimal("300.00"), "billing_type": "chargeable",
         "internal_comment": f"Ticket {i}", "external_comment": f"Work package {i + 1:04d}",
         "status": "ready"} for i in range(rows)])
    db.session.commit()
    invoice = create_invoice(contract.number, InvoiceParameters(cutoff=dt.date(2026, 3, 31)),
                             today=dt.date(2026, 4, 1))
    return confirm_invoice(invoice.code)


def test_a_forty_page_invoice_repeats_its_header_and_numbers_its_pages(app):
    invoice = long_invoice()
    pages = pdf_text(render_pdf(build_document(invoice)))
    count = len(pages)
    assert count >= 40
    header = "DATE DESCRIPTION QUANTITY PRICE TAX AMOUNT"  # text-transform: uppercase
    with_rows = [i for i, text in enumerate(pages, 1) if "Work package" in text]
    assert with_rows == list(range(1, len(with_rows) + 1)) and len(with_rows) >= count - 1
    assert [i for i in with_rows if header not in pages[i - 1]] == []
    for number, text in enumerate(pages, 1):
        assert re.findall(r"Page (\d+) of (\d+)", text) == [(str(number), str(count))]
    assert "Invoice 2026-0001" in pages[-1]
    # Every row is printed once, in order, across the pages.
    printed = re.findall(r"Work package (\d{4})", " ".join(pages))
    assert printed == [f"{i:04d}" for i in range(1, LONG_INVOICE_ROWS + 1)]
    assert "DKK2,175,000.00" in pages[-1]  # 1,450 × 1,200 + 25 % tax
