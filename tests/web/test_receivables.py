"""The receivables page and its CSV (issue 15): what customers still owe, aged on a fixed
day (app.receivables.routes.today is replaced), totals per currency and bucket, filters,
formula-safe cells, and the SQL amount due agreeing with app.services.payments.due_of."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal as D

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import Invoice, User
from app.receivables import routes
from app.receivables.queries import due_columns
from app.services.corrections import correct_invoice
from app.services.invoicing import InvoiceParameters, create_invoice
from app.services.lifecycle import confirm_invoice, record_payment, reverse_payment
from app.services.payments import due_of
from app.services.users import create_user
from tests.factories import make_actual, make_contract, make_customer, make_project, make_tm_line
from tests.web.helpers import make_invoice

TODAY = dt.date(2026, 9, 1)
CREATED = dt.date(2026, 4, 1)
TOTAL = D("8906.25")  # 7.5 h × 950.00 + 25 % tax
_keys = iter(range(1, 10_000))


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(routes, "today", lambda: TODAY)


def open_invoice(*, late: int = 0, currency: str = "DKK", customer=None, price=D("950.00"),
                 confirm: bool = True) -> Invoice:
    """A confirmed invoice (a draft with confirm=False) created on CREATED, whose due date
    is `late` days before TODAY."""
    key = f"c{next(_keys)}"
    contract = make_contract(key=key, currency=currency, customer=customer)
    make_actual(make_tm_line(contract, make_project(customer=contract.customer)), price=price)
    db.session.commit()
    invoice = create_invoice(key, InvoiceParameters(cutoff=dt.date(2026, 3, 31)), today=CREATED)
    if confirm:
        invoice = confirm_invoice(invoice.code)
    db.session.execute(update(Invoice).where(Invoice.id == invoice.id)
                       .values(due_date=TODAY - dt.timedelta(days=late)))
    db.session.commit()
    return db.session.get(Invoice, invoice.id)


def pay(invoice, amount, day=dt.date(2026, 5, 1), **kw):
    return record_payment(invoice.code, D(amount), day, today=TODAY, **kw)


def partial_credit(invoice, amount) -> Invoice:
    """A confirmed credit note of `amount` (< 0) against the invoice, as its row stands after
    confirmation (the corrections' own tests build it through the editor)."""
    note = make_invoice(invoice.contract, invoice_type="credit_note", corrects=invoice,
                        project_invoice_status="confirmed", number=f"CN-{invoice.id}",
                        invoice_date=CREATED, total_amount=D(amount))
    db.session.commit()
    return note


def rows(html: str) -> list[dict]:
    """The rows of the list: invoice ID, bucket, days overdue and amounts due and paid."""
    found = []
    for row in re.findall(r'<tr data-testid="receivable-row".*?</tr>', html, re.S):
        def value(testid, row=row):
            return re.search(rf'data-testid="{testid}"[^>]*data-value="([^"]*)"', row).group(1)
        found.append({"code": re.search(r'data-invoice="([^"]+)"', row).group(1),
                      "bucket": re.search(r'data-bucket="([^"]+)"', row).group(1),
                      "days": int(value("days-overdue")), "due": D(value("receivable-due")),
                      "paid": D(value("receivable-paid")),
                      "partly_paid": 'data-testid="partly-paid"' in row})
    return found


def totals(html: str) -> dict[str, dict[str, D]]:
    """Currency → bucket (and "due") → the amount in the totals table."""
    found = {}
    for currency, row in re.findall(
            r'<tr data-testid="receivables-total" data-currency="(\w+)">(.*?)</tr>', html, re.S):
        cells = dict(re.findall(r'data-testid="(bucket-\w+|total-due)".*?data-value="([^"]*)"',
                                row, re.S))
        found[currency] = {key.removeprefix("bucket-").replace("total-due", "due"): D(v)
                           for key, v in cells.items()}
    return found


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


# ---------------------------------------------------------------- the list


@pytest.mark.parametrize(("late", "bucket"), [
    (-5, "not_due"), (0, "not_due"), (1, "1_30"), (30, "1_30"), (31, "31_60"), (60, "31_60"),
    (61, "61_90"), (90, "61_90"), (91, "over_90")])
def test_an_invoice_is_aged_by_the_days_past_its_due_date(client, late, bucket):
    invoice = open_invoice(late=late)
    [row] = rows(client.get("/receivables").text)
    assert (row["code"], row["bucket"], row["days"]) == (invoice.code, bucket, max(late, 0))
    filtered = rows(client.get(f"/receivables?bucket={bucket}").text)
    assert [r["code"] for r in filtered] == [invoice.code]
    others = [b for b in ("not_due", "1_30", "31_60", "61_90", "over_90") if b != bucket]
    for other in others:
        assert rows(client.get(f"/receivables?bucket={other}").text) == []


def test_the_most_overdue_come_first_and_by_customer_on_request(client):
    zed, abe = make_customer(name="Zed ApS"), make_customer(name="Abe A/S")
    newer = open_invoice(late=3, customer=zed)
    oldest = open_invoice(late=95, customer=zed)
    middle = open_invoice(late=40, customer=abe)
    page = client.get("/receivables").text
    assert [r["code"] for r in rows(page)] == [oldest.code, middle.code, newer.code]
    by_customer = client.get("/receivables?sort=customer").text
    assert [r["code"] for r in rows(by_customer)] == [middle.code, oldest.code, newer.code]


def test_a_partly_paid_invoice_shows_what_is_still_due(client):
    invoice = open_invoice(late=10)
    pay(invoice, "5000.00")
    [row] = rows(client.get("/receivables").text)
    assert (row["due"], row["paid"], row["partly_paid"]) == (D("3906.25"), D("5000.00"), True)
    assert "Partly paid" in client.get("/receivables").text


def test_paid_drafts_credit_notes_and_refunds_due_are_not_receivables(client):
    unpaid = open_invoice(late=10)
    paid = open_invoice(late=10)
    pay(paid, str(TOTAL))
    open_invoice(late=10, confirm=False)  # a draft
    credited = open_invoice(late=10)
    confirm_invoice(correct_invoice(credited.code, today=CREATED).code)  # a full credit
    refund_due = open_invoice(late=10)
    pay(refund_due, str(TOTAL))
    confirm_invoice(correct_invoice(refund_due.code, today=CREATED).code)
    assert due_of(db.session.get(Invoice, refund_due.id)).amount == -TOTAL
    assert [r["code"] for r in rows(client.get("/receivables").text)] == [unpaid.code]


def test_a_reversed_payment_makes_the_invoice_owed_again(client):
    invoice = open_invoice(late=10)
    payment = pay(invoice, str(TOTAL))
    assert rows(client.get("/receivables").text) == []
    reverse_payment(invoice.code, payment.id, "Paid another invoice")
    [row] = rows(client.get("/receivables").text)
    assert (row["code"], row["due"], row["partly_paid"]) == (invoice.code, TOTAL, False)


def test_totals_are_per_currency_and_bucket_never_across_currencies(client):
    open_invoice(late=0)
    open_invoice(late=45)
    pay(open_invoice(late=45), "1000.00")
    open_invoice(late=100, currency="MYR", price=D("100.00"))  # 750.00 + 187.50
    open_invoice(late=5, currency="JPY", price=D("1333"))  # 9,998 + 2,500
    sums = totals(client.get("/receivables").text)
    assert sums == {
        "DKK": {"not_due": TOTAL, "1_30": 0, "31_60": TOTAL * 2 - 1000, "61_90": 0,
                "over_90": 0, "due": TOTAL * 3 - 1000},
        "JPY": {"not_due": 0, "1_30": D("12498"), "31_60": 0, "61_90": 0, "over_90": 0,
                "due": D("12498")},
        "MYR": {"not_due": 0, "1_30": 0, "31_60": 0, "61_90": 0, "over_90": D("937.50"),
                "due": D("937.50")}}
    assert totals(client.get("/receivables?currency=MYR").text).keys() == {"MYR"}
    assert totals(client.get("/receivables?bucket=31_60").text) == {
        "DKK": {"not_due": 0, "1_30": 0, "31_60": TOTAL * 2 - 1000, "61_90": 0, "over_90": 0,
                "due": TOTAL * 2 - 1000}}


def test_filters_by_customer_and_currency(client):
    acme = make_customer(name="Acme")
    mine = open_invoice(late=5, customer=acme)
    other = open_invoice(late=5, currency="MYR")
    assert [r["code"] for r in rows(client.get(f"/receivables?customer={acme.id}").text)] == [
        mine.code]
    assert [r["code"] for r in rows(client.get("/receivables?currency=MYR").text)] == [
        other.code]
    assert rows(client.get(f"/receivables?customer={acme.id}&currency=MYR").text) == []
    assert "No receivables match." in client.get(f"/receivables?customer={acme.id}&currency=MYR").text


@pytest.mark.parametrize("query", [
    "customer=abc", "customer=99999999999999999999", "currency=XXX", "currency=%3Cb%3E",
    "bucket=2_40", "sort=amount", "page=-3", "page=abc", "page=999999999"])
def test_bad_filter_values_are_ignored_never_an_error(client, query):
    invoice = open_invoice(late=5)
    response = client.get(f"/receivables?{query}")
    assert response.status_code == 200
    assert [r["code"] for r in rows(response.text)] == [invoice.code]
    assert [row[1] for row in csv_rows(client.get(f"/receivables.csv?{query}"))[1:]] == [
        invoice.code]


def test_the_list_pages_and_the_totals_count_every_page(app, client):
    app.config["PAGE_SIZE"] = 2
    invoices = [open_invoice(late=late) for late in (50, 40, 30)]
    first, second = client.get("/receivables").text, client.get("/receivables?page=2").text
    assert [r["code"] for r in rows(first)] == [i.code for i in invoices[:2]]
    assert [r["code"] for r in rows(second)] == [invoices[2].code]
    assert "of 3" in first and totals(first)["DKK"]["due"] == TOTAL * 3


def test_the_page_reads_a_fixed_number_of_statements(count_queries):
    open_invoice(late=5)
    few = count_queries("/receivables")
    for late in (10, 40, 70, 100):
        pay(open_invoice(late=late), "100.00")
    assert count_queries("/receivables") == few <= 5


def test_an_empty_list_says_nothing_is_owed(client):
    assert "Nothing is owed" in client.get("/receivables").text


# ---------------------------------------------------------------- the SQL rule


def test_the_amount_due_in_sql_is_the_rule_of_due_of(app):
    """Unpaid, partly paid, paid, paid and reversed, partly credited (and paid), fully
    credited after a payment (a refund due), refunded: the same amount both ways."""
    unpaid = open_invoice()
    partly = open_invoice()
    pay(partly, "1234.56")
    paid = open_invoice()
    pay(paid, "1000.00")
    pay(paid, str(TOTAL - 1000))
    reversed_ = open_invoice()
    pay(reversed_, "500.00")
    reverse_payment(reversed_.code, pay(reversed_, "300.00").id, "Wrong invoice")
    credited = open_invoice()
    partial_credit(credited, "-1000.00")
    credited_paid = open_invoice()
    partial_credit(credited_paid, "-2000.00")
    pay(credited_paid, "6906.25")
    refund_due = open_invoice()
    pay(refund_due, "5000.00")
    confirm_invoice(correct_invoice(refund_due.code, today=CREATED).code)
    refunded = open_invoice(currency="JPY", price=D("1333"))
    pay(refunded, "12498")
    confirm_invoice(correct_invoice(refunded.code, today=CREATED).code)
    pay(refunded, "10000", kind="refund")
    draft = open_invoice(confirm=False)
    columns = due_columns()
    db.session.expire_all()
    in_sql = dict(db.session.execute(select(Invoice.id, columns.due).select_from(columns.source)
                                     .where(Invoice.invoice_type == "invoice")).all())
    expected = {i.id: due_of(db.session.get(Invoice, i.id)).amount for i in (
        unpaid, partly, paid, reversed_, credited, credited_paid, refund_due, refunded, draft)}
    assert in_sql == expected
    assert [expected[i.id] for i in (partly, reversed_, credited, credited_paid, refund_due,
                                     refunded)] == [
        TOTAL - D("1234.56"), TOTAL - 500, TOTAL - 1000, 0, D("-5000.00"), D("-2498")]


# ---------------------------------------------------------------- CSV


def test_the_csv_has_every_receivable_with_plain_values(app, client):
    app.config["PAGE_SIZE"] = 1
    first = open_invoice(late=40)
    pay(first, "1000.00")
    partial_credit(first, "-500.00")
    second = open_invoice(late=0, currency="JPY", price=D("1333"))
    header, *lines = csv_rows(client.get("/receivables.csv"))
    assert header == ["Invoice number", "Invoice ID", "Customer", "Currency", "Invoice date",
                      "Due date", "Days overdue", "Overdue", "Total amount", "Credited",
                      "Paid", "Amount due"]
    assert [line[1] for line in lines] == [first.code, second.code]
    assert lines[0][3:] == ["DKK", "2026-04-01", (TODAY - dt.timedelta(days=40)).isoformat(),
                            "40", "31–60 days", "8906.25", "-500.00", "1000.00", "7406.25"]
    assert lines[1][3:] == ["JPY", "2026-04-01", TODAY.isoformat(), "0", "Not due", "12498",
                            "0", "0", "12498"]
    response = client.get("/receivables.csv?currency=JPY")
    assert [line[1] for line in csv_rows(response)[1:]] == [second.code]
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="receivables-2026-09-01.csv"')


@pytest.mark.parametrize("name", [
    '=HYPERLINK("http://evil.example","x")', "+1+2", "-2+3", "@SUM(A1)", "\tTab", "\rCR"])
def test_a_text_cell_a_spreadsheet_would_run_is_quoted(client, name):
    open_invoice(late=5, customer=make_customer(name=name))
    [_header, line] = csv_rows(client.get("/receivables.csv"))
    assert line[2] == "'" + name


def test_negative_amounts_stay_numbers_and_ordinary_text_is_untouched(client):
    invoice = open_invoice(late=5, customer=make_customer(name="Acme - North"))
    partial_credit(invoice, "-100.00")
    [_header, line] = csv_rows(client.get("/receivables.csv"))
    assert (line[2], line[9]) == ("Acme - North", "-100.00")


# ---------------------------------------------------------------- access


PASSWORD = "a long enough password"


@pytest.mark.parametrize("role", ["viewer", "reviewer", "billing_manager", "admin"])
def test_every_role_sees_the_receivables_and_their_csv(app, client, role):
    app.config["LOGIN_DISABLED"] = False
    invoice = open_invoice(late=5)
    create_user(f"{role}@example.com", PASSWORD, role)
    assert client.post("/login", data={"email": f"{role}@example.com",
                                       "password": PASSWORD}).status_code == 302
    page = client.get("/receivables")
    assert page.status_code == 200 and [r["code"] for r in rows(page.text)] == [invoice.code]
    assert 'href="/receivables"' in page.text  # the nav link
    assert csv_rows(client.get("/receivables.csv"))[1][1] == invoice.code


def test_anonymous_visitors_are_sent_to_sign_in(app, client):
    app.config["LOGIN_DISABLED"] = False
    for url in ("/receivables", "/receivables.csv"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/login")
    assert db.session.scalar(select(User.id)) is None
