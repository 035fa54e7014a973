"""Garbage posted to every editor endpoint of a confirmed invoice (a stale tab, a crafted
request) is refused with a 4xx and a message, never a 5xx, and changes nothing (issue 11)."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.billing.editability import DETAIL_FIELDS, HEADER_FIELDS
from app.extensions import db
from app.models import AuditEntry, Invoice, InvoiceLineDetail
from app.services.lifecycle import confirm_invoice, mark_paid
from tests.worlds import World

HX = {"HX-Request": "true"}
HUGE = "99999999999"
# Values a clumsy user or an attacker types: empty, words, exponents, signs, huge numbers,
# control characters, markup, impossible dates, locale digits, very long text.
GARBAGE = ["", "x", "1e3", "-1", "NaN", "Infinity", "1,5", "1.234,5", "99999999999999999999",
           "2147483648", "2026-13-45", "0000-00-00", "<script>alert(1)</script>",
           "nul\x00byte", "\u0661\u0662", "a" * 5_000, "'; DROP TABLE invoices; --"]
FIELDS = sorted(set(DETAIL_FIELDS) | set(HEADER_FIELDS) | {"version", "transaction_class", "name"})


@pytest.fixture
def confirmed(app):
    world = World()
    details = {d.backing: d.id for d in db.session.scalars(select(InvoiceLineDetail))}
    world.add_time()
    details["none"] = max(db.session.scalars(select(InvoiceLineDetail.id)))
    confirm_invoice(world.code)
    return world, details


def endpoints(world, details) -> list[tuple[str, str]]:
    code, tm, fp, product = (world.code, world.tm_line.id, world.fp_line.id,
                             world.product_line.id)
    posts = [f"/invoices/{code}/details/{d}" for d in details.values()]
    posts += [f"/invoices/{code}/details/{d}/delete" for d in details.values()]
    posts += [f"/invoices/{code}/lines/{tm}/details", f"/invoices/{code}/header"]
    posts += [f"/invoices/{code}/lines/{line}" for line in (tm, fp, product)]
    posts += [f"/invoices/{code}/{action}" for action in (
        "recalculate", "refresh", "submit-review", "back-to-draft", "confirm", "mark-paid",
        "reopen", "delete")]
    # Ids nobody has, and ids beyond the database's integers.
    posts += [f"/invoices/{code}/details/{HUGE}", f"/invoices/{code}/details/2147483648/delete",
              f"/invoices/{code}/lines/{HUGE}/details", f"/invoices/{code}/lines/{HUGE}"]
    gets = [f"/invoices/{code}/lines/{tm}/details/new", f"/invoices/{code}/lines/{tm}/details",
            f"/invoices/{code}/lines/{HUGE}/details/new"]
    return [("POST", url) for url in posts] + [("GET", url) for url in gets]


def payloads() -> list[tuple[str, dict]]:
    """Every field holding one garbage value; and the same with a real transaction class and
    billing type, so the garbage reaches the rows' own fields."""
    found = []
    for value in GARBAGE:
        every = {field: value for field in FIELDS}
        found += [(value, every), (value, {**every, "transaction_class": "time",
                                           "billing_type": "chargeable", "product_choice": ""})]
    return found


def snapshot(code: str) -> tuple:
    db.session.expire_all()
    invoice = db.session.scalars(select(Invoice).where(Invoice.code == code)).one()
    details = db.session.execute(select(InvoiceLineDetail.id, InvoiceLineDetail.version)
                                 .order_by(InvoiceLineDetail.id)).all()
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
    return invoice.version, invoice.status, invoice.total_amount, tuple(details), entries


def test_garbage_to_every_editor_endpoint_of_a_confirmed_invoice_is_a_4xx(client, confirmed):
    world, details = confirmed
    before = snapshot(world.code)
    tried, failures = 0, []
    for method, url in endpoints(world, details):
        for number, (value, data) in enumerate(payloads()):
            # Without htmx (a plain form post) for every value, once.
            for headers in ((HX, {}) if number % 2 == 0 else (HX,)):
                tried += 1
                try:
                    if method == "POST":
                        response = client.post(url, data=data, headers=headers)
                    else:
                        response = client.get(url, query_string={**data, "after": value,
                                                                 "billing_type": value},
                                              headers=headers)
                    status = response.status_code
                except Exception as error:  # noqa: BLE001 - an exception is what a 500 is
                    status = f"{type(error).__name__}: {error}"[:200]
                if not isinstance(status, int) or status >= 500:
                    failures.append((method, url, value[:30], status))
    print(f"{len(endpoints(world, details))} endpoints × {len(payloads())} payloads, htmx and "
          f"plain: {tried} requests; {len(failures)} answered ≥ 500")
    assert failures == []
    assert snapshot(world.code)[:4] == before[:4]  # nothing changed, nothing half-written


def test_a_stale_tab_adding_a_detail_gets_409_with_the_state_in_the_row(client, confirmed):
    world, _details = confirmed
    response = client.post(f"/invoices/{world.code}/lines/{world.tm_line.id}/details", headers=HX,
                           data={"transaction_class": "time", "description": "Late work",
                                 "quantity": "2", "start_date": "2026-03-10", "unit": "1"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Only draft or in-review invoices can be edited" in html
    assert 'id="line-%d-new-row"' % world.tm_line.id in html  # it replaces the new row


def test_a_stale_tab_editing_a_cell_gets_409_with_the_state_in_the_row(client, confirmed):
    world, details = confirmed
    response = client.post(f"/invoices/{world.code}/details/{details['actual']}", headers=HX,
                           data={"version": "1", "tax": "12.50"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Only draft or in-review invoices can be edited" in html
    assert f'id="detail-{details["actual"]}"' in html


def test_a_stale_tab_editing_the_header_or_a_line_name_gets_409(client, confirmed):
    world, _details = confirmed
    response = client.post(f"/invoices/{world.code}/header", headers=HX,
                           data={"version": "1", "bill_to_email": "nope", "due_date": "soon"})
    assert response.status_code == 409
    assert "Only draft or in-review invoices can be edited" in response.get_data(as_text=True)
    response = client.post(f"/invoices/{world.code}/lines/{world.tm_line.id}", headers=HX,
                           data={"version": "1", "name": "New name"})
    assert response.status_code == 409


def test_a_paid_invoice_refuses_the_same_way(client, confirmed):
    world, details = confirmed
    mark_paid(world.code, dt.date(2026, 4, 20))
    response = client.post(f"/invoices/{world.code}/details/{details['none']}", headers=HX,
                           data={"version": "1", "quantity": "-5", "start_date": "x"})
    assert response.status_code == 409
