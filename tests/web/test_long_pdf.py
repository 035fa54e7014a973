"""A long invoice's PDF never keeps the request waiting (issue 17): the PDF link answers at
once with a page that polls the background render, then downloads it; a confirmed
invoice's PDF, once kept, is served from storage without rendering again."""

import io
import re
import time

import pytest
from pypdf import PdfReader

from app.documents import rendering
from app.extensions import db
from app.models import Invoice
from app.services.lifecycle import confirm_invoice
from tests.factories import pdf_text
from tests.worlds import long_invoice

ROWS = 120  # ~4 pages: long enough once the limit is lowered, quick to render


@pytest.fixture(autouse=True)
def low_limit(app, tmp_path):
    """Anything past 50 details renders in the background, into this test's own folder."""
    app.config.update(PDF_BACKGROUND_ROWS=50, PDF_RENDER_DIR=str(tmp_path / "renders"))


def long_draft(rows: int = ROWS) -> Invoice:
    return long_invoice(rows, confirm=False)


def progress_url(page: str) -> str:
    return re.search(r'hx-get="([^"]+/pdf/renders/[0-9a-f]+)"', page).group(1)


def poll_until_ready(client, url: str, seconds: float = 90) -> str:
    """Poll as htmx does until the fragment says ready; the fragments seen on the way."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        fragment = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
        if 'data-state="ready"' in fragment:
            return fragment
        assert 'data-state="running"' in fragment and 'hx-trigger="every 1s"' in fragment
        time.sleep(0.3)
    raise AssertionError("the background render did not finish")


def download(client, fragment: str) -> bytes:
    """What the ready fragment does: ask once for the redirect, follow it."""
    go = re.search(r'hx-get="([^"]+go=1)"', fragment).group(1).replace("&amp;", "&")
    answer = client.get(go, headers={"HX-Request": "true"})
    target = answer.headers["HX-Redirect"]
    assert f'href="{target}"' in fragment  # the same file as the visible link
    response = client.get(target)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return response.get_data()


def test_a_long_draft_pdf_answers_at_once_and_then_downloads(app, client):
    invoice = long_draft()
    began = time.monotonic()
    response = client.get(f"/invoices/{invoice.code}/pdf")
    assert time.monotonic() - began < 3
    page = response.get_data(as_text=True)
    assert response.status_code == 202 and response.mimetype == "text/html"
    assert 'data-testid="pdf-progress"' in page and "Rendering the PDF" in page
    url = progress_url(page)
    # Asking again while it renders joins the same render.
    assert progress_url(client.get(f"/invoices/{invoice.code}/pdf").get_data(as_text=True)) == url
    fragment = poll_until_ready(client, url)
    pdf = download(client, fragment)
    pages = pdf_text(pdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == len(pages) >= 3
    for number, text in enumerate(pages, 1):
        assert f"Page {number} of {len(pages)}" in text
    assert re.findall(r"Work package (\d{4})", " ".join(pages)) == [
        f"{i:04d}" for i in range(1, ROWS + 1)]
    assert "PROFORMA" in pages[0]
    # Once done, the PDF link answers with the ready page straight away (no new render).
    again = client.get(f"/invoices/{invoice.code}/pdf").get_data(as_text=True)
    assert 'data-state="ready"' in again


def test_a_short_draft_still_downloads_directly(app, client):
    invoice = long_draft(rows=10)
    response = client.get(f"/invoices/{invoice.code}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_an_unknown_render_says_so_and_offers_a_new_one(app, client):
    invoice = long_draft(rows=10)
    fragment = client.get(f"/invoices/{invoice.code}/pdf/renders/abc123",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-state="gone"' in fragment and f'href="/invoices/{invoice.code}/pdf"' in fragment
    assert client.get(f"/invoices/{invoice.code}/pdf/renders/abc123.pdf").status_code == 404


def test_a_confirmed_invoice_pdf_is_rendered_once_then_served_from_storage(app, client,
                                                                        monkeypatch):
    invoice = confirm_invoice(long_draft().code)
    code, invoice_id = invoice.code, invoice.id
    renders = []
    real = rendering.render_pdf
    monkeypatch.setattr(rendering, "render_pdf",
                        lambda *args, **kw: renders.append(1) or real(*args, **kw))
    # Not kept yet (never downloaded): the first download renders it in the background…
    response = client.get(f"/invoices/{code}/pdf")
    assert response.status_code == 202
    first = download(client, poll_until_ready(client, progress_url(response.get_data(as_text=True))))
    assert renders == [1]
    db.session.remove()
    kept = db.session.get(Invoice, invoice_id).issued_document.pdf
    assert kept == first and "PROFORMA" not in pdf_text(first)[0]
    # …and every later one is the kept bytes, served at once without rendering.
    for _ in range(2):
        began = time.monotonic()
        response = client.get(f"/invoices/{code}/pdf")
        assert response.status_code == 200 and response.get_data() == kept
        assert time.monotonic() - began < 3
    assert renders == [1]
