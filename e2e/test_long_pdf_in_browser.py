"""A 200-page invoice's PDF in Chromium (issue 17): the PDF button answers within 3 s with
the progress of the background render, and the document then downloads by itself."""

import io
import time
import uuid

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from app.extensions import db
from tests.worlds import long_invoice

ROWS = 7000  # ~35 rows a page: about 200 pages


def long_draft(live_app, rows: int) -> str:
    """A draft of `rows` time details (tests/worlds.py), its customer named afresh: the live
    app's database is shared by the browser tests."""
    with live_app.app_context():
        code = long_invoice(rows, confirm=False, days_per_date=80,
                            customer_name=f"Long Invoice {uuid.uuid4().hex[:6]} Ltd").code
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
