"""A long invoice: the document breaks across pages with the table header repeated on
each and "Page N of M" in every footer. (Its render time is measured by bench/document.py.)"""

import re

import pytest

from app.documents.document import build_document
from app.documents.rendering import render_pdf
from tests.factories import pdf_text
from tests.worlds import LONG_INVOICE_ROWS, long_invoice


@pytest.mark.slow  # about 35 s of WeasyPrint: `-m "not slow"` skips it for a quick run
def test_a_forty_page_invoice_repeats_its_header_and_numbers_its_pages(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # Paging is WeasyPrint's work, the same whatever database the rows came from; the
        # document's queries run on PostgreSQL in tests/services/test_documents.py.
        pytest.skip("the long PDF is rendered once, on SQLite")
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
