"""The bank statement pages (issue 15): upload a file (multipart), a bad file refused with
every problem listed (422, nothing written), the lines with their proposed match, booking
in one post, refusals shown on the page, and who may upload and book."""

import datetime as dt
import io
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import BankStatement, Invoice, Payment, StatementLine
from app.services.invoicing import InvoiceParameters, create_invoice
from app.services.lifecycle import confirm_invoice
from tests.factories import make_actual, make_contract, make_project, make_tm_line
from tests.web.helpers import sign_in



@pytest.fixture
def invoice(app):
    """A confirmed DKK invoice of 8,906.25."""
    contract = make_contract(key="c1")
    make_actual(make_tm_line(contract, make_project(customer=contract.customer)))
    db.session.commit()
    draft = create_invoice("c1", InvoiceParameters(cutoff=dt.date(2026, 3, 31)),
                           today=dt.date(2026, 4, 1))
    return confirm_invoice(draft.code)


def csv_file(number, amount="8906.25"):
    return (f"date,amount,currency,reference\n2026-04-10,{amount},DKK,Invoice {number}\n"
            "2026-04-10,-12.00,DKK,Fee\n").encode()


def post_file(client, data, name="bank.csv"):
    return client.post("/receivables/statements", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name)})


def lines(html):
    return re.findall(r'data-testid="statement-line" data-line="(\d+)" data-match="(\w+)" '
                      r'data-status="(\w+)"', html)


def test_upload_match_and_book_a_csv_statement(client, invoice):
    assert 'href="/receivables/statements"' in client.get("/receivables").get_data(as_text=True)
    page = client.get("/receivables/statements").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'data-testid="statement-file"' in page
    response = post_file(client, csv_file(invoice.number))
    assert response.status_code == 302
    statement = client.get(response.headers["Location"], follow_redirects=True)
    html = statement.get_data(as_text=True)
    assert "1 new line. 1 debit line skipped." in html
    [(line_id, kind, status)] = lines(html)
    assert (kind, status) == ("exact", "open")
    assert f'<option value="{invoice.code}" selected>' in html
    assert 'data-testid="statement-book"' in html
    statement_id = db.session.scalar(select(BankStatement.id))
    booked = client.post(f"/receivables/statements/{statement_id}/book",
                         data={f"line-{line_id}": invoice.code}, follow_redirects=True)
    html = booked.get_data(as_text=True)
    assert booked.status_code == 200 and "1 line booked." in html
    assert lines(html) == [(line_id, "none", "booked")]
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status == "paid"
    listing = client.get("/receivables/statements").get_data(as_text=True)
    assert 'data-testid="statement-row"' in listing and "bank.csv" in listing


def test_a_bad_file_is_refused_with_every_problem_and_nothing_written(client, invoice):
    data = ("date;amount;currency;reference\n2026-04-10;12,3,4;DKK;x\n"
            "2026-04-31;10;DKK;y\n2026-04-10;10.5;JPY;z\n").encode()
    response = post_file(client, data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-testid="statement-problems"' in html
    assert "Line 2: the amount &#34;12,3,4&#34; is not a number." in html
    assert "Line 3: the date" in html and "Line 4: JPY has at most 0 decimals" in html
    for bad in (b"", b"\xff\xfe garbage", b"<html><body>no</body></html>", b"<Document"):
        assert post_file(client, bad).status_code == 422
    assert post_file(client, b"", "").status_code == 422  # no file chosen
    assert db.session.scalar(select(func.count()).select_from(BankStatement)) == 0


def test_a_refused_booking_is_shown_on_the_page_and_a_conflict_is_409(client, invoice):
    post_file(client, csv_file(invoice.number, "9000.00"))
    statement_id = db.session.scalar(select(BankStatement.id))
    line_id = db.session.scalar(select(StatementLine.id))
    url = f"/receivables/statements/{statement_id}/book"
    response = client.post(url, data={f"line-{line_id}": invoice.code})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Line 1: that is more than is due" in html and 'data-testid="statement-problems"' in html
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0
    assert client.post(url, data={f"line-{line_id}": "skip"}).status_code == 302
    assert client.post(url, data={f"line-{line_id}": "skip"}).status_code == 409
    assert client.post(url, data={"line-abc": "x"}).status_code == 422  # nothing decided
    assert client.get("/receivables/statements/999999").status_code == 404
    assert client.post("/receivables/statements/999999/book",
                       data={f"line-{line_id}": "skip"}).status_code == 404


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
def test_only_billing_managers_and_admins_upload_and_book(client, app, monkeypatch, invoice, role):
    post_file(client, csv_file(invoice.number))
    statement_id = db.session.scalar(select(BankStatement.id))
    line_id = db.session.scalar(select(StatementLine.id))
    sign_in(client, app, monkeypatch, role)
    page = client.get("/receivables/statements").get_data(as_text=True)
    assert 'data-testid="statement-upload"' not in page
    html = client.get(f"/receivables/statements/{statement_id}").get_data(as_text=True)
    assert 'data-testid="statement-book"' not in html and 'data-testid="statement-choice"' not in html
    assert post_file(client, csv_file(invoice.number, "1.00")).status_code == 403
    assert client.post(f"/receivables/statements/{statement_id}/book",
                       data={f"line-{line_id}": invoice.code}).status_code == 403


def test_a_billing_manager_sees_the_upload_form(client, app, monkeypatch, invoice):
    sign_in(client, app, monkeypatch, "billing_manager")
    page = client.get("/receivables/statements").get_data(as_text=True)
    assert 'data-testid="statement-upload"' in page
    assert post_file(client, csv_file(invoice.number)).status_code == 302
