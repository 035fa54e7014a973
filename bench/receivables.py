"""Benchmark: the receivables page with 20,000 open invoices (not a test; prints figures).

    uv run python bench/receivables.py [--invoices 20000] [--requests 20] [--postgres URL]

Builds a fresh database (a SQLite file; with --postgres, an EMPTY PostgreSQL database of
your own, whose public schema is dropped and recreated) with 20 customers in two
currencies and N confirmed invoices bulk-inserted, due over the past and next months:
every third partly paid (some with a reversed payment as well), every 40th partly
credited by a confirmed credit note, plus N/10 paid invoices (not receivables) and N/20
drafts. Then it times server requests through Flask's test client (routing, queries,
template, no network): the first page, a filtered page, a late page and the CSV export,
each `--requests` times after one warm-up, and prints p50 / p95 in milliseconds and the SQL
statements per request. Budget: first page ≤ 300 ms.
"""

import argparse
import datetime as dt
import logging
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from flask_sqlalchemy.record_queries import get_recorded_queries  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from bench.backlog import percentile, reset_postgresql  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Contract, Customer, Invoice, Payment, PriceList  # noqa: E402
from app.receivables import routes  # noqa: E402

TODAY = dt.date(2026, 9, 1)
CURRENCIES = ("DKK", "MYR")


def seed(n: int) -> dict:
    """Customers and contracts, then the invoices, credit notes and payments in bulk."""
    contracts = []
    for c in range(20):
        currency = CURRENCIES[c % 2]
        customer = Customer(name=f"Customer {c:02d}", email=f"ap{c}@example.com", street="s",
                            postal_code="1", city="c", country="DK")
        price_list = PriceList(name=f"Prices {c}", currency=currency)
        contract = Contract(number=f"C-B{c:04d}", key=f"bench-{c}", name=f"Bench {c}",
                            customer=customer, currency=currency, price_list=price_list,
                            tax_rate=Decimal(25))
        db.session.add(contract)
        contracts.append(contract)
    db.session.flush()
    invoices, number = [], 0
    paid, drafts = n // 10, n // 20
    for i in range(n + paid + drafts):
        contract = contracts[i % len(contracts)]
        confirmed = i < n + paid
        number += confirmed
        invoice_date = TODAY - dt.timedelta(days=30 + i % 150)
        total = Decimal(1000 + (i * 37) % 9000) + Decimal("0.25")
        invoices.append({
            "code": f"PRO-{i + 1:06d}", "number": f"2026-{number:06d}" if confirmed else None,
            "invoice_type": "invoice", "contract_id": contract.id,
            "customer_id": contract.customer_id, "price_list_id": contract.price_list_id,
            "currency": contract.currency, "tax_rate": Decimal(25), "name": contract.name,
            "bill_to_name": "Bench", "bill_to_email": "ap@example.com", "bill_to_street": "s",
            "bill_to_postal_code": "1", "bill_to_city": "c", "bill_to_country": "DK",
            "invoice_date": invoice_date, "due_date": invoice_date + dt.timedelta(days=30),
            "cutoff_date": invoice_date,
            "status": "paid" if n <= i < n + paid else "active",
            "project_invoice_status": "confirmed" if confirmed else "draft",
            "paid_on": invoice_date if n <= i < n + paid else None,
            "detail_amount": total, "pre_freight_amount": total, "total_amount": total})
    for chunk in range(0, len(invoices), 5000):
        db.session.execute(insert(Invoice), invoices[chunk:chunk + 5000])
    ids = dict(db.session.execute(select(Invoice.code, Invoice.id)).all())
    notes, payments = [], []
    for i, row in enumerate(invoices[:n + paid]):
        invoice_id, day = ids[row["code"]], row["invoice_date"] + dt.timedelta(days=5)
        common = {"invoice_id": invoice_id, "date": day, "method": "bank_transfer",
                  "recorded_by": "bench"}
        if i >= n:  # paid in full
            payments.append({**common, "kind": "payment", "amount": row["total_amount"]})
        elif i % 3 == 0:
            payments.append({**common, "kind": "payment", "amount": Decimal("500.00")})
            if i % 9 == 0:
                payments.append({**common, "kind": "payment", "amount": Decimal("100.00"),
                                 "reversed_at": dt.datetime(2026, 8, 1), "reversed_by": "bench",
                                 "reversal_reason": "Wrong invoice"})
        if i < n and i % 40 == 0:
            number += 1
            notes.append({**row, "code": f"PRO-C{i:06d}", "number": f"2026-{number:06d}",
                          "invoice_type": "credit_note", "corrects_invoice_id": invoice_id,
                          "detail_amount": Decimal("-200.00"),
                          "pre_freight_amount": Decimal("-200.00"),
                          "total_amount": Decimal("-200.00")})
    db.session.execute(insert(Invoice), notes)
    for chunk in range(0, len(payments), 5000):
        db.session.execute(insert(Payment), payments[chunk:chunk + 5000])
    db.session.commit()
    return {"customer": str(contracts[3].customer_id), "payments": len(payments),
            "credit_notes": len(notes)}


def measure(client, url: str, requests: int):
    """Milliseconds of each request after one warm-up, and the statements of one request."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    before = len(get_recorded_queries())
    client.get(url)
    statements = len(get_recorded_queries()) - before
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    return times, statements, len(response.data)


def run(url: str, n: int, requests: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "LOGIN_DISABLED": True, "SQLALCHEMY_RECORD_QUERIES": True})
    routes.today = lambda: TODAY  # the invoices are aged on a fixed day
    with app.app_context():
        upgrade()
        began = time.perf_counter()
        refs = seed(n)
        seeded = time.perf_counter() - began
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        last_page = -(-n // app.config["PAGE_SIZE"])
        print(f"{db.engine.dialect.name}: {n:,} open invoices (+{n // 10:,} paid, "
              f"{n // 20:,} drafts, {refs['credit_notes']:,} credit notes, "
              f"{refs['payments']:,} payments), seeded in {seeded:.1f} s")
        cases = [
            ("page 1", "/receivables"),
            ("filtered", f"/receivables?customer={refs['customer']}&currency=MYR&bucket=31_60"),
            ("by customer", "/receivables?sort=customer"),
            ("late page", f"/receivables?page={last_page - 1}"),
            ("CSV (all)", "/receivables.csv"),
        ]
        client = app.test_client()
        print(f"{'request':<16}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'SQL':>5}{'KiB':>7}")
        for name, path in cases:
            times, statements, size = measure(client, path, requests)
            print(f"{name:<16}{statistics.median(times):>8.1f}{percentile(times, .95):>8.1f}"
                  f"{max(times):>8.1f}{statements:>5}{size / 1024:>7.0f}", flush=True)
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--postgres", help="URL of an empty PostgreSQL database of your own "
                        "('none', the default: SQLite only)")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as directory:
        run(f"sqlite:///{directory}/receivables.sqlite", args.invoices, args.requests)
    if args.postgres and args.postgres != "none":
        reset_postgresql(args.postgres)
        run(args.postgres, args.invoices, args.requests)


if __name__ == "__main__":
    main()
