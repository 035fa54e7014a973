"""The invoice list at a glance: each invoice's due date, whether it went out to the
customer, and an "Overdue" badge on a confirmed invoice that is not paid past its due date."""

import datetime as dt
import re

from app.extensions import db
from app.models import InvoiceSend
from tests.factories import make_contract, make_customer
from tests.web.helpers import make_invoice, page

TODAY = dt.date.today()


def _confirmed(number: str, due: dt.date, **kw):
    contract = make_contract(customer=make_customer())
    return make_invoice(contract, project_invoice_status="confirmed", number=number,
                        invoice_date=due - dt.timedelta(days=30), due_date=due, **kw)


def _send(invoice, result: str, sent_at: dt.datetime) -> None:
    db.session.add(InvoiceSend(invoice_id=invoice.id, recipient=invoice.bill_to_email,
                               result=result, sent_at=sent_at,
                               error=None if result == "sent" else "ConnectionRefusedError"))
    db.session.flush()


def _row(html: str, code: str) -> str:
    """The list row of one invoice."""
    match = re.search(rf'<tr data-testid="invoice-row">(?:(?!</tr>).)*>{code}</a>.*?</tr>',
                      html, re.S)
    assert match, f"no row for {code}"
    return match.group(0)


def _cell(row: str, testid: str) -> str:
    match = re.search(rf'<td[^>]*data-testid="{testid}"[^>]*>(.*?)</td>', row, re.S)
    assert match, f"no {testid} cell"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_the_list_shows_each_invoices_due_date(client):
    invoice = make_invoice(make_contract(), invoice_date=dt.date(2026, 3, 31),
                           due_date=dt.date(2026, 4, 30))
    db.session.commit()

    html = page(client.get("/invoices"))
    assert "<th>Due date</th>" in html
    assert _cell(_row(html, invoice.code), "invoice-due-date") == "Apr 30, 2026"


def test_the_list_says_when_an_invoice_was_last_sent_and_which_were_not(client):
    sent = _confirmed("2026-0001", TODAY + dt.timedelta(days=10))
    _send(sent, "sent", dt.datetime(2026, 4, 2, 9, 30))
    _send(sent, "sent", dt.datetime(2026, 4, 9, 16, 0))  # sent again: the last one shows
    failed = _confirmed("2026-0002", TODAY + dt.timedelta(days=10))
    _send(failed, "failed", dt.datetime(2026, 4, 3, 10, 0))
    never = _confirmed("2026-0003", TODAY + dt.timedelta(days=10))
    draft = make_invoice(make_contract())
    db.session.commit()

    html = page(client.get("/invoices"))
    assert "<th>Sent</th>" in html
    assert _cell(_row(html, sent.code), "invoice-sent") == "Apr 9, 2026"
    # A send the mail server refused did not reach the customer.
    assert _cell(_row(html, failed.code), "invoice-sent") == "Not sent"
    assert _cell(_row(html, never.code), "invoice-sent") == "Not sent"
    # A draft cannot be sent yet: nothing to say.
    assert _cell(_row(html, draft.code), "invoice-sent") == "—"


def test_a_confirmed_unpaid_invoice_past_its_due_date_is_marked_overdue(client):
    overdue = _confirmed("2026-0001", TODAY - dt.timedelta(days=1))
    due_today = _confirmed("2026-0002", TODAY)
    paid_late = _confirmed("2026-0003", TODAY - dt.timedelta(days=20), status="paid",
                           paid_on=TODAY - dt.timedelta(days=2))
    old_draft = make_invoice(make_contract(), invoice_date=TODAY - dt.timedelta(days=90))
    db.session.commit()

    html = page(client.get("/invoices"))
    row = _row(html, overdue.code)
    assert 'data-testid="invoice-overdue"' in row and "Overdue" in _cell(row, "invoice-due-date")
    for calm in (due_today, paid_late, old_draft):
        assert "Overdue" not in _row(html, calm.code)


def test_the_list_with_30_sent_invoices_needs_few_queries(count_queries):
    for n in range(30):
        invoice = _confirmed(f"2026-{n + 1:04d}", TODAY - dt.timedelta(days=n))
        _send(invoice, "failed", dt.datetime(2026, 4, 1, 9, 0))
        _send(invoice, "sent", dt.datetime(2026, 4, 1, 9, 5))
    assert count_queries("/invoices") <= 4
