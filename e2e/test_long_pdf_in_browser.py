"""A 200-page invoice's PDF in Chromium (issue 17): the PDF button answers within 3 s with
the progress of the background render, and the document then downloads by itself."""

import datetime as dt
import io
import time
import uuid
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import insert

from app.extensions import db
from app.models import Actual
from app.services.invoicing import InvoiceParameters, create_invoice
from tests.factories import make_contract, make_customer, make_project, make_resource, make_role, make_tm_line

ROWS = 7000  # ~35 rows a page: about 200 pages


def long_draft(live_app, rows: int) -> str:
    with live_app.app_context():
        n = uuid.uuid4().hex[:6]
        customer = make_customer(name=f"Long Invoice {n} Ltd")
        contract = make_contract(customer=customer, name=f"Maintenance {n}")
        project = make_project(customer=customer, name=f"Platform {n}")
        line = make_tm_line(contract, project, name="Maintenance", classes=("time",))
        role, resource = make_role(), make_resource()
        db.session.execute(insert(Actual), [
            {"project_id": project.id, "contract_line_id": line.id, "transaction_class": "time",
             "date": dt.date(2026, 1, 1) + dt.timedelta(days=i // 80), "role_id": role.id,
             "resource_id": resource.id, "unit_id": 1, "quantity": Decimal("1.5"),
             "price": Decimal("800.00"), "currency": "DKK", "amount": Decimal("1200.00"),
             "tax": Decimal("300.00"), "billing_type": "chargeable",
             "internal_comment": f"Ticket {i}", "external_comment": f"Work package {i + 1:04d}",
             "status": "ready"} for i in range(rows)])
        db.session.commit()
        code = create_invoice(contract.number, InvoiceParameters(cutoff=dt.date(2026, 3, 31)),
                              today=dt.date(2026, 4, 1)).code
        db.session.remove()
    return code


@pytest.mark.slow  # ~1 min of WeasyPrint on 2 cores (more on a loaded machine)
def test_a_200_page_pdf_shows_progress_at_once_and_then_arrives(page: Page, base_url, live_app,
                                                                 tmp_path, settled):
    live_app.config["PDF_RENDER_DIR"] = str(tmp_path / "renders")
    code = long_draft(live_app, ROWS)
    page.goto(f"{base_url}/invoices/{code}")
    settled()
    with page.expect_download(timeout=600_000) as arrival:
        began = time.monotonic()
        page.get_by_test_id("action-pdf").click()
        progress = page.get_by_test_id("pdf-progress")
        expect(progress).to_be_visible(timeout=3000)
        assert time.monotonic() - began < 3
        expect(progress).to_have_attribute("data-state", "running")
        expect(progress).to_contain_text("Rendering the PDF")
        # The poll keeps the page current: the seconds count up while it renders.
        first = progress.inner_text()
        expect(progress).not_to_have_text(first, timeout=5000)
    download = arrival.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = (tmp_path / "invoice.pdf")
    download.save_as(pdf)
    pages = PdfReader(io.BytesIO(pdf.read_bytes())).pages
    assert len(pages) >= 190
    assert f"Page {len(pages)} of {len(pages)}" in " ".join(pages[-1].extract_text().split())
    # The page says it is ready, with a link to the same file, and polls no more.
    expect(progress).to_have_attribute("data-state", "ready")
    expect(page.get_by_test_id("pdf-download")).to_be_visible()
